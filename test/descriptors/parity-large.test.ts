/**
 * Parity with mordred 1.2.0 on capped oligomers of large units (test/fixtures/descriptors/large, written by
 * tools/oracle/descriptors_large.py: OPV donor polymers with branched alkyl chains, 3/6/9-mers of 150-990
 * heavy atoms, and a 9-mer of 1980), computed as production computes them: built in TypeScript, past what
 * MinimalLib can read, and past RDKit's 1000-match cap: 1280 and 2558 hydrogens (Crippen's hydrogen patterns),
 * and on the 1980-atom molecule `[CH2](C)C`, `[#6]` (Crippen), `[CD2H2](-*)-*` (E-state) and the rotatable-bond
 * pattern (2230 matches: mordred's nRot is 500, the distinct bonds of the first 1000 matches). Every descriptor within 1e-6 relative (1e-9
 * absolute near zero), NaN exactly where mordred gives NaN, but the documented differences of
 * known-differences.ts.
 */
import { expect, test } from "bun:test"
import { join } from "node:path"
import { isKnown } from "./known-differences.ts"
import { runParity } from "./parity-run.ts"
import { FIXTURES, loadManifest } from "./support.ts"

const LARGE = join(FIXTURES, "large")

test("descriptors of capped oligomers of large units (150-1980 heavy atoms) equal mordred's", async () => {
  const r = await runParity(LARGE)
  expect(r.refused).toEqual([])
  expect(r.fallbacks).toEqual([])
  const man = await loadManifest(LARGE)
  const listed = (man.units as unknown as { atoms: Record<string, number | null> }[]).reduce((k, u) => k + Object.values(u.atoms).filter((a) => a !== null).length, 0)
  expect(r.molecules).toBe(listed)
  expect(r.molecules).toBeGreaterThanOrEqual(7)
  const bad = r.mismatches.filter((m) => !isKnown(m.descriptor, m.polymer, m.n))
  const show = bad.slice(0, 20).map((m) => `${m.descriptor} ${m.polymer}/${m.n}: ours ${m.ours}, mordred ${m.theirs}${m.error ? ` (${m.error})` : ""}`)
  expect(show).toEqual([])
  expect(bad.length).toBe(0)
}, 600_000)
