/**
 * mordred MoeType: RDKit's LabuteASA and MOE-type VSA descriptors (PEOE_VSA, SMR_VSA, SlogP_VSA, EState_VSA,
 * VSA_EState) on the H-suppressed molecule.
 */
import type { Family } from "../family.ts"
import { crippenContribs } from "../shared/crippen.ts"
import { gasteiger } from "../shared/gasteiger.ts"
import { labuteContribs } from "../shared/labute.ts"
import { estateIndices } from "./EState.ts"

const range = (k: number) => Array.from({ length: k }, (_, i) => i + 1)
const PEOE_BINS = [-0.3, -0.25, -0.2, -0.15, -0.1, -0.05, 0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
const ESTATE_BINS = [-0.39, 0.29, 0.717, 1.165, 1.54, 1.807, 2.05, 4.69, 9.17, 15.0]
const VSA_BINS = [4.78, 5.0, 5.41, 5.74, 6.0, 6.07, 6.45, 7.0, 11.0]
const SMR = range(9).map((k) => `SMR_VSA${k}`)
const SLOGP = range(11).map((k) => `SlogP_VSA${k}`)
const MR_BINS = [1.29, 1.82, 2.24, 2.45, 2.75, 3.05, 3.63, 3.8, 4.0]
const LOGP_BINS = [-0.4, -0.2, 0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6]

/** index of the bin (bisect_right / upper_bound) */
const bin = (bins: readonly number[], x: number): number => {
  let k = 0
  while (k < bins.length && !(x < bins[k]!)) k++
  return k
}

/** Σ weight per bin of key, for bins.length + 1 bins */
const binned = (bins: readonly number[], keys: ArrayLike<number>, weights: ArrayLike<number>): Float64Array => {
  const out = new Float64Array(bins.length + 1)
  for (let i = 0; i < keys.length; i++) {
    const k = bin(bins, keys[i]!)
    out[k] = out[k]! + weights[i]!
  }
  return out
}

export const MoeType: Family = {
  name: "MoeType",
  names: [
    "LabuteASA",
    ...range(13).map((k) => `PEOE_VSA${k}`),
    ...SMR,
    ...SLOGP,
    ...range(10).map((k) => `EState_VSA${k}`),
    ...range(9).map((k) => `VSA_EState${k}`),
  ],
  compute(ctx, out, o) {
    const { atoms: V, h } = labuteContribs(ctx)
    let asa = h
    for (let i = 0; i < V.length; i++) asa += V[i]!
    let k = o
    out[k++] = asa
    const gq = gasteiger(ctx, false)
    if (gq === null) for (let x = 0; x < 13; x++) out[k++] = NaN
    else for (const v of binned(PEOE_BINS, gq.q, V).subarray(0, 13)) out[k++] = v
    const cr = crippenContribs(ctx)
    if (cr === null) for (let x = 0; x < SMR.length + SLOGP.length; x++) out[k++] = NaN
    else {
      for (const v of binned(MR_BINS, cr.mr, V).subarray(0, SMR.length)) out[k++] = v
      for (const v of binned(LOGP_BINS, cr.logp, V).subarray(0, SLOGP.length)) out[k++] = v
    }
    const E = estateIndices(ctx)
    for (const v of binned(ESTATE_BINS, E, V).subarray(0, 10)) out[k++] = v
    for (const v of binned(VSA_BINS, V, E).subarray(0, 9)) out[k++] = v
  },
}
