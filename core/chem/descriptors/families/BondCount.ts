import type { Family } from "../family.ts"

export const BondCount: Family = {
  name: "BondCount",
  names: ["nBonds", "nBondsO", "nBondsS", "nBondsD", "nBondsT", "nBondsA", "nBondsM", "nBondsKS", "nBondsKD"],
  compute(ctx, out, o) {
    const gh = ctx.graph(true)
    const g = ctx.graph(false)
    const ghk = ctx.graph(true, true)
    const gk = ctx.graph(false, true)
    const count = (gr: typeof g, f: (b: number) => boolean): number => {
      let c = 0
      for (let b = 0; b < gr.nb; b++) if (f(b)) c++
      return c
    }
    out[o] = gh.nb
    out[o + 1] = g.nb
    out[o + 2] = count(gh, (b) => gh.order[b] === 1)
    out[o + 3] = count(g, (b) => g.order[b] === 2)
    out[o + 4] = count(g, (b) => g.order[b] === 3)
    out[o + 5] = count(g, (b) => g.bondAromatic[b] === 1 || g.order[b] === 1.5)
    out[o + 6] = count(g, (b) => g.bondAromatic[b] === 1 || g.order[b] !== 1)
    out[o + 7] = count(ghk, (b) => ghk.order[b] === 1)
    out[o + 8] = count(gk, (b) => gk.order[b] === 2)
  },
}
