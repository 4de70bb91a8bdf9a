/**
 * Parity with mordred 1.2.0 on the committed oracle set (test/fixtures/descriptors/): for every implemented
 * family, every descriptor on every molecule: relative error ≤ 1e-6 (absolute ≤ 1e-9 near zero), NaN exactly
 * where mordred gives NaN. Families not implemented yet are listed in core/chem/descriptors/PARITY.md.
 */
import { describe, expect, test } from "bun:test"
import { implementedFamilies } from "../../core/chem/descriptors/index.ts"
import { isKnown, KNOWN_DIFFERENCES } from "./known-differences.ts"
import { runParity } from "./parity-run.ts"

describe("mordred parity", () => {
  for (const fam of implementedFamilies()) {
    const pending = fam.impl!.pending?.size ?? 0
    test(`${fam.name}: ${fam.names.length - pending} descriptors equal mordred on every molecule${pending ? ` (${pending} pending)` : ""}`, async () => {
      const r = await runParity()
      expect(r.molecules).toBeGreaterThan(600)
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
