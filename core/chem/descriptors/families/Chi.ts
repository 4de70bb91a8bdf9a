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

const chi = (ctx: DescriptorContext, s: Spec): number => {
  const P = deltas(ctx, s.delta)
  if (P.some((x) => Number.isNaN(x))) return NaN
  let x = 0
  let sets = 0
  if (s.order === 0) {
    for (let i = 0; i < P.length; i++) {
      if (P[i]! <= 0) return NaN
      x += P[i]! ** -0.5
      sets++
    }
  } else {
    const sg = subgraphs(ctx, s.order)
    for (let k = 0; k < sg.count; k++) {
      if (sg.type[k] !== s.type) continue
      sets++
      let c = 1
      for (let a = sg.atomStart[k]!; a < sg.atomStart[k + 1]!; a++) c *= P[sg.atoms[a]!]!
      if (c <= 0) return NaN
      x += c ** -0.5
    }
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
