import { describe, expect, test } from "bun:test"
import { ValidationError } from "../../core/errors/index.ts"
import { descriptorIndex } from "../../core/chem/descriptors/index.ts"
import { isRepeatUnit, validateRepeatUnit } from "../../core/chem/polymer/repeatUnit.ts"
import { oligomerSmiles } from "../../core/chem/polymer/oligomer.ts"
import { describe as describeSmiles } from "../../core/pipeline/describe.ts"
import { descriptorsOfOligomer } from "../../core/pipeline/descriptorInput.ts"
import { loadRDKit } from "../../core/runtime/rdkit.ts"

/**
 * Oligomers are written in TypeScript at any size (len001's 9-mer has 2 600 atoms), and their descriptors are
 * computed from the oligomer built in TypeScript (core/pipeline/descriptorInput.ts), so MinimalLib never reads
 * one beyond MAX_ATOMS: its stack overflows near 860 chained atoms and the instance is unusable afterwards.
 * A unit whose oligomers are not built in TypeScript (stereo) is refused past that size, and the same
 * MinimalLib goes on working. Values: test/descriptors/parity*.test.ts, crippen-large.test.ts.
 */
const rdkit = await loadRDKit()
const unit = `*${"C".repeat(100)}*`

describe("oligomers larger than MinimalLib can read", () => {
  test("the 9-mer of a 100-carbon unit is written (900 atoms)", () => {
    const u = validateRepeatUnit(rdkit, unit)
    if (!isRepeatUnit(u)) throw new Error("the unit should be valid")
    expect(oligomerSmiles(rdkit, u, 9, true)).toBe("C".repeat(900))
  })
  test("its descriptors are computed in TypeScript; the 3-mer's are the same before and after", () => {
    const before = describeSmiles(rdkit, unit, { oligomer: 3 })
    expect(before).not.toBeInstanceOf(ValidationError)
    const u = validateRepeatUnit(rdkit, unit)
    if (!isRepeatUnit(u)) throw new Error("the unit should be valid")
    const r = descriptorsOfOligomer(rdkit, u, 9)
    if ("refused" in r) throw new Error(r.message)
    expect(r.fallback).toBeUndefined()
    expect(r.values[descriptorIndex("nAtom")!]).toBe(900 * 3 + 2)
    const nine = describeSmiles(rdkit, unit, { oligomer: 9 })
    if (nine instanceof ValidationError) throw nine
    expect(nine.molecule).toBe("C".repeat(900))
    const after = describeSmiles(rdkit, unit, { oligomer: 3 })
    if (before instanceof ValidationError || after instanceof ValidationError) throw new Error("the 3-mer should be described")
    // bit for bit (NaN included)
    expect(Buffer.from(after.values.buffer).equals(Buffer.from(before.values.buffer))).toBe(true)
    expect(after.molecule).toBe("C".repeat(300))
  })
  test("a stereo unit's 9-mer past MinimalLib's size is refused, and MinimalLib keeps working", () => {
    const stereo = `*C/C=C/${"C".repeat(100)}*`
    const nine = describeSmiles(rdkit, stereo, { oligomer: 9 })
    expect(nine).toBeInstanceOf(ValidationError)
    expect(["oligomer", "too_many_atoms"]).toContain(String((nine as ValidationError).details?.rule))
    expect(describeSmiles(rdkit, unit, { oligomer: 3 })).not.toBeInstanceOf(ValidationError)
  })
})
