/**
 * Parity with mordred 1.2.0 on the committed oracle set (test/fixtures/descriptors/), the descriptors computed
 * as production computes them (core/pipeline/descriptorInput.ts `descriptorsOfOligomer`): for every family,
 * every descriptor on every molecule: relative error ≤ 1e-6 (absolute ≤ 1e-9 near zero), NaN exactly where
 * mordred gives NaN, but the documented differences of known-differences.ts.
 */
import { describe, expect, test } from "bun:test"
import { REGISTRY } from "../../core/chem/descriptors/index.ts"
import { isKnown, KNOWN_DIFFERENCES } from "./known-differences.ts"
import { runParity } from "./parity-run.ts"

describe("mordred parity", () => {
  test("every oracle molecule is described", async () => {
    const r = await runParity()
    expect(r.refused).toEqual([])
    expect(r.molecules).toBeGreaterThan(700)
  })

  for (const fam of REGISTRY) {
    test(`${fam.name}: ${fam.names.length} descriptors equal mordred on every molecule`, async () => {
      const r = await runParity()
      const own = new Set(fam.names)
      const bad = r.mismatches.filter((m) => own.has(m.descriptor) && !isKnown(m.descriptor, m.polymer, m.n))
      const show = bad
        .slice(0, 10)
        .map((m) => `${m.descriptor} ${m.polymer}/${m.n}: ours ${m.ours}, mordred ${m.theirs}${m.error ? ` (${m.error})` : ""}`)
      expect(show).toEqual([])
      expect(bad.length).toBe(0)
    })
  }

  test("every known difference still differs (no stale entries)", async () => {
    const r = await runParity()
    const stale: string[] = []
    for (const k of KNOWN_DIFFERENCES)
      for (const mol of k.molecules)
        if (!r.mismatches.some((m) => k.descriptors.includes(m.descriptor) && `${m.polymer}/${m.n}` === mol))
          stale.push(mol)
    expect(stale).toEqual([])
  })
})
