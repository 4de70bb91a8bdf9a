/**
 * The md vector upstream feeds the network (utils/features.py `_fp_md_from_smiles`, then
 * data/smiles2g_light.py `scaler.transform(des)`):
 *   des = float32(raw); NaN → 0; > 1e12 → 1e12; then StandardScaler on the float32 array, which numpy
 *   computes in float64 and stores back as float32 after each in-place step (`X -= mean_`, `X /= scale_`).
 */
export interface ScalerParams {
  readonly mean: ArrayLike<number>
  readonly scale: ArrayLike<number>
}

/** float32 cast, NaN → 0, > 1e12 → 1e12 (values stay float32; -Infinity is kept, as upstream). */
export const mdUnscaled = (raw: ArrayLike<number>): Float32Array => {
  const out = new Float32Array(raw.length)
  for (let i = 0; i < raw.length; i++) {
    const x = Math.fround(raw[i]!)
    out[i] = Number.isNaN(x) ? 0 : x > 1e12 ? 1e12 : x
  }
  return out
}

/** The standardized md vector, bit-identical to upstream's float32 result. */
export const mdVector = (raw: ArrayLike<number>, scaler: ScalerParams): Float32Array => {
  const des = mdUnscaled(raw)
  if (scaler.mean.length !== des.length || scaler.scale.length !== des.length)
    throw new Error(`scaler has ${scaler.mean.length} features, descriptors ${des.length}`)
  for (let i = 0; i < des.length; i++) {
    const centered = Math.fround(des[i]! - scaler.mean[i]!)
    des[i] = centered / scaler.scale[i]!
  }
  return des
}
