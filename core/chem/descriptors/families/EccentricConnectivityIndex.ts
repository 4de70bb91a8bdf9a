import type { Family } from "../family.ts"
import { degrees, eccentricity } from "../shared/util.ts"

export const EccentricConnectivityIndex: Family = {
  name: "EccentricConnectivityIndex",
  names: ["ECIndex"],
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    const E = eccentricity(ctx.distance(false), g.n)
    const V = degrees(g)
    let s = 0
    for (let i = 0; i < g.n; i++) s += Math.trunc(E[i]!) * V[i]!
    out[o] = s
  },
}
