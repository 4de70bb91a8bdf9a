import { computeCapabilityFromName } from "./matrix.ts"

export interface GpuInfo {
  readonly index: number
  readonly name: string
  /** From nvidia-smi when it can answer, else from the product name; undefined when unknown. */
  readonly computeCapability: number | undefined
  readonly computeCapabilityFrom: "nvidia-smi" | "name" | "unknown"
  readonly driverVersion: string
  readonly memoryMiB: number | undefined
}

/** What asking nvidia-smi told us. `absent`: not installed (no GPU stack on this node). */
export type SmiReport =
  | { readonly kind: "absent" }
  | { readonly kind: "failed"; readonly exitCode: number | null; readonly output: string }
  | { readonly kind: "ok"; readonly gpus: ReadonlyArray<GpuInfo> }

export const QUERY_WITH_CC = ["--query-gpu=index,name,compute_cap,driver_version,memory.total", "--format=csv,noheader,nounits"] as const
export const QUERY_WITHOUT_CC = ["--query-gpu=index,name,driver_version,memory.total", "--format=csv,noheader,nounits"] as const

/** Old drivers (< 510) reject the compute_cap field with this message; we then ask without it. */
export const rejectsComputeCapField = (output: string): boolean => /compute_cap/i.test(output) && /not a valid field|invalid/i.test(output)

const num = (s: string | undefined): number | undefined => {
  if (s === undefined) return undefined
  const v = Number.parseFloat(s.trim())
  return Number.isFinite(v) ? v : undefined
}

/** Parses `--query-gpu=… --format=csv,noheader,nounits` output, with or without the compute_cap column. */
export const parseQuery = (stdout: string, withComputeCap: boolean): ReadonlyArray<GpuInfo> =>
  stdout
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .map((line, i) => {
      const cols = line.split(",").map((c) => c.trim())
      const [index, name = "unknown GPU"] = cols
      const ccCol = withComputeCap ? num(cols[2]) : undefined
      const driverVersion = (withComputeCap ? cols[3] : cols[2]) ?? ""
      const memoryMiB = num(withComputeCap ? cols[4] : cols[3])
      const byName = computeCapabilityFromName(name)
      const computeCapability = ccCol ?? byName
      return {
        index: num(index) ?? i,
        name,
        computeCapability,
        computeCapabilityFrom: ccCol !== undefined ? "nvidia-smi" : byName !== undefined ? "name" : "unknown",
        driverVersion,
        memoryMiB,
      }
    })
