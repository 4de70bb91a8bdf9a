import type { Family } from "../family.ts"

const TYPES: readonly (readonly [number, number])[] = [
  [1, 1], [2, 1], [1, 2], [2, 2], [3, 2], [1, 3], [2, 3], [3, 3], [4, 3],
]

/** hybridization code (input.hybridization) → mordred's SP class: SP 1, SP2 2, SP3/SP3D/SP3D2 3 */
const SP_CLASS = [0, 1, 2, 3, 3, 3]

export const CarbonTypes: Family = {
  name: "CarbonTypes",
  names: [...TYPES.map(([c, sp]) => `C${c}SP${sp}`), "HybRatio", "FCSP3"],
  compute(ctx, out, o) {
    const hyb = ctx.input.hybridization
    const g = ctx.graph(false, true)
    if (hyb === null) {
      for (let k = 0; k < TYPES.length + 2; k++) out[o + k] = NaN
      return
    }
    const ct = new Map<number, number>() // SP * 100 + nCarbon
    let nC = 0
    let nCsp3 = 0
    for (let i = 0; i < g.n; i++) {
      if (g.z[i] !== 6) continue
      nC++
      let carbon = 0
      for (let k = g.nbrStart[i]!; k < g.nbrStart[i + 1]!; k++) if (g.z[g.nbrAtom[k]!] === 6) carbon++
      const sp = SP_CLASS[hyb[i]!] ?? 0
      // RDKit CalcFractionCSP3 counts carbons of total degree 4 (not the hybridization: radicals differ)
      if (g.nbrStart[i + 1]! - g.nbrStart[i]! + g.hCount[i]! === 4) nCsp3++
      ct.set(sp * 100 + carbon, (ct.get(sp * 100 + carbon) ?? 0) + 1)
    }
    TYPES.forEach(([c, sp], k) => (out[o + k] = ct.get(sp * 100 + c) ?? 0))
    let n2 = 0
    let n3 = 0
    for (const [key, v] of ct) {
      if (Math.floor(key / 100) === 2) n2 += v
      if (Math.floor(key / 100) === 3) n3 += v
    }
    out[o + TYPES.length] = n2 === 0 && n3 === 0 ? NaN : n3 / (n2 + n3)
    // RDKit CalcFractionCSP3: carbons with four neighbours (H included) / carbons (0 when no carbon)
    out[o + TYPES.length + 1] = nC === 0 ? 0 : nCsp3 / nC
  },
}
