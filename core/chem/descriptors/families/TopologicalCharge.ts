import type { Family } from "../family.ts"

export const TopologicalCharge: Family = {
  name: "TopologicalCharge",
  names: [
    ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => `GGI${k}`),
    ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => `JGI${k}`),
    "JGT10",
  ],
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    const D = ctx.distance(false)
    const n = g.n
    // M = A·D⁻² (diagonal of D⁻² zero); CT = M − Mᵀ; row i of M = Σ over neighbours k of row k of D⁻²
    const Q = new Float64Array(n * n)
    for (let k = 0; k < n; k++)
      for (let j = 0; j < n; j++) {
        const d = D[k * n + j]!
        Q[k * n + j] = k === j || d === 0 ? 0 : d ** -2
      }
    const M = new Float64Array(n * n)
    for (let i = 0; i < n; i++)
      for (let x = g.nbrStart[i]!; x < g.nbrStart[i + 1]!; x++) {
        const k = g.nbrAtom[x]!
        const ri = i * n
        const rk = k * n
        for (let j = 0; j < n; j++) M[ri + j] = M[ri + j]! + Q[rk + j]!
      }
    const sum = new Float64Array(11)
    const cnt = new Float64Array(11)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < i; j++) {
        const d = D[i * n + j]!
        if (d >= 1 && d <= 10) {
          sum[d] = sum[d]! + Math.abs(M[i * n + j]! - M[j * n + i]!)
          cnt[d]!++
        }
      }
    let k = o
    for (let d = 1; d <= 10; d++) out[k++] = sum[d]!
    for (let d = 1; d <= 10; d++) out[k++] = cnt[d]! === 0 ? 0 : sum[d]! / cnt[d]!
    let t = 0
    for (let d = 1; d <= 10; d++) if (cnt[d]! > 0) t += sum[d]! / cnt[d]!
    out[k++] = t
  },
}
