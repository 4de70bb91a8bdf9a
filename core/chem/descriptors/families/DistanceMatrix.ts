import type { Family } from "../family.ts"
import { ATTRS, matrixAttributes } from "../shared/matrixAttributes.ts"

// SM1 is not part of the preset since mordred 1.1.0
export const DistanceMatrix: Family = {
  name: "DistanceMatrix",
  names: ATTRS.map((a) => `${a}_D`),
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    matrixAttributes(ctx, g, ctx.distance(false), out, o)
  },
}
