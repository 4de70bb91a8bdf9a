/**
 * Upstream's `split.pkl`: a pickled list (or tuple) of numpy integer arrays — train, validation, test
 * row indices into the dataset CSV.
 */
import { NUMPY_GLOBALS, NdArray, toIntArray } from "./numpy.ts"
import { decodePickle, readPickleFile, refuse } from "./unpickle.ts"

export interface DatasetSplit {
  /** Every index array in file order (upstream: [train, valid, test]). */
  readonly parts: ReadonlyArray<Int32Array>
  readonly train: Int32Array
  readonly valid: Int32Array | null
  readonly test: Int32Array | null
}

const ACTION = "the dataset split file is damaged or not upstream's split.pkl: restore it from the PerioGT datasets"

const toIndices = (v: unknown, i: number): Int32Array => {
  let values: Array<number>
  if (v instanceof NdArray) {
    if (v.shape.length !== 1) return refuse(`split part ${i} is not a vector`)
    values = toIntArray(v)
  } else if (Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isInteger(x))) values = v as Array<number>
  else return refuse(`split part ${i} is not an integer array`)
  if (values.some((x) => x < 0 || x > 0x7fffffff)) return refuse(`split part ${i} holds a negative or huge index`)
  return Int32Array.from(values)
}

export const parseSplit = (bytes: Uint8Array, source = "<split>"): DatasetSplit =>
  decodePickle(bytes, { globals: NUMPY_GLOBALS, source, action: ACTION }, (value) => {
    if (!Array.isArray(value) || value.length === 0) return refuse("the pickle does not hold a list of index arrays")
    const parts = value.map(toIndices)
    return { parts, train: parts[0]!, valid: parts[1] ?? null, test: parts[2] ?? null }
  })

export const readSplit = (path: string): Promise<DatasetSplit> => readPickleFile(path, ACTION, parseSplit)
