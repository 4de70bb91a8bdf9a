/** mordred `_matrix_attributes`: spectral descriptors of a symmetric matrix (AdjacencyMatrix, DistanceMatrix, BaryszMatrix, DetourMatrix). */
import type { DescriptorContext } from "../context.ts"
import { spectralSummary } from "./eigen.ts"
import type { Graph } from "./graph.ts"
import { logChecked } from "./util.ts"

export const ATTRS = ["SpAbs", "SpMax", "SpDiam", "SpAD", "SpMAD", "LogEE", "VE1", "VE2", "VE3", "VR1", "VR2", "VR3"] as const
/** mordred's full method list (SM1, the trace, sits after LogEE) */
export const ATTRS_SM1 = ["SpAbs", "SpMax", "SpDiam", "SpAD", "SpMAD", "LogEE", "SM1", "VE1", "VE2", "VE3", "VR1", "VR2", "VR3"] as const

/**
 * The 12 (13 with SM1) attributes of a symmetric matrix M of graph g (require_connected: NaN unless one
 * fragment). M = null: the matrix itself failed (every attribute NaN).
 */
export const matrixAttributes = (
  ctx: DescriptorContext,
  g: Graph,
  M: Float64Array | null,
  out: Float64Array,
  o0: number,
  withSM1 = false,
): void => {
  const count = withSM1 ? 13 : 12
  let nan = false
  for (let i = 0; M !== null && !nan && i < M.length; i++) nan = Number.isNaN(M[i]!)
  if (ctx.nFrags !== 1 || M === null || nan) {
    for (let k = 0; k < count; k++) out[o0 + k] = NaN
    return
  }
  let o = o0
  if (withSM1) {
    // SM1 = trace, written at index 6; the rest shift by one after it
    let tr = 0
    for (let i = 0; i < g.n; i++) tr += M[i * g.n + i]!
    const tmp = new Float64Array(12)
    matrixAttributes(ctx, g, M, tmp, 0, false)
    for (let k = 0; k < 6; k++) out[o + k] = tmp[k]!
    out[o + 6] = tr
    for (let k = 6; k < 12; k++) out[o + k + 1] = tmp[k]!
    return
  }
  const n = g.n
  const sp = spectralSummary(M, n, true)
  const V = sp.leading!
  const spMax = sp.max
  let ve1 = 0
  for (let i = 0; i < n; i++) ve1 += Math.abs(V[i]!)
  let vr1 = 0
  for (let b = 0; b < g.nb; b++) vr1 += (V[g.begin[b]!]! * V[g.end[b]!]!) ** -0.5
  out[o] = sp.sumAbs
  out[o + 1] = spMax
  out[o + 2] = spMax - sp.min
  out[o + 3] = sp.sumAbsDev
  out[o + 4] = sp.sumAbsDev / n
  out[o + 5] = sp.logEE
  out[o + 6] = ve1
  out[o + 7] = ve1 / n
  out[o + 8] = logChecked(0.1 * n * ve1)
  out[o + 9] = vr1
  out[o + 10] = vr1 / n
  out[o + 11] = logChecked(0.1 * n * vr1)
}

export const adjacencyMatrix = (g: Graph): Float64Array => {
  const A = new Float64Array(g.n * g.n)
  for (let b = 0; b < g.nb; b++) {
    A[g.begin[b]! * g.n + g.end[b]!] = 1
    A[g.end[b]! * g.n + g.begin[b]!] = 1
  }
  return A
}

