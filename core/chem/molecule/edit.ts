/**
 * The typed arrays of a molecule edited from another (oligomers, cut variants): its atoms copied from
 * the source molecule's, or new `*` atoms, and its bonds copied or added in order. The edits
 * themselves (which atoms and bonds, in which order) stay with their callers.
 */
import type { Molecule } from "./types.ts"

export interface EditedAtoms {
  readonly atomicNum: Uint8Array
  readonly isotope: Uint16Array
  readonly formalCharge: Int8Array
  readonly totalHs: Uint8Array
  readonly aromatic: Uint8Array
  readonly atomInRing: Uint8Array
  readonly mass: Float64Array
}

/** Atom k is `m`'s atom source[k], or a new `*` (all zero) where source[k] < 0. */
export const copiedAtoms = (m: Molecule, source: ArrayLike<number>): EditedAtoms => {
  const n = source.length
  const out = {
    atomicNum: new Uint8Array(n),
    isotope: new Uint16Array(n),
    formalCharge: new Int8Array(n),
    totalHs: new Uint8Array(n),
    aromatic: new Uint8Array(n),
    atomInRing: new Uint8Array(n),
    mass: new Float64Array(n),
  }
  for (let k = 0; k < n; k++) {
    const a = source[k]!
    if (a < 0) continue
    out.atomicNum[k] = m.atomicNum[a]!
    out.isotope[k] = m.isotope[a]!
    out.formalCharge[k] = m.formalCharge[a]!
    out.totalHs[k] = m.totalHs[a]!
    out.aromatic[k] = m.aromatic[a]!
    out.atomInRing[k] = m.atomInRing[a]!
    out.mass[k] = m.mass[a]!
  }
  return out
}

export interface EditedBonds {
  readonly bondBegin: Int32Array
  readonly bondEnd: Int32Array
  readonly bondType: Uint8Array
  readonly kekuleOrder: Uint8Array
  readonly bondInRing: Uint8Array
}

/** Bond arrays for `count` bonds, filled in order: copies of `m`'s bonds between new ends, or new bonds (not in a ring). */
export const bondWriter = (m: Molecule, count: number) => {
  const bonds: EditedBonds = {
    bondBegin: new Int32Array(count),
    bondEnd: new Int32Array(count),
    bondType: new Uint8Array(count),
    kekuleOrder: new Uint8Array(count),
    bondInRing: new Uint8Array(count),
  }
  let f = 0
  const add = (x: number, y: number, type: number, order: number, inRing = 0) => {
    bonds.bondBegin[f] = x
    bonds.bondEnd[f] = y
    bonds.bondType[f] = type
    bonds.kekuleOrder[f] = order
    bonds.bondInRing[f] = inRing
    f++
  }
  return { bonds, add, copy: (b: number, x: number, y: number) => add(x, y, m.bondType[b]!, m.kekuleOrder[b]!, m.bondInRing[b]!) }
}
