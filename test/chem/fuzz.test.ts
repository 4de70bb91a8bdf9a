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
import { fuzzSmiles } from "./support/fuzzSmiles.ts"

const rdkit = await loadRDKit()

test("10 000 random and mutated SMILES: a result or a validation_error, nothing else", () => {
  let valid = 0
  let invalid = 0
  for (const s of fuzzSmiles(10_000)) {
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
