import type { Family } from "../family.ts"
import { degrees } from "../shared/util.ts"

// mordred preset: for element in C, O, N; valences a ≤ b in 1..(10 − Z)
const SPECS: [string, number, number, number][] = []
for (const [sym, z] of [["C", 6], ["O", 8], ["N", 7]] as const)
  for (let a = 1; a < 11 - z; a++) for (let b = a; b < 11 - z; b++) SPECS.push([sym, z, a, b])

export const MolecularDistanceEdge: Family = {
  name: "MolecularDistanceEdge",
  names: SPECS.map(([s, , a, b]) => `MDE${s}-${a}${b}`),
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    const D = ctx.distance(false)
    const V = degrees(g)
    const N = g.n
    SPECS.forEach(([, z, v1, v2], k) => {
      let n = 0
      let prod = 1
      for (let i = 0; i < N; i++) {
        if (g.z[i] !== z) continue
        for (let j = i + 1; j < N; j++) {
          if (g.z[j] !== z) continue
          if ((V[i] === v1 && V[j] === v2) || (V[j] === v1 && V[i] === v2)) {
            n++
            prod *= D[i * N + j]!
          }
        }
      }
      if (n === 0) {
        out[o + k] = NaN // 1 / (2·0): ZeroDivisionError in mordred
        return
      }
      const dx = prod ** (1 / (2 * n))
      out[o + k] = n / dx ** 2
    })
  },
}
