import { describe, expect, test } from "bun:test"
import { Result } from "effect"
import { coresFrom, resolveConfig, type ResolveInputs } from "../../core/config/index.ts"

// How many featurization workers a command gets: PERIOGT_WORKERS / --workers / `workers`, else one
// per core the job may use (at most `threads` when set), and none (the main thread) on one core.
const base: ResolveInputs = {
  flags: {},
  env: {},
  cwd: "/work",
  home: "/home/alice",
  uid: 1000,
  tmpdir: "/tmp",
  isWritableDir: () => true,
  readSecretFile: () => "",
}
const workers = (inputs: Partial<ResolveInputs>) => {
  const r = resolveConfig({ ...base, ...inputs })
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success.workers
}

describe("the workers setting", () => {
  test("flag > environment > config file > default", () => {
    const file = { path: "/etc/periogt.toml", values: { workers: 3 } }
    expect(workers({ usableCores: 8, file, env: { PERIOGT_WORKERS: "5" }, flags: { workers: "6" } })).toMatchObject({ value: 6, source: { kind: "flag" } })
    expect(workers({ usableCores: 8, file, env: { PERIOGT_WORKERS: "5" } })).toMatchObject({ value: 5, source: { kind: "env" } })
    expect(workers({ usableCores: 8, file })).toMatchObject({ value: 3, source: { kind: "file" } })
    expect(workers({ usableCores: 8, env: { PERIOGT_WORKERS: "0" } }).value).toBe(0)
  })

  test("default: the usable cores, at most threads; in the main thread on one core", () => {
    expect(workers({ usableCores: 8 })).toMatchObject({ value: 8, source: { kind: "default", name: "8 usable cores" } })
    expect(workers({ usableCores: 8, env: { PERIOGT_THREADS: "4" } }).value).toBe(4)
    expect(workers({ usableCores: 2, env: { PERIOGT_THREADS: "16" } }).value).toBe(2)
    expect(workers({ usableCores: 8, env: { PERIOGT_THREADS: "1" } }).value).toBe(0)
    expect(workers({ usableCores: 1 })).toMatchObject({ value: 0, source: { name: "1 usable core: in the main thread" } })
    expect(workers({}).value).toBe(0)
  })

  test("the network's threads: one per usable core unless set above 0 (never ONNX Runtime's own count of the machine's cores)", () => {
    const threads = (inputs: Partial<ResolveInputs>) => {
      const r = resolveConfig({ ...base, ...inputs })
      if (Result.isFailure(r)) throw new Error(r.failure.message)
      return r.success.threads
    }
    expect(threads({ usableCores: 8 })).toMatchObject({ value: 8, source: { kind: "default", name: "8 usable cores" } })
    expect(threads({ usableCores: 4, env: { PERIOGT_THREADS: "0" } })).toMatchObject({ value: 4, source: { kind: "default", name: "threads = 0: 4 usable cores" } })
    expect(threads({ usableCores: 4, env: { PERIOGT_THREADS: "16" } })).toMatchObject({ value: 16, source: { kind: "env" } })
    expect(threads({}).value).toBe(1)
  })

  test("an invalid value is a validation_error naming the variable", () => {
    const r = resolveConfig({ ...base, env: { PERIOGT_WORKERS: "two" } })
    expect(Result.isFailure(r) && r.failure).toMatchObject({ code: "validation_error", details: { variable: "PERIOGT_WORKERS" } })
  })

  test("usable cores: the smallest of the affinity mask, the cgroup quota and Slurm's CPUs per task", () => {
    expect(coresFrom({ affinity: 16 })).toBe(16)
    expect(coresFrom({ affinity: 16, cpuQuota: "max 100000\n" })).toBe(16)
    expect(coresFrom({ affinity: 16, cpuQuota: "250000 100000\n" })).toBe(3)
    expect(coresFrom({ affinity: 16, cpuQuota: "-1 100000" })).toBe(16)
    expect(coresFrom({ affinity: 16, slurmCpusPerTask: "4" })).toBe(4)
    expect(coresFrom({ affinity: 2, slurmCpusPerTask: "4" })).toBe(2)
    expect(coresFrom({ affinity: 16, slurmCpusPerTask: "" })).toBe(16)
    expect(coresFrom({ affinity: 16, cpuQuota: "50000 100000" })).toBe(1)
  })
})
