import type { Family } from "../family.ts"

export const VertexAdjacencyInformation: Family = {
  name: "VertexAdjacencyInformation",
  names: ["VAdjMat"],
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    let m = 0
    for (let b = 0; b < g.nb; b++) if (g.z[g.begin[b]!] !== 1 && g.z[g.end[b]!] !== 1) m++
    out[o] = m === 0 ? NaN : 1 + Math.log2(m)
  },
}
