import type { Family } from "../family.ts"
import { MORDRED } from "../shared/elements.ts"

export const Polarizability: Family = {
  name: "Polarizability",
  names: ["apol", "bpol"],
  compute(ctx, out, o) {
    const g = ctx.graph(true)
    const t = MORDRED.polarizability94
    let a = 0
    for (let i = 0; i < g.n; i++) a += t[g.z[i]!] ?? NaN
    let b = 0
    for (let k = 0; k < g.nb; k++) b += Math.abs(t[g.z[g.begin[k]!]!]! - t[g.z[g.end[k]!]!]!)
    out[o] = a
    out[o + 1] = b
  },
}
