import type { Family } from "../family.ts"
import { countMatches } from "../shared/smartsLocal.ts"
import { crippenTotals } from "../shared/crippen.ts"
import { exactAtomMass } from "../shared/elements.ts"
import { HBA_SMARTS, HBD_SMARTS } from "./HydrogenBond.ts"

export const Lipinski: Family = {
  name: "Lipinski",
  names: ["Lipinski", "GhoseFilter"],
  compute(ctx, out, o) {
    const r = crippenTotals(ctx)
    const s = ctx.input.smarts
    if (r === null || s === null) {
      out[o] = out[o + 1] = NaN
      return
    }
    const g = ctx.graph(true)
    let mw = 0
    let q = 0
    for (let i = 0; i < g.n; i++) {
      mw += exactAtomMass(g.z[i]!, g.isotope[i]!)
      q += g.charge[i]!
    }
    mw -= q * 0.00054857990946
    const logP = r.logp
    const mr = r.mr
    out[o] = countMatches(ctx, HBD_SMARTS) <= 5 && countMatches(ctx, HBA_SMARTS) <= 10 && mw <= 500 && logP <= 5 ? 1 : 0
    out[o + 1] = 160 <= mw && mw <= 480 && 20 <= g.n && g.n <= 70 && -0.4 <= logP && logP <= 5.6 && 40 <= mr && mr <= 130 ? 1 : 0
  },
}
