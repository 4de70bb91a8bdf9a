/**
 * 10 000 random and mutated SMILES strings (seeded): validation, oligomers and fingerprints give a
 * result or a ValidationError (code validation_error), never a crash or another error.
 */
import { expect, test } from "bun:test"
import { loadRDKit } from "../../core/runtime/rdkit.ts"
import { isRepeatUnit, validateRepeatUnit } from "../../core/chem/polymer/repeatUnit.ts"
import { oligomerSmiles, oligomerSpec } from "../../core/chem/polymer/oligomer.ts"
import { fingerprintOfSpec } from "../../core/chem/fingerprints/index.ts"
import { ValidationError } from "../../core/errors/index.ts"

const rdkit = await loadRDKit()

const mulberry32 = (seed: number) => () => {
  seed |= 0
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const SEEDS = ["*CC*", "*CC(*)c1ccccc1", "*C(C)(C(=O)OC)C*", "*Oc1ccc(C(C)(C)c2ccc(OC(*)=O)cc2)cc1", "*/C=C/c1ccc(*)cc1",
  "*C[C@@H](Cl)C(*)F", "*[Si](C)(C)O*", "*=C1C=CC(=*)C=C1", "*c1ccc(-c2ccc(*)s2)s1", "*NC(=O)CCCCC(=O)NCCCCCC*"]
const ALPHABET = ["*", "C", "c", "N", "n", "O", "o", "S", "F", "Cl", "Br", "(", ")", "=", "#", "1", "2", "[", "]", "@", "@@", "/", "\\", "+", "-", "H", ".", "%10", "[nH]", "[Si]", "[*]", "[13C]", ":"]

test("10 000 random and mutated SMILES: a result or a validation_error, nothing else", () => {
  const rnd = mulberry32(20260917)
  const pick = <T,>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!
  let valid = 0
  let invalid = 0
  for (let i = 0; i < 10_000; i++) {
    let s: string
    if (i % 2 === 0) {
      const len = 1 + Math.floor(rnd() * 24)
      s = Array.from({ length: len }, () => pick(ALPHABET)).join("")
    } else {
      s = pick(SEEDS)
      const edits = 1 + Math.floor(rnd() * 3)
      for (let e = 0; e < edits; e++) {
        const p = Math.floor(rnd() * (s.length + 1))
        const op = rnd()
        s = op < 0.4 ? s.slice(0, p) + pick(ALPHABET) + s.slice(p) : op < 0.8 ? s.slice(0, p) + s.slice(p + 1) : s + pick(SEEDS)
      }
    }
    let u
    try {
      u = validateRepeatUnit(rdkit, s)
      if (isRepeatUnit(u)) {
        valid++
        oligomerSmiles(rdkit, u, 3, true)
        oligomerSmiles(rdkit, u, 2, false)
        fingerprintOfSpec(rdkit, oligomerSpec(u, 3, true))
      } else {
        invalid++
        expect(u).toBeInstanceOf(ValidationError)
        expect(u.code).toBe("validation_error")
      }
    } catch (e) {
      throw new Error(`input ${JSON.stringify(s)} threw ${String(e)}`)
    }
  }
  expect(valid).toBeGreaterThan(100)
  expect(invalid).toBeGreaterThan(100)
}, 300_000)
