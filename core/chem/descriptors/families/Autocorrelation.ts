/**
 * mordred Autocorrelation (ATS, AATS, ATSC, AATSC, MATS, GATS) on the explicit-H graph, lags 0..8.
 * "c" = Gasteiger charges (shared/gasteiger.ts).
 */
import type { DescriptorContext } from "../context.ts"
import type { Family } from "../family.ts"
import { atomicVector, type ValenceProp } from "../shared/atomic.ts"
import { gasteigerCharges } from "../shared/gasteiger.ts"
import { div } from "../shared/util.ts"

const MAX = 8
const VPROPS: readonly ValenceProp[] = ["dv", "d", "s", "Z", "m", "v", "se", "pe", "are", "p", "i"]
type P = ValenceProp | "c"
const CPROPS: readonly P[] = ["c", ...VPROPS]
const lags = (from: number) => Array.from({ length: MAX + 1 - from }, (_, k) => k + from)

const BLOCKS: readonly (readonly [string, readonly P[], number])[] = [
  ["ATS", VPROPS, 0],
  ["AATS", VPROPS, 0],
  ["ATSC", CPROPS, 0],
  ["AATSC", CPROPS, 0],
  ["MATS", CPROPS, 1],
  ["GATS", CPROPS, 1],
]
const NAMES = BLOCKS.flatMap(([kind, props, from]) => props.flatMap((p) => lags(from).map((d) => `${kind}${d}${p}`)))


interface Sums {
  /** Σ_{i<j, d_ij = k} w_i w_j (k ≥ 1), Σ w_i² (k = 0) */
  ats: Float64Array
  atsc: Float64Array
  /** Σ_{i<j, d_ij = k} (w_i − w_j)² */
  diff: Float64Array
  /** Σ (w_i − mean)² */
  c2: number
  n: number
}

/** atom pairs i < j at distance 1..MAX of the explicit-H graph, in (i, j) order; one scan of the matrix */
interface Pairs {
  readonly i: Int32Array
  readonly j: Int32Array
  readonly d: Uint8Array
  readonly count: number
}
const nearPairs = (ctx: DescriptorContext): Pairs =>
  ctx.cached("autocorr:pairs", () => {
    const D = ctx.distance(true)
    const n = ctx.graph(true).n
    let count = 0
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        const d = D[i * n + j]!
        if (d >= 1 && d <= MAX) count++
      }
    const pi = new Int32Array(count)
    const pj = new Int32Array(count)
    const pd = new Uint8Array(count)
    let k = 0
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        const d = D[i * n + j]!
        if (d >= 1 && d <= MAX) {
          pi[k] = i
          pj[k] = j
          pd[k++] = d
        }
      }
    return { i: pi, j: pj, d: pd, count }
  })

/** number of atom pairs at each distance 0..MAX (lag 0: atoms) */
const pairCounts = (ctx: DescriptorContext): Float64Array =>
  ctx.cached("autocorr:gsum", () => {
    const c = new Float64Array(MAX + 1)
    c[0] = ctx.graph(true).n
    const P = nearPairs(ctx)
    for (let k = 0; k < P.count; k++) c[P.d[k]!]!++
    return c
  })

const sums = (ctx: DescriptorContext, w: Float64Array): Sums => {
  const n = ctx.graph(true).n
  const P = nearPairs(ctx)
  let mean = 0
  for (let i = 0; i < n; i++) mean += w[i]!
  mean /= n
  const wc = new Float64Array(n)
  for (let i = 0; i < n; i++) wc[i] = w[i]! - mean
  const ats = new Float64Array(MAX + 1)
  const atsc = new Float64Array(MAX + 1)
  const diff = new Float64Array(MAX + 1)
  // same summation order as a row-by-row scan: lag 0 of atom i before the pairs (i, j > i)
  let k = 0
  for (let i = 0; i < n; i++) {
    ats[0] = ats[0]! + w[i]! * w[i]!
    atsc[0] = atsc[0]! + wc[i]! * wc[i]!
    for (; k < P.count && P.i[k] === i; k++) {
      const j = P.j[k]!
      const d = P.d[k]!
      ats[d] = ats[d]! + w[i]! * w[j]!
      atsc[d] = atsc[d]! + wc[i]! * wc[j]!
      const t = w[i]! - w[j]!
      diff[d] = diff[d]! + t * t
    }
  }
  return { ats, atsc, diff, c2: atsc[0]!, n }
}

export const Autocorrelation: Family = {
  name: "Autocorrelation",
  names: NAMES,
  compute(ctx, out, o) {
    const g = ctx.graph(true)
    const gsum = pairCounts(ctx)
    const byProp = new Map<P, Sums | null>()
    for (const p of VPROPS) {
      const w = atomicVector(g, p)
      byProp.set(p, w === null ? null : sums(ctx, w))
    }
    const c = gasteigerCharges(ctx, true)
    byProp.set("c", c === null || c.some((x) => !Number.isFinite(x)) ? null : sums(ctx, c))
    let k = o
    const each = (props: readonly P[], from: number, f: (s: Sums, d: number) => number) => {
      for (const p of props) {
        const s = byProp.get(p) ?? null
        for (let d = from; d <= MAX; d++) out[k++] = s === null ? NaN : f(s, d)
      }
    }
    each(VPROPS, 0, (s, d) => s.ats[d]!)
    each(VPROPS, 0, (s, d) => div(s.ats[d]!, gsum[d]!))
    each(CPROPS, 0, (s, d) => s.atsc[d]!)
    each(CPROPS, 0, (s, d) => div(s.atsc[d]!, gsum[d]!))
    each(CPROPS, 1, (s, d) => div(s.n * div(s.atsc[d]!, gsum[d]!), s.c2))
    each(CPROPS, 1, (s, d) => {
      if (s.n <= 1) return NaN
      return div(div(s.diff[d]!, 2 * gsum[d]!), s.c2 / (s.n - 1))
    })
  },
}
