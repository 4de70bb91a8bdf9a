import type { Family } from "../family.ts"

export const FragmentComplexity: Family = {
  name: "FragmentComplexity",
  names: ["fragCpx"],
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    const A = g.n
    const B = g.nb
    let H = 0
    for (let i = 0; i < g.n; i++) if (g.z[i] !== 6) H++
    out[o] = Math.abs(B ** 2 - A ** 2 + A) + H / 100
  },
}
