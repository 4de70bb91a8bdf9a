import type { Family } from "../family.ts"

export const BalabanJ: Family = {
  name: "BalabanJ",
  names: ["BalabanJ"],
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    const D = ctx.distance(false)
    const n = g.n
    const s = new Float64Array(n)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[j] = s[j]! + D[i * n + j]!
    const q = g.nb
    const mu = q - n + 1
    let sum = 0
    // RDKit visits i ≤ j over the adjacency matrix: each bond once
    for (let b = 0; b < g.nb; b++) sum += 1 / Math.sqrt(s[g.begin[b]!]! * s[g.end[b]!]!)
    out[o] = mu + 1 !== 0 ? (q / (mu + 1)) * sum : 0
  },
}
