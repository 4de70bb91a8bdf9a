import type { Family } from "../family.ts"
import { countMatches } from "../shared/smartsLocal.ts"

/**
 * RDKit 2022.09's `calcNumHBA` / `calcNumHBD` patterns (Lipinski.cpp; facts; checked equal to 2022.09's
 * CalcNumHBA/CalcNumHBD on all 226 capped monomers of the test set). Not read from the runtime's
 * RDKit: MinimalLib 2026.09 counts differently (e.g. aromatic thiophene S / substituted pyrrole N in fha012:
 * 2022.09 counts 3 acceptors per unit, 2026.09 2).
 */
export const HBA_SMARTS =
  "[$([O,S;H1;v2]-[!$(*=[O,N,P,S])]),$([O,S;H0;v2]),$([O,S;-]),$([N;v3;!$(N-*=!@[O,N,P,S])]),$([nH0,o,s;+0])]"
export const HBD_SMARTS = "[N&!H0&v3,N&!H0&+1&v4,O&H1&+0,S&H1&+0,n&H1&+0]"

export const HydrogenBond: Family = {
  name: "HydrogenBond",
  names: ["nHBAcc", "nHBDon"],
  compute(ctx, out, o) {
    out[o] = countMatches(ctx, HBA_SMARTS)
    out[o + 1] = countMatches(ctx, HBD_SMARTS)
  },
}
