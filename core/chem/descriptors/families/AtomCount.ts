import type { Family } from "../family.ts"
import { HALOGENS, SYMBOL } from "../shared/elements.ts"
import { bondRings } from "../shared/rings.ts"

const ELEMENT_COUNTS = ["H", "B", "C", "N", "O", "S", "P", "F", "Cl", "Br", "I"] as const

/** RDKit CalcNumSpiroAtoms: atoms that are the only atom shared by two rings of RingInfo. */
const spiroAtoms = (rings: readonly Int32Array[]): number => {
  const spiro = new Set<number>()
  for (let i = 0; i < rings.length; i++) {
    const ri = new Set(rings[i])
    for (let j = i + 1; j < rings.length; j++) {
      let shared = -1
      let count = 0
      for (const a of rings[j]!) if (ri.has(a)) {
        count++
        shared = a
      }
      if (count === 1) spiro.add(shared)
    }
  }
  return spiro.size
}

/** RDKit CalcNumBridgeheadAtoms: for two rings sharing more than one bond, atoms in exactly one shared bond. */
const bridgeheadAtoms = (rings: readonly Int32Array[], begin: Int32Array, end: Int32Array, bRings: readonly Int32Array[]): number => {
  const heads = new Set<number>()
  for (let i = 0; i < bRings.length; i++) {
    const ri = new Set(bRings[i])
    for (let j = i + 1; j < bRings.length; j++) {
      const inter: number[] = []
      for (const b of bRings[j]!) if (ri.has(b)) inter.push(b)
      if (inter.length > 1) {
        const cnt = new Map<number, number>()
        for (const b of inter) {
          cnt.set(begin[b]!, (cnt.get(begin[b]!) ?? 0) + 1)
          cnt.set(end[b]!, (cnt.get(end[b]!) ?? 0) + 1)
        }
        for (const [a, c] of cnt) if (c === 1) heads.add(a)
      }
    }
  }
  void rings
  return heads.size
}

export const AtomCount: Family = {
  name: "AtomCount",
  names: ["nAtom", "nHeavyAtom", "nSpiro", "nBridgehead", "nHetero", ...ELEMENT_COUNTS.map((s) => `n${s}`), "nX"],
  compute(ctx, out, o) {
    const gh = ctx.graph(true)
    const g = ctx.graph(false)
    const rings = ctx.input.atomRings
    out[o] = gh.n
    out[o + 1] = g.n
    out[o + 2] = spiroAtoms(rings)
    out[o + 3] = bridgeheadAtoms(rings, g.begin, g.end, bondRings(ctx))
    let hetero = 0
    let x = 0
    const bySymbol = new Map<string, number>()
    for (let i = 0; i < g.n; i++) {
      const z = g.z[i]!
      if (z !== 6 && z !== 1) hetero++
      if (HALOGENS.has(z)) x++
      const s = SYMBOL[z]!
      bySymbol.set(s, (bySymbol.get(s) ?? 0) + 1)
    }
    let nH = 0
    for (let i = 0; i < gh.n; i++) if (gh.z[i] === 1) nH++
    out[o + 4] = hetero
    out[o + 5] = nH
    for (let k = 1; k < ELEMENT_COUNTS.length; k++) out[o + 5 + k] = bySymbol.get(ELEMENT_COUNTS[k]!) ?? 0
    out[o + 5 + ELEMENT_COUNTS.length] = x
  },
}
