import type { Family } from "../family.ts"
import { adjacencyMatrix, ATTRS, matrixAttributes } from "../shared/matrixAttributes.ts"

// SM1 is not part of the preset since mordred 1.1.0
export const AdjacencyMatrix: Family = {
  name: "AdjacencyMatrix",
  names: ATTRS.map((a) => `${a}_A`),
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    matrixAttributes(ctx, g, adjacencyMatrix(g), out, o)
  },
}
