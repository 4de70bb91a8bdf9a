import * as fs from "node:fs"
import * as os from "node:os"

/** What limits the cores this process may use: each is optional, the smallest one applies. */
export interface CoreLimits {
  /** CPUs in the affinity mask (os.availableParallelism): Slurm's cpuset, taskset, numactl. */
  readonly affinity: number
  /** cgroup CPU quota: cgroup v2 `cpu.max` ("max 100000" or "200000 100000"), or v1 "quota period" (quota -1 = none). */
  readonly cpuQuota?: string | undefined
  /** SLURM_CPUS_PER_TASK, when the job asked for CPUs per task. */
  readonly slurmCpusPerTask?: string | undefined
}

const quotaCores = (text: string | undefined): number | undefined => {
  const m = /^\s*(-?\d+|max)\s+(\d+)\s*$/.exec(text ?? "")
  if (m === null || m[1] === "max" || Number(m[1]) <= 0 || Number(m[2]) <= 0) return undefined
  return Math.ceil(Number(m[1]) / Number(m[2]))
}

/** The cores this process may use: the smallest of the affinity mask, the cgroup quota and Slurm's CPUs per task; at least 1. */
export const coresFrom = (l: CoreLimits): number => {
  const slurm = Number(l.slurmCpusPerTask)
  const limits = [l.affinity, quotaCores(l.cpuQuota), Number.isInteger(slurm) && slurm > 0 ? slurm : undefined].filter((x): x is number => x !== undefined && x > 0)
  return Math.max(1, Math.min(...limits))
}

const read = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, "utf8")
  } catch {
    return undefined
  }
}

/** This process's cgroup CPU quota, v2 (its own cgroup, else the namespace root) or v1. */
const cgroupCpuQuota = (): string | undefined => {
  const own = /^0::(\/.*)$/m.exec(read("/proc/self/cgroup") ?? "")?.[1]
  for (const file of [own === undefined ? undefined : `/sys/fs/cgroup${own === "/" ? "" : own}/cpu.max`, "/sys/fs/cgroup/cpu.max"]) {
    const v = file === undefined ? undefined : read(file)
    if (v !== undefined) return v
  }
  const q = read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")?.trim()
  const p = read("/sys/fs/cgroup/cpu/cpu.cfs_period_us")?.trim()
  return q === undefined || p === undefined ? undefined : `${q} ${p}`
}

/** The cores this process may use on this node (what `workers` defaults to). */
export const usableCores = (env: Readonly<Record<string, string | undefined>> = process.env): number =>
  coresFrom({ affinity: os.availableParallelism(), cpuQuota: cgroupCpuQuota(), slurmCpusPerTask: env["SLURM_CPUS_PER_TASK"] })
