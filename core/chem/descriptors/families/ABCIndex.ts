import type { Family } from "../family.ts"
import { degrees } from "../shared/util.ts"

export const ABCIndex: Family = {
  name: "ABCIndex",
  names: ["ABC", "ABCGG"],
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    const D = ctx.distance(false)
    const n = g.n
    const deg = degrees(g)
    let abc = 0
    let gg = 0
    for (let b = 0; b < g.nb; b++) {
      const u = g.begin[b]!
      const v = g.end[b]!
      const du = deg[u]!
      const dv = deg[v]!
      abc += Math.sqrt((du + dv - 2) / (du * dv))
      let nu = 0
      let nv = 0
      for (let k = 0; k < n; k++) {
        const a = D[u * n + k]!
        const c = D[v * n + k]!
        if (a < c) nu++
        else if (c < a) nv++
      }
      gg += Math.sqrt((nu + nv - 2) / (nu * nv))
    }
    out[o] = abc
    out[o + 1] = gg
  },
}
