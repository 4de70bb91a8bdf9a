import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"

export interface CpuFacts {
  readonly model: string
  readonly logicalCores: number
  /** Cores this process may run on (Slurm's cgroup / affinity), when it can be read. */
  readonly usableCores: number
  readonly avx2: boolean
  readonly avx512: boolean
  readonly amx: boolean
}

export interface SystemFacts {
  readonly os: string
  readonly kernel: string
  readonly glibc: string | undefined
  readonly cpu: CpuFacts
  readonly memoryTotalBytes: number
  readonly memoryAvailableBytes: number
  /** The cgroup (e.g. Slurm job) memory limit, when one applies. */
  readonly memoryLimitBytes: number | undefined
}

const read = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, "utf8")
  } catch {
    return undefined
  }
}

export const parseCpuInfo = (text: string, logicalCores: number, usableCores: number): CpuFacts => {
  const model = /^model name\s*:\s*(.+)$/m.exec(text)?.[1]?.trim() ?? "unknown"
  const flags = new Set((/^flags\s*:\s*(.+)$/m.exec(text)?.[1] ?? "").split(/\s+/))
  return { model, logicalCores, usableCores, avx2: flags.has("avx2"), avx512: flags.has("avx512f"), amx: flags.has("amx_tile") }
}

const glibcVersion = (): string | undefined => {
  const report = (process as unknown as { report?: { getReport?: () => { header?: { glibcVersionRuntime?: string } } } }).report
  const fromReport = report?.getReport?.()?.header?.glibcVersionRuntime
  if (fromReport) return fromReport
  const r = spawnSync("getconf", ["GNU_LIBC_VERSION"], { encoding: "utf8", timeout: 5000 })
  return r.status === 0 ? r.stdout.trim().replace(/^glibc\s+/, "") : undefined
}

const osName = (): string => {
  const rel = read("/etc/os-release")
  return rel === undefined ? os.type() : (/^PRETTY_NAME="?([^"\n]+)"?/m.exec(rel)?.[1] ?? os.type())
}

const cgroupMemoryLimit = (): number | undefined => {
  const v2 = read("/sys/fs/cgroup/memory.max")?.trim()
  if (v2 !== undefined && v2 !== "max" && /^\d+$/.test(v2)) return Number(v2)
  const v1 = read("/sys/fs/cgroup/memory/memory.limit_in_bytes")?.trim()
  if (v1 !== undefined && /^\d+$/.test(v1) && Number(v1) < 2 ** 60) return Number(v1)
  return undefined
}

export const gatherSystem = (): SystemFacts => {
  const logical = os.cpus().length
  const usable = typeof os.availableParallelism === "function" ? os.availableParallelism() : logical
  const meminfo = read("/proc/meminfo") ?? ""
  const available = /^MemAvailable:\s+(\d+) kB/m.exec(meminfo)?.[1]
  return {
    os: osName(),
    kernel: os.release(),
    glibc: glibcVersion(),
    cpu: parseCpuInfo(read("/proc/cpuinfo") ?? "", logical, usable),
    memoryTotalBytes: os.totalmem(),
    memoryAvailableBytes: available !== undefined ? Number(available) * 1024 : os.freemem(),
    memoryLimitBytes: cgroupMemoryLimit(),
  }
}
