import type { Family } from "../family.ts"
import { atomicProperty, BASIC_PROPS, propOf } from "../shared/atomic.ts"

export const Constitutional: Family = {
  name: "Constitutional",
  names: [...BASIC_PROPS.map((p) => `S${p}`), ...BASIC_PROPS.map((p) => `M${p}`)],
  compute(ctx, out, o) {
    const g = ctx.graph(true)
    BASIC_PROPS.forEach((p, k) => {
      const P = atomicProperty(g, p)
      if (P === null) {
        out[o + k] = NaN
        out[o + BASIC_PROPS.length + k] = NaN
        return
      }
      const c = propOf(p, 6)
      let s = 0
      for (let i = 0; i < g.n; i++) s += P[i]! / c
      out[o + k] = s
      out[o + BASIC_PROPS.length + k] = s / g.n
    })
  },
}
