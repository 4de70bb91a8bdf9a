/**
 * mordred BCUT: highest and lowest eigenvalue of the Burden matrix (off-diagonal 0.001, bonds order/10, +0.01
 * when an end atom is terminal) with an atomic property on the diagonal; H-suppressed graph, require_connected.
 * "c" = Gasteiger charges of the H-suppressed molecule (with their implicit-H share, as mordred).
 */
import type { Family } from "../family.ts"
import { atomicVector, type ValenceProp } from "../shared/atomic.ts"
import { extremesBandRankOne, rcmOrder } from "../shared/bandRankOne.ts"
import { gasteigerCharges } from "../shared/gasteiger.ts"
import { degree } from "../shared/graph.ts"

const PROPS: readonly (ValenceProp | "c")[] = ["c", "dv", "d", "s", "Z", "m", "v", "se", "pe", "are", "p", "i"]

export const BCUT: Family = {
  name: "BCUT",
  names: PROPS.flatMap((p) => [`BCUT${p}-1h`, `BCUT${p}-1l`]),
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    const n = g.n
    const connected = ctx.nFrags === 1
    // Burden matrix = S + 0.001·11ᵀ with S banded once the atoms are in reverse Cuthill–McKee order: S holds
    // (bond weight − 0.001) off the diagonal and (property − 0.001) on it. Its two extreme eigenvalues come from
    // the O(n·m²) solver of bandRankOne.ts, not from a dense O(n³) decomposition.
    const C = 0.001
    const order = connected ? rcmOrder(n, g.nbrStart, g.nbrAtom) : new Int32Array(0)
    const pos = new Int32Array(n)
    for (let k = 0; k < order.length; k++) pos[order[k]!] = k
    let m = 0
    for (let b = 0; b < g.nb; b++) m = Math.max(m, Math.abs(pos[g.begin[b]!]! - pos[g.end[b]!]!))
    const w1 = m + 1
    const off = new Float64Array(n * w1)
    for (let b = 0; b < g.nb; b++) {
      const i = g.begin[b]!
      const j = g.end[b]!
      let w = g.order[b]! / 10
      if (degree(g, i) === 1 || degree(g, j) === 1) w += 0.01
      const pi = Math.min(pos[i]!, pos[j]!)
      off[pi * w1 + Math.abs(pos[i]! - pos[j]!)] = w - C
    }
    let zeroDiagonal: [number, number] | undefined
    PROPS.forEach((p, k) => {
      let P = p === "c" ? gasteigerCharges(ctx, false) : atomicVector(g, p)
      if (P !== null && P.some((x) => !Number.isFinite(x))) P = null
      if (!connected || P === null) {
        out[o + 2 * k] = NaN
        out[o + 2 * k + 1] = NaN
        return
      }
      // a property equal on every atom (a hydrocarbon's Z, mass…) only shifts the spectrum of the
      // zero-diagonal Burden matrix, computed once
      let constant = true
      for (let i = 1; constant && i < n; i++) constant = P[i] === P[0]
      let lo: number
      let hi: number
      if (constant) {
        zeroDiagonal ??= (() => {
          const a = Float64Array.from(off)
          for (let i = 0; i < n; i++) a[i * w1] = -C
          return extremesBandRankOne({ n, m, a }, C)
        })()
        lo = zeroDiagonal[0] + P[0]!
        hi = zeroDiagonal[1] + P[0]!
      } else {
        const a = Float64Array.from(off)
        for (let i = 0; i < n; i++) a[pos[i]! * w1] = P[i]! - C
        ;[lo, hi] = extremesBandRankOne({ n, m, a }, C)
      }
      out[o + 2 * k] = hi
      out[o + 2 * k + 1] = lo
    })
  },
}
