import type { Family } from "../family.ts"
import { averageAtomMass } from "../shared/elements.ts"
import { countMatches } from "../shared/smartsLocal.ts"

// Filter-it LogS fragment contributions mordred uses (facts), in mordred's order
const FRAGMENTS: readonly (readonly [string, number])[] = [
  ["[NH0;X3;v3]", 0.71535], ["[NH2;X3;v3]", 0.41056], ["[nH0;X3]", 0.82535], ["[OH0;X2;v2]", 0.31464],
  ["[OH0;X1;v2]", 0.14787], ["[OH1;X2;v2]", 0.62998], ["[CH2;!R]", -0.35634], ["[CH3;!R]", -0.33888],
  ["[CH0;R]", -0.21912], ["[CH2;R]", -0.23057], ["[ch0]", -0.3757], ["[ch1]", -0.22435],
  ["F", -0.21728], ["Cl", -0.49721], ["Br", -0.57982], ["I", -0.51547],
]

export const LogS: Family = {
  name: "LogS",
  names: ["FilterItLogS"],
  compute(ctx, out, o) {
    const s = ctx.input.smarts
    if (s === null) {
      out[o] = NaN
      return
    }
    // Weight(exact=False): RDKit MolWt of the explicit-H molecule (average atomic weights)
    const g = ctx.graph(true)
    let mw = 0
    for (let i = 0; i < g.n; i++) mw += averageAtomMass(g.z[i]!, g.isotope[i]!)
    let logS = 0.89823 - 0.10369 * Math.sqrt(mw)
    for (const [q, w] of FRAGMENTS) logS += countMatches(ctx, q) * w
    out[o] = logS
  },
}
