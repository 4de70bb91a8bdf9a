import type { Family } from "../family.ts"
import { simplePaths } from "../shared/subgraphs.ts"

export const PathCount: Family = {
  name: "PathCount",
  names: [
    ...[2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => `MPC${k}`),
    "TMPC10",
    ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => `piPC${k}`),
    "TpiPC10",
  ],
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    const { count, pi } = ctx.cached("simplePaths:10", () => simplePaths(g, 10))
    let k = o
    for (let l = 2; l <= 10; l++) out[k++] = count[l]!
    let t = g.n
    for (let l = 1; l <= 10; l++) t += count[l]!
    out[k++] = t
    for (let l = 1; l <= 10; l++) out[k++] = Math.log(pi[l]! + 1)
    let tp = g.n
    for (let l = 1; l <= 10; l++) tp += pi[l]!
    out[k++] = Math.log(tp + 1)
  },
}
