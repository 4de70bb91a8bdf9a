/**
 * The registry: all 1613 mordred 2D descriptors in calculator order, each with its family (mordred module),
 * its index and the family's implementation.
 */
import { FAMILIES } from "./families/index.ts"
import type { Family } from "./family.ts"
import { FAMILY_BLOCKS } from "./names.ts"

export interface FamilyEntry {
  readonly name: string
  /** index of the family's first descriptor */
  readonly offset: number
  readonly names: readonly string[]
  readonly impl: Family
}

export const DESCRIPTOR_NAMES: readonly string[] = FAMILY_BLOCKS.flatMap(([, ns]) => ns)
export const DESCRIPTOR_COUNT = DESCRIPTOR_NAMES.length

const byName = new Map(FAMILIES.map((f) => [f.name, f]))

export const REGISTRY: readonly FamilyEntry[] = (() => {
  let offset = 0
  return FAMILY_BLOCKS.map(([name, names]) => {
    const impl = byName.get(name)
    if (impl === undefined) throw new Error(`descriptor family ${name} has no implementation`)
    const e: FamilyEntry = { name, offset, names, impl }
    offset += names.length
    return e
  })
})()

/** family of each descriptor, by index */
export const DESCRIPTOR_FAMILY: readonly string[] = REGISTRY.flatMap((f) => f.names.map(() => f.name))

const indexByName = new Map(DESCRIPTOR_NAMES.map((n, i) => [n, i]))
export const descriptorIndex = (name: string): number | undefined => indexByName.get(name)

