import type { Family } from "../family.ts"
import { gasteigerCharges } from "../shared/gasteiger.ts"

/** mordred CPSA, the 2D part (RNCG, RPCG): relative negative / positive Gasteiger charge, explicit-H graph. */
export const CPSA: Family = {
  name: "CPSA",
  names: ["RNCG", "RPCG"],
  compute(ctx, out, o) {
    const c = gasteigerCharges(ctx, true)
    if (c === null || c.some((x) => !Number.isFinite(x))) {
      out[o] = out[o + 1] = NaN
      return
    }
    ;[(x: number) => x < 0, (x: number) => x > 0].forEach((mask, k) => {
      let sum = 0
      let qmax = 0
      let amax = -1
      let any = false
      for (const x of c) {
        if (!mask(x)) continue
        any = true
        sum += x
        if (Math.abs(x) > amax) {
          amax = Math.abs(x)
          qmax = x
        }
      }
      out[o + k] = any ? qmax / sum : 0
    })
  },
}
