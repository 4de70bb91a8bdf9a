/**
 * scikit-learn `StandardScaler` pickles (upstream's `descriptor_scaler.pkl` / `scaler_all.pkl`, protocol 3,
 * scikit-learn 1.0.2, numpy arrays through `numpy.core.multiarray._reconstruct`).
 */
import { ModelLoadFailed } from "../../errors/index.ts"
import { COPYREG_GLOBALS, NUMPY_GLOBALS, NdArray, toFloat64 } from "./numpy.ts"
import { decodePickle, readPickleFile, refuse } from "./unpickle.ts"
import { type AllowList, PickleObject, plainClass } from "./values.ts"

export interface StandardScalerParams {
  /** `mean_` (zeros when `with_mean` is false). */
  readonly mean: Float64Array
  /** `scale_` (ones when `with_std` is false); scikit-learn already replaced zero scales by 1. */
  readonly scale: Float64Array
  /** `var_`, or null when the scaler did not keep it. */
  readonly variance: Float64Array | null
  readonly nFeaturesIn: number
  readonly nSamplesSeen: number | null
  readonly withMean: boolean
  readonly withStd: boolean
  readonly sklearnVersion: string | null
}

const SCALER_CLASSES = ["sklearn.preprocessing._data.StandardScaler", "sklearn.preprocessing.data.StandardScaler"]

export const SCALER_GLOBALS: AllowList = {
  ...NUMPY_GLOBALS,
  ...COPYREG_GLOBALS,
  ...Object.fromEntries(SCALER_CLASSES.map((c) => [c, plainClass(c)])),
}

const ACTION = "the descriptor scaler is damaged or not a scikit-learn StandardScaler pickle: re-run `periogt setup`"

/** Parses the bytes of a pickled StandardScaler. Throws `ModelLoadFailed` (naming `source`) on anything else. */
export const parseStandardScaler = (bytes: Uint8Array, source = "<scaler>"): StandardScalerParams =>
  decodePickle(bytes, { globals: SCALER_GLOBALS, source, action: ACTION }, (value) => {
    if (!(value instanceof PickleObject) || !SCALER_CLASSES.includes(value.className))
      return refuse("the pickle does not hold a StandardScaler")
    const n = value.get("n_features_in_")
    const withMean = value.get("with_mean") !== false
    const withStd = value.get("with_std") !== false
    const arr = (key: string, required: boolean): Float64Array | null => {
      const v = value.get(key)
      if (v === null || v === undefined) return required ? refuse(`StandardScaler.${key} is missing`) : null
      if (!(v instanceof NdArray) || v.shape.length !== 1) return refuse(`StandardScaler.${key} is not a vector`)
      const out = toFloat64(v)
      if (typeof n === "number" && out.length !== n)
        refuse(`StandardScaler.${key} has ${out.length} values, n_features_in_ is ${n}`)
      return out
    }
    const mean = arr("mean_", withMean)
    const scale = arr("scale_", withStd)
    const variance = arr("var_", false)
    const width = typeof n === "number" ? n : (mean ?? scale ?? variance)?.length
    if (width === undefined) return refuse("StandardScaler has neither n_features_in_ nor fitted arrays")
    const seen = value.get("n_samples_seen_")
    return {
      mean: mean ?? new Float64Array(width),
      scale: scale ?? new Float64Array(width).fill(1),
      variance,
      nFeaturesIn: width,
      nSamplesSeen: typeof seen === "number" ? seen : null,
      withMean,
      withStd,
      sklearnVersion: typeof value.get("_sklearn_version") === "string" ? (value.get("_sklearn_version") as string) : null,
    }
  })

/** Reads a pickled StandardScaler from a file. */
export const readStandardScaler = (path: string): Promise<StandardScalerParams> => readPickleFile(path, ACTION, parseStandardScaler)

/** scikit-learn's `transform` for one row: (x − mean_) / scale_, in float64. */
export const applyStandardScaler = (s: StandardScalerParams, x: ArrayLike<number>): Float64Array => {
  if (x.length !== s.nFeaturesIn)
    throw new ModelLoadFailed({
      message: `the scaler expects ${s.nFeaturesIn} features, got ${x.length}`,
      action: "the descriptor scaler does not match the descriptor calculator: re-run `periogt setup`",
    })
  const out = new Float64Array(x.length)
  for (let i = 0; i < x.length; i++) out[i] = (x[i]! - s.mean[i]!) / s.scale[i]!
  return out
}
