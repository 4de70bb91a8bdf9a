import type { DescriptorContext } from "../context.ts"
import type { Family } from "../family.ts"
import { sigmaElectrons, valenceElectrons } from "../shared/atomic.ts"
import { SubgraphType, subgraphs } from "../shared/subgraphs.ts"

type Delta = "d" | "dv"
interface Spec {
  type: SubgraphType
  short: string
  order: number
  delta: Delta
  averaged: boolean
}
const DELTAS: Delta[] = ["d", "dv"]
// mordred Chi.preset order
const SPECS: Spec[] = [
  ...DELTAS.flatMap((delta) => [3, 4, 5, 6, 7].map((order) => ({ type: SubgraphType.Chain, short: "ch", order, delta, averaged: false }))),
  ...DELTAS.flatMap((delta) => [3, 4, 5, 6].map((order) => ({ type: SubgraphType.Cluster, short: "c", order, delta, averaged: false }))),
  ...DELTAS.flatMap((delta) => [4, 5, 6].map((order) => ({ type: SubgraphType.PathCluster, short: "pc", order, delta, averaged: false }))),
  ...DELTAS.flatMap((delta) =>
    [false, true].flatMap((averaged) =>
      [0, 1, 2, 3, 4, 5, 6, 7].map((order) => ({ type: SubgraphType.Path, short: "p", order, delta, averaged })),
    ),
  ),
]

/** δ or δv of every heavy atom (mordred AtomicProperty on the H-suppressed molecule) */
const deltas = (ctx: DescriptorContext, d: Delta): Float64Array =>
  ctx.cached(`chi-delta:${d}`, () => {
    const g = ctx.graph(false)
    const P = new Float64Array(g.n)
    for (let i = 0; i < g.n; i++) P[i] = d === "d" ? sigmaElectrons(g, i) : valenceElectrons(g, i)
    return P
  })

/**
 * Per subgraph type, for one order and δ kind: Σ (Π δ)^−½ over the subgraphs of that type (in enumeration
 * order), their number, and whether one of them has Π δ ≤ 0 (mordred: NaN). One pass over the subgraphs.
 */
interface TypeSums {
  readonly x: Float64Array
  readonly sets: Int32Array
  readonly bad: Uint8Array
}
const typeSums = (ctx: DescriptorContext, order: number, d: Delta): TypeSums =>
  ctx.cached(`chi-sums:${order}:${d}`, () => {
    const P = deltas(ctx, d)
    const x = new Float64Array(4)
    const sets = new Int32Array(4)
    const bad = new Uint8Array(4)
    const sg = subgraphs(ctx, order)
    for (let k = 0; k < sg.count; k++) {
      const t = sg.type[k]!
      if (bad[t]) continue
      sets[t]!++
      let c = 1
      for (let a = sg.atomStart[k]!; a < sg.atomStart[k + 1]!; a++) c *= P[sg.atoms[a]!]!
      if (c <= 0) bad[t] = 1
      else x[t] = x[t]! + c ** -0.5
    }
    return { x, sets, bad }
  })

const chi = (ctx: DescriptorContext, s: Spec): number => {
  const P = deltas(ctx, s.delta)
  for (let i = 0; i < P.length; i++) if (Number.isNaN(P[i]!)) return NaN
  let x = 0
  let sets = 0
  if (s.order === 0) {
    for (let i = 0; i < P.length; i++) {
      if (P[i]! <= 0) return NaN
      x += P[i]! ** -0.5
      sets++
    }
  } else {
    const t = typeSums(ctx, s.order, s.delta)
    if (t.bad[s.type]) return NaN
    x = t.x[s.type]!
    sets = t.sets[s.type]!
  }
  if (s.averaged) return sets === 0 ? NaN : x / sets
  return x
}

export const Chi: Family = {
  name: "Chi",
  names: SPECS.map((s) => `${s.averaged ? "A" : ""}X${s.short}-${s.order}${s.delta}`),
  compute(ctx, out, o) {
    SPECS.forEach((s, k) => (out[o + k] = chi(ctx, s)))
  },
}
