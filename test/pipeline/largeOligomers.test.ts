import { describe, expect, test } from "bun:test"
import { ValidationError } from "../../core/errors/index.ts"
import { isRepeatUnit, validateRepeatUnit } from "../../core/chem/polymer/repeatUnit.ts"
import { oligomerSmiles } from "../../core/chem/polymer/oligomer.ts"
import { MAX_ATOMS } from "../../core/chem/polymer/rules.ts"
import { describe as describeSmiles } from "../../core/pipeline/describe.ts"
import { loadRDKit } from "../../core/runtime/rdkit.ts"

/**
 * Oligomers are written in TypeScript at any size (len001's 9-mer has 2 600 atoms), but MinimalLib must
 * never read one beyond MAX_ATOMS: its stack overflows near 860 chained atoms and the instance is
 * unusable afterwards. The descriptors refuse such an oligomer with too_many_atoms, and the same
 * MinimalLib goes on working.
 */
const rdkit = await loadRDKit()
const unit = `*${"C".repeat(100)}*`

describe("oligomers larger than MinimalLib can read", () => {
  test("the 9-mer of a 100-carbon unit is written (900 atoms)", () => {
    const u = validateRepeatUnit(rdkit, unit)
    if (!isRepeatUnit(u)) throw new Error("the unit should be valid")
    expect(oligomerSmiles(rdkit, u, 9, true)).toBe("C".repeat(900))
  })
  test("its descriptors are refused with too_many_atoms; the 3-mer's are computed, before and after", () => {
    const before = describeSmiles(rdkit, unit, { oligomer: 3 })
    expect(before).not.toBeInstanceOf(ValidationError)
    const nine = describeSmiles(rdkit, unit, { oligomer: 9 })
    expect(nine).toBeInstanceOf(ValidationError)
    expect((nine as ValidationError).details).toMatchObject({ rule: "too_many_atoms" })
    expect((nine as ValidationError).message).toContain(String(MAX_ATOMS))
    const after = describeSmiles(rdkit, unit, { oligomer: 3 })
    if (before instanceof ValidationError || after instanceof ValidationError) throw new Error("the 3-mer should be described")
    // bit for bit (NaN included)
    expect(Buffer.from(after.values.buffer).equals(Buffer.from(before.values.buffer))).toBe(true)
    expect(after.molecule).toBe("C".repeat(300))
  })
})
