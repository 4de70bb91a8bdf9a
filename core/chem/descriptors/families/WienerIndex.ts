import type { Family } from "../family.ts"

export const WienerIndex: Family = {
  name: "WienerIndex",
  names: ["WPath", "WPol"],
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    const D = ctx.distance(false)
    let s = 0
    let p = 0
    for (let i = 0; i < D.length; i++) {
      s += D[i]!
      if (D[i] === 3) p++
    }
    out[o] = Math.trunc(0.5 * s)
    out[o + 1] = Math.trunc(0.5 * p)
    void g
  },
}
