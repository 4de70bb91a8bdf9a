/**
 * Labute's approximate surface area contributions as RDKit computes them (getLabuteAtomContribs, includeHs):
 * per heavy atom, and the lumped hydrogen term. Bond radii Rb0 from RDKit's periodic table; bond-type
 * corrections 0.1 (aromatic), 0 (single), 0.2 (double), 0.3 (triple). As RDKit, the H term counts one H per
 * atom (not per attached hydrogen).
 */
import type { DescriptorContext } from "../context.ts"
import { RB0 } from "./elements.ts"

export const labuteContribs = (ctx: DescriptorContext): { atoms: Float64Array; h: number } =>
  ctx.cached("labute", () => {
    const g = ctx.graph(false)
    const n = g.n
    const rads = new Float64Array(n)
    const V = new Float64Array(n)
    for (let i = 0; i < n; i++) rads[i] = RB0[g.z[i]!]!
    for (let b = 0; b < g.nb; b++) {
      const i = g.begin[b]!
      const j = g.end[b]!
      const Ri = rads[i]!
      const Rj = rads[j]!
      let bij = Ri + Rj
      if (g.bondAromatic[b]) bij -= 0.1
      else {
        const o = g.order[b]!
        bij -= o === 1 ? 0 : o === 2 ? 0.2 : o === 3 ? 0.3 : 0.1
      }
      const dij = Math.min(Math.max(Math.abs(Ri - Rj), bij), Ri + Rj)
      V[i] = V[i]! + Rj * Rj - ((Ri - dij) * (Ri - dij)) / dij
      V[j] = V[j]! + Ri * Ri - ((Rj - dij) * (Rj - dij)) / dij
    }
    const Rh = RB0[1]!
    let h = 0
    for (let i = 0; i < n; i++) {
      const Ri = rads[i]!
      const bij = Ri + Rh
      const dij = Math.min(Math.max(Math.abs(Ri - Rh), bij), Ri + Rh)
      V[i] = V[i]! + Rh * Rh - ((Ri - dij) * (Ri - dij)) / dij
      h += Ri * Ri - ((Rh - dij) * (Rh - dij)) / dij
    }
    for (let i = 0; i < n; i++) V[i] = Math.PI * rads[i]! * (4 * rads[i]! - V[i]!)
    return { atoms: V, h: Math.PI * Rh * (4 * Rh - h) }
  })
