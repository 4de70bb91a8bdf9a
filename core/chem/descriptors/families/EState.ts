/**
 * mordred EState (AtomTypeEState): counts, sums, maxima and minima of E-state indices per Kier–Hall atom type,
 * from RDKit's EState.TypeAtoms (SMARTS, matched with uniquify=False and RDKit's default 1000-match cap) and
 * EState.EStateIndices, on the H-suppressed molecule.
 */
import type { DescriptorContext } from "../context.ts"
import type { Family } from "../family.ts"
import { OUTER_ELECTRONS } from "../shared/elements.ts"
import { degree } from "../shared/graph.ts"
import { matchAtoms } from "../shared/smartsLocal.ts"

// RDKit rdkit/Chem/EState/AtomTypes.py `_rawD` (Hall & Kier 1995, Table 1; facts), in RDKit's order
const TYPES: readonly (readonly [string, string])[] = [
  ["sLi", "[LiD1]-*"], ["ssBe", "[BeD2](-*)-*"], ["ssssBe", "[BeD4](-*)(-*)(-*)-*"], ["ssBH", "[BD2H](-*)-*"],
  ["sssB", "[BD3](-*)(-*)-*"], ["ssssB", "[BD4](-*)(-*)(-*)-*"], ["sCH3", "[CD1H3]-*"], ["dCH2", "[CD1H2]=*"],
  ["ssCH2", "[CD2H2](-*)-*"], ["tCH", "[CD1H]#*"], ["dsCH", "[CD2H](=*)-*"], ["aaCH", "[C,c;D2H](:*):*"],
  ["sssCH", "[CD3H](-*)(-*)-*"], ["ddC", "[CD2H0](=*)=*"], ["tsC", "[CD2H0](#*)-*"], ["dssC", "[CD3H0](=*)(-*)-*"],
  ["aasC", "[C,c;D3H0](:*)(:*)-*"], ["aaaC", "[C,c;D3H0](:*)(:*):*"], ["ssssC", "[CD4H0](-*)(-*)(-*)-*"],
  ["sNH3", "[ND1H3]-*"], ["sNH2", "[ND1H2]-*"], ["ssNH2", "[ND2H2](-*)-*"], ["dNH", "[ND1H]=*"],
  ["ssNH", "[ND2H](-*)-*"], ["aaNH", "[N,nD2H](:*):*"], ["tN", "[ND1H0]#*"], ["sssNH", "[ND3H](-*)(-*)-*"],
  ["dsN", "[ND2H0](=*)-*"], ["aaN", "[N,nD2H0](:*):*"], ["sssN", "[ND3H0](-*)(-*)-*"],
  ["ddsN", "[ND3H0](~[OD1H0])(~[OD1H0])-,:*"], ["aasN", "[N,nD3H0](:*)(:*)-,:*"], ["ssssN", "[ND4H0](-*)(-*)(-*)-*"],
  ["sOH", "[OD1H]-*"], ["dO", "[OD1H0]=*"], ["ssO", "[OD2H0](-*)-*"], ["aaO", "[O,oD2H0](:*):*"], ["sF", "[FD1]-*"],
  ["sSiH3", "[SiD1H3]-*"], ["ssSiH2", "[SiD2H2](-*)-*"], ["sssSiH", "[SiD3H1](-*)(-*)-*"],
  ["ssssSi", "[SiD4H0](-*)(-*)(-*)-*"], ["sPH2", "[PD1H2]-*"], ["ssPH", "[PD2H1](-*)-*"], ["sssP", "[PD3H0](-*)(-*)-*"],
  ["dsssP", "[PD4H0](=*)(-*)(-*)-*"], ["sssssP", "[PD5H0](-*)(-*)(-*)(-*)-*"], ["sSH", "[SD1H1]-*"],
  ["dS", "[SD1H0]=*"], ["ssS", "[SD2H0](-*)-*"], ["aaS", "[S,sD2H0](:*):*"], ["dssS", "[SD3H0](=*)(-*)-*"],
  ["ddssS", "[SD4H0](~[OD1H0])(~[OD1H0])(-*)-*"], ["sCl", "[ClD1]-*"], ["sGeH3", "[GeD1H3](-*)"],
  ["ssGeH2", "[GeD2H2](-*)-*"], ["sssGeH", "[GeD3H1](-*)(-*)-*"], ["ssssGe", "[GeD4H0](-*)(-*)(-*)-*"],
  ["sAsH2", "[AsD1H2]-*"], ["ssAsH", "[AsD2H1](-*)-*"], ["sssAs", "[AsD3H0](-*)(-*)-*"],
  ["sssdAs", "[AsD4H0](=*)(-*)(-*)-*"], ["sssssAs", "[AsD5H0](-*)(-*)(-*)(-*)-*"], ["sSeH", "[SeD1H1]-*"],
  ["dSe", "[SeD1H0]=*"], ["ssSe", "[SeD2H0](-*)-*"], ["aaSe", "[SeD2H0](:*):*"], ["dssSe", "[SeD3H0](=*)(-*)-*"],
  ["ddssSe", "[SeD4H0](=*)(=*)(-*)-*"], ["sBr", "[BrD1]-*"], ["sSnH3", "[SnD1H3]-*"], ["ssSnH2", "[SnD2H2](-*)-*"],
  ["sssSnH", "[SnD3H1](-*)(-*)-*"], ["ssssSn", "[SnD4H0](-*)(-*)(-*)-*"], ["sI", "[ID1]-*"], ["sPbH3", "[PbD1H3]-*"],
  ["ssPbH2", "[PbD2H2](-*)-*"], ["sssPbH", "[PbD3H1](-*)(-*)-*"], ["ssssPb", "[PbD4H0](-*)(-*)(-*)-*"],
]
const AGGR = ["N", "S", "MAX", "MIN"] as const

/** principal quantum number as RDKit's EState.GetPrincipleQuantumNumber */
const principal = (z: number): number =>
  z <= 2 ? 1 : z <= 10 ? 2 : z <= 18 ? 3 : z <= 36 ? 4 : z <= 54 ? 5 : z <= 86 ? 6 : 7

/** RDKit EState.EStateIndices of the H-suppressed molecule */
export const estateIndices = (ctx: DescriptorContext): Float64Array =>
  ctx.cached("estate:indices", () => {
    const g = ctx.graph(false)
    const n = g.n
    const I = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const d = degree(g, i)
      if (d > 0) {
        const N = principal(g.z[i]!)
        I[i] = ((4 / (N * N)) * (OUTER_ELECTRONS[g.z[i]!]! - g.hCount[i]!) + 1) / d
      }
    }
    const D = ctx.distance(false)
    const acc = new Float64Array(n)
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        const p = D[i * n + j]! + 1
        if (p < 1e6) {
          const t = (I[i]! - I[j]!) / (p * p)
          acc[i] = acc[i]! + t
          acc[j] = acc[j]! - t
        }
      }
    for (let i = 0; i < n; i++) acc[i] = acc[i]! + I[i]!
    return acc
  })

/** per type: atoms carrying it (each atom once per type, as TypeAtoms) */
const typeAtoms = (ctx: DescriptorContext): (Int32Array | null)[] | null =>
  ctx.cached("estate:types", () => {
    if (ctx.input.smarts === null) return null
    return TYPES.map(([, q]) => matchAtoms(ctx, q, { uniquify: false, maxMatches: 1000 }))
  })

export const EState: Family = {
  name: "EState",
  names: AGGR.flatMap((a) => TYPES.map(([t]) => `${a}${t}`)),
  compute(ctx, out, o) {
    const types = typeAtoms(ctx)
    const E = estateIndices(ctx)
    const T = TYPES.length
    for (let t = 0; t < T; t++) {
      const atoms = types?.[t] ?? null
      if (atoms === null) {
        for (let a = 0; a < 4; a++) out[o + a * T + t] = NaN
        continue
      }
      let sum = 0
      let max = -Infinity
      let min = Infinity
      for (const i of atoms) {
        sum += E[i]!
        if (E[i]! > max) max = E[i]!
        if (E[i]! < min) min = E[i]!
      }
      out[o + t] = atoms.length
      out[o + T + t] = sum
      out[o + 2 * T + t] = atoms.length ? max : NaN
      out[o + 3 * T + t] = atoms.length ? min : NaN
    }
  },
}
