import type { Family } from "../family.ts"
import { SubgraphType, subgraphs } from "../shared/subgraphs.ts"

export const KappaShapeIndex: Family = {
  name: "KappaShapeIndex",
  names: ["Kier1", "Kier2", "Kier3"],
  compute(ctx, out, o) {
    const A = ctx.graph(false).n
    for (const order of [1, 2, 3]) {
      const sg = subgraphs(ctx, order)
      let P = 0
      for (let k = 0; k < sg.count; k++) if (sg.type[k] === SubgraphType.Path) P++
      const Pmin = A - order
      let v: number
      if (order === 1) v = 2 * (0.5 * A * (A - 1)) * Pmin
      else if (order === 2) v = 2 * (0.5 * (A - 1) * (A - 2)) * Pmin
      else v = 4 * (A % 2 === 0 ? 0.25 * (A - 2) ** 2 : 0.25 * (A - 1) * (A - 3)) * Pmin
      out[o + order - 1] = P === 0 ? NaN : v / (P * P)
    }
  },
}
