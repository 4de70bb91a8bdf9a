import type { Family } from "../family.ts"
import { countMatches } from "../shared/smartsLocal.ts"

/**
 * nRot: RDKit 2022.09 CalcNumRotatableBonds (Default = Strict, NumRotatableBondsVersion 3.1.0): unique matches
 * of its strict pattern (facts). Not MinimalLib 2026's value, which differs with explicit [2H] atoms.
 */
export const ROTATABLE_STRICT_SMARTS =
  "[!$(*#*)&!D1&!$(C(F)(F)F)&!$(C(Cl)(Cl)Cl)&!$(C(Br)(Br)Br)&!$(C([CH3])([CH3])[CH3])&!$([CD3](=[N,O,S])-!@[#7,O,S!D1])" +
  "&!$([#7,O,S!D1]-!@[CD3]=[N,O,S])&!$([CD3](=[N+])-!@[#7!D1])&!$([#7!D1]-!@[CD3]=[N+])]-,:;!@[!$(*#*)&!D1" +
  "&!$(C(F)(F)F)&!$(C(Cl)(Cl)Cl)&!$(C(Br)(Br)Br)&!$(C([CH3])([CH3])[CH3])]"

export const RotatableBond: Family = {
  name: "RotatableBond",
  names: ["nRot", "RotRatio"],
  compute(ctx, out, o) {
    const nRot = countMatches(ctx, ROTATABLE_STRICT_SMARTS)
    const nB = ctx.graph(false).nb
    out[o] = nRot
    out[o + 1] = nB === 0 ? NaN : nRot / nB
  },
}
