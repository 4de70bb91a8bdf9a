import type { Family } from "../family.ts"
import { div, eccentricity } from "../shared/util.ts"

export const TopologicalIndex: Family = {
  name: "TopologicalIndex",
  names: ["Diameter", "Radius", "TopoShapeIndex", "PetitjeanIndex"],
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    const E = eccentricity(ctx.distance(false), g.n)
    let R = Infinity
    let Dm = -Infinity
    for (let i = 0; i < g.n; i++) {
      R = Math.min(R, E[i]!)
      Dm = Math.max(Dm, E[i]!)
    }
    out[o] = Math.trunc(Dm)
    out[o + 1] = Math.trunc(R)
    out[o + 2] = div(Dm - R, R)
    out[o + 3] = div(Dm - R, Dm)
  },
}
