/**
 * mordred BCUT: highest and lowest eigenvalue of the Burden matrix (off-diagonal 0.001, bonds order/10, +0.01
 * when an end atom is terminal) with an atomic property on the diagonal; H-suppressed graph, require_connected.
 * "c" = Gasteiger charges of the H-suppressed molecule (with their implicit-H share, as mordred).
 */
import type { Family } from "../family.ts"
import { atomicVector, type ValenceProp } from "../shared/atomic.ts"
import { symmetricEigenvalues } from "../shared/eigen.ts"
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
    const burden = new Float64Array(n * n).fill(0.001)
    for (let b = 0; b < g.nb; b++) {
      const i = g.begin[b]!
      const j = g.end[b]!
      let w = g.order[b]! / 10
      if (degree(g, i) === 1 || degree(g, j) === 1) w += 0.01
      burden[i * n + j] = w
      burden[j * n + i] = w
    }
    PROPS.forEach((p, k) => {
      let P = p === "c" ? gasteigerCharges(ctx, false) : atomicVector(g, p)
      if (P !== null && P.some((x) => !Number.isFinite(x))) P = null
      if (!connected || P === null) {
        out[o + 2 * k] = NaN
        out[o + 2 * k + 1] = NaN
        return
      }
      const M = Float64Array.from(burden)
      for (let i = 0; i < n; i++) M[i * n + i] = P[i]!
      const values = symmetricEigenvalues(M, n)
      out[o + 2 * k] = values[n - 1]!
      out[o + 2 * k + 1] = values[0]!
    })
  },
}
