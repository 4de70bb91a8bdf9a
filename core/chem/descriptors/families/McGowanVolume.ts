import type { Family } from "../family.ts"
import { MORDRED } from "../shared/elements.ts"

export const McGowanVolume: Family = {
  name: "McGowanVolume",
  names: ["VMcGowan"],
  compute(ctx, out, o) {
    const g = ctx.graph(true)
    let a = 0
    for (let i = 0; i < g.n; i++) a += MORDRED.mcGowanVolume[g.z[i]!] ?? NaN
    out[o] = a - g.nb * 6.56
  },
}
