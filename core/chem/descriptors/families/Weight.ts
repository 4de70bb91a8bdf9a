import type { Family } from "../family.ts"
import { exactAtomMass } from "../shared/elements.ts"

/** CODATA electron mass RDKit subtracts per unit of positive charge in ExactMolWt. */
const ELECTRON_MASS = 0.00054857990946

export const Weight: Family = {
  name: "Weight",
  names: ["MW", "AMW"],
  compute(ctx, out, o) {
    const g = ctx.graph(true)
    let w = 0
    let q = 0
    for (let i = 0; i < g.n; i++) {
      w += exactAtomMass(g.z[i]!, g.isotope[i]!)
      q += g.charge[i]!
    }
    w -= q * ELECTRON_MASS
    out[o] = w
    out[o + 1] = w / g.n
  },
}
