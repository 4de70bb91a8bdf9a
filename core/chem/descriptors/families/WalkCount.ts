import type { Family } from "../family.ts"

export const WalkCount: Family = {
  name: "WalkCount",
  names: [
    ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => `MWC${String(k).padStart(2, "0")}`),
    "TMWC10",
    ...[2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => `SRW${String(k).padStart(2, "0")}`),
    "TSRW10",
  ],
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    const n = g.n
    // walks: W[k] = A^k applied to all-ones (sum of entries = Σ_i (A^k 1)_i); trace needs the diagonal of A^k,
    // computed by propagating the identity columns: (A^k)_{ii} via vector powers per start atom.
    let v = new Float64Array(n).fill(1)
    const sums = new Float64Array(11)
    for (let k = 1; k <= 10; k++) {
      const w = new Float64Array(n)
      for (let i = 0; i < n; i++) {
        let s = 0
        for (let x = g.nbrStart[i]!; x < g.nbrStart[i + 1]!; x++) s += v[g.nbrAtom[x]!]!
        w[i] = s
      }
      v = w
      let s = 0
      for (let i = 0; i < n; i++) s += v[i]!
      sums[k] = s
    }
    const traces = new Float64Array(11)
    const e = new Float64Array(n)
    const f = new Float64Array(n)
    for (let s0 = 0; s0 < n; s0++) {
      e.fill(0)
      e[s0] = 1
      let cur = e
      let nxt = f
      for (let k = 1; k <= 10; k++) {
        for (let i = 0; i < n; i++) {
          let s = 0
          for (let x = g.nbrStart[i]!; x < g.nbrStart[i + 1]!; x++) s += cur[g.nbrAtom[x]!]!
          nxt[i] = s
        }
        traces[k] = traces[k]! + nxt[s0]!
        const t = cur
        cur = nxt
        nxt = t
      }
    }
    let k = o
    out[k++] = 0.5 * sums[1]!
    for (let l = 2; l <= 10; l++) out[k++] = Math.log(sums[l]! + 1)
    let t = n + 0.5 * sums[1]!
    for (let l = 2; l <= 10; l++) t += Math.log(sums[l]! + 1)
    out[k++] = t
    for (let l = 2; l <= 10; l++) out[k++] = Math.log(traces[l]! + 1)
    let ts = n + Math.log(traces[1]! + 1)
    for (let l = 2; l <= 10; l++) ts += Math.log(traces[l]! + 1)
    out[k++] = ts
  },
}
