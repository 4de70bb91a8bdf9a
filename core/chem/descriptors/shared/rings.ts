/** Ring sets (RDKit RingInfo = symmetrized SSSR, as mordred's `Chem.GetSymmSSSR`), bond rings, fused rings. */
import type { DescriptorContext } from "../context.ts"

/** bond index for each atom pair of the heavy-atom graph */
const bondLookup = (ctx: DescriptorContext): Map<number, number> =>
  ctx.cached("bondLookup", () => {
    const g = ctx.graph(false)
    const m = new Map<number, number>()
    for (let b = 0; b < g.nb; b++) {
      const u = g.begin[b]!
      const v = g.end[b]!
      m.set(u < v ? u * g.n + v : v * g.n + u, b)
    }
    return m
  })

export const bondBetween = (ctx: DescriptorContext, u: number, v: number): number => {
  const n = ctx.graph(false).n
  return bondLookup(ctx).get(u < v ? u * n + v : v * n + u) ?? -1
}

/** RingInfo.BondRings(): bonds between consecutive atoms of each atom ring. */
export const bondRings = (ctx: DescriptorContext): readonly Int32Array[] =>
  ctx.cached("bondRings", () =>
    ctx.input.atomRings.map((r) => {
      const out = new Int32Array(r.length)
      for (let k = 0; k < r.length; k++) out[k] = bondBetween(ctx, r[k]!, r[(k + 1) % r.length]!)
      return out
    }),
  )

/** mordred RingCount.FusedRings: atom sets of connected groups of rings sharing ≥ 2 atoms (none when < 2 rings). */
export const fusedRings = (ctx: DescriptorContext): readonly Set<number>[] =>
  ctx.cached("fusedRings", () => {
    const rings = ctx.input.atomRings.map((r) => new Set(r))
    const L = rings.length
    if (L < 2) return []
    const parent = Int32Array.from({ length: L }, (_, i) => i)
    const inGraph = new Uint8Array(L)
    const find = (x: number): number => {
      while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!
      return x
    }
    for (let i = 0; i < L; i++)
      for (let j = i + 1; j < L; j++) {
        let shared = 0
        for (const a of rings[j]!) if (rings[i]!.has(a)) shared++
        if (shared >= 2) {
          inGraph[i] = inGraph[j] = 1
          parent[find(i)] = find(j)
        }
      }
    const groups = new Map<number, Set<number>>()
    for (let i = 0; i < L; i++) {
      if (!inGraph[i]) continue
      const r = find(i)
      const s = groups.get(r) ?? new Set<number>()
      for (const a of rings[i]!) s.add(a)
      groups.set(r, s)
    }
    return [...groups.values()]
  })
