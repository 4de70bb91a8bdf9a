import type { Family } from "../family.ts"
import { degrees } from "../shared/util.ts"

export const ZagrebIndex: Family = {
  name: "ZagrebIndex",
  names: ["Zagreb1", "Zagreb2", "mZagreb1", "mZagreb2"],
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    const V = degrees(g)
    let k = 0
    for (const lambda of [1, -1]) {
      let m1 = 0
      let zero = false
      for (let i = 0; i < g.n; i++) {
        if (V[i] === 0 && lambda < 0) zero = true
        m1 += V[i]! ** (lambda * 2)
      }
      let m2 = 0
      for (let b = 0; b < g.nb; b++) m2 += (V[g.begin[b]!]! * V[g.end[b]!]!) ** lambda
      out[o + k++] = zero ? NaN : m1
      out[o + k++] = m2
    }
  },
}
