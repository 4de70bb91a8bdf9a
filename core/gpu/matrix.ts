/**
 * What the CUDA 12 build of periogt needs from a GPU and its driver. Compute capability 7.0 is the
 * supported minimum; 6.x (Pascal, P100) is untested and only warned about; below 6.0 (Kepler K80/K40m,
 * Maxwell) is refused.
 */
export const MIN_DRIVER = "560.28"
export const MIN_COMPUTE_CAPABILITY = 7.0
export const MIN_UNTESTED_COMPUTE_CAPABILITY = 6.0
export const CUDA_VERSION = "12.6"

/** Compute capability by product name, for drivers too old to answer `--query-gpu=compute_cap`. */
export const KNOWN_COMPUTE_CAPABILITY: ReadonlyArray<readonly [RegExp, number]> = [
  [/H200|H100|GH200/i, 9.0],
  [/L40|L4\b|RTX 40|Ada/i, 8.9],
  [/A10\b|A40|A30\b|RTX 30|A6000|A5000|A4000/i, 8.6],
  [/A100|A30/i, 8.0],
  [/T4\b|RTX 20|Quadro RTX/i, 7.5],
  [/V100|Titan V/i, 7.0],
  [/P100/i, 6.0],
  [/P40|P4\b|GTX 10/i, 6.1],
  [/M40|M60|GTX 9/i, 5.2],
  [/K80/i, 3.7],
  [/K40|K20/i, 3.5],
]

export const computeCapabilityFromName = (name: string): number | undefined =>
  KNOWN_COMPUTE_CAPABILITY.find(([re]) => re.test(name))?.[1]

/** Numeric comparison of dotted versions: "560.28" vs "535.104.05". */
export const compareVersions = (a: string, b: string): number => {
  const pa = a.split(".").map((x) => Number.parseInt(x, 10) || 0)
  const pb = b.split(".").map((x) => Number.parseInt(x, 10) || 0)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}
