import { describe, expect, test } from "bun:test"
import {
  DESCRIPTOR_COUNT,
  DESCRIPTOR_FAMILY,
  DESCRIPTOR_NAMES,
  descriptorIndex,
  REGISTRY,
} from "../../core/chem/descriptors/index.ts"
import { FAMILIES } from "../../core/chem/descriptors/families/index.ts"
import { loadNames } from "./support.ts"

describe("descriptor registry", () => {
  test("1613 names in mordred's order, each with its family", async () => {
    const oracle = await loadNames()
    expect(DESCRIPTOR_COUNT).toBe(1613)
    expect([...DESCRIPTOR_NAMES]).toEqual(oracle.names)
    expect([...DESCRIPTOR_FAMILY]).toEqual(oracle.families)
    expect(new Set(DESCRIPTOR_NAMES).size).toBe(1613)
    expect(descriptorIndex("ABC")).toBe(0)
    expect(descriptorIndex("mZagreb2")).toBe(1612)
  })

  test("45 families, contiguous, offsets consistent", () => {
    expect(REGISTRY.length).toBe(45)
    let offset = 0
    for (const f of REGISTRY) {
      expect(f.offset).toBe(offset)
      offset += f.names.length
    }
    expect(offset).toBe(1613)
  })

  test("every implemented family declares exactly its block of names, in order", () => {
    for (const impl of FAMILIES) {
      const entry = REGISTRY.find((f) => f.name === impl.name)
      expect(entry, impl.name).toBeDefined()
      expect([...impl.names], impl.name).toEqual([...entry!.names])
      expect(entry!.impl).toBe(impl)
    }
    expect(new Set(FAMILIES.map((f) => f.name)).size).toBe(FAMILIES.length)
  })
})
