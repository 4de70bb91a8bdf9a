/**
 * The golden cases: every target × cluster with a fixed configuration (fixed home, no environment),
 * fixed output directory, fixed version and binary path, so generation is byte-for-byte reproducible.
 * Shared by update-golden.ts (writes the fixtures) and golden.test.ts (compares with them).
 */
import * as path from "node:path"
import { Result } from "effect"
import { resolveConfig, type PeriogtConfig } from "../../core/config/index.ts"
import { generate, type Generated } from "../../core/deploy/generate.ts"

export const FIXTURES = path.resolve(import.meta.dir, "../fixtures/adapters")
export const GOLDEN_VERSION = "0.0.0-golden"
export const GOLDEN_BINARY = "/opt/periogt/bin/periogt"

export interface GoldenCase {
  /** Fixture directory, relative to FIXTURES: <target>/<cluster>[-variant]. */
  readonly dir: string
  readonly target: string
  readonly cluster: string
  readonly sets: ReadonlyArray<string>
}

const targets = ["slurm", "pbs", "apptainer", "conda", "modal"] as const
const clusters = ["cades", "explorer", "generic"] as const

export const GOLDEN_CASES: ReadonlyArray<GoldenCase> = [
  ...targets.flatMap((target) =>
    clusters
      // cades and explorer run Slurm: gen pbs refuses them (tested separately).
      .filter((cluster) => target !== "pbs" || cluster === "generic")
      .map((cluster) => ({ dir: `${target}/${cluster}`, target, cluster, sets: [] })),
  ),
  { dir: "slurm/cades-gpu", target: "slurm", cluster: "cades-gpu", sets: [] },
  { dir: "apptainer/cades-gpu", target: "apptainer", cluster: "cades-gpu", sets: [] },
  { dir: "ood/cades", target: "ood", cluster: "cades", sets: [] },
  { dir: "ood/explorer", target: "ood", cluster: "explorer", sets: [] },
  { dir: "ood/generic", target: "ood", cluster: "generic", sets: [] },
  { dir: "apptainer/explorer-providers", target: "apptainer", cluster: "explorer", sets: ["ort_cuda_dir=/opt/onnxruntime/lib"] },
]

export const fixedConfig = (env: Record<string, string> = {}): PeriogtConfig => {
  const r = resolveConfig({
    flags: {},
    env,
    cwd: "/home/user",
    home: "/home/user",
    uid: 1000,
    tmpdir: "/tmp",
    isWritableDir: () => true,
    readSecretFile: () => {
      throw new Error("no secrets in golden cases")
    },
  })
  if (Result.isFailure(r)) throw r.failure
  return r.success
}

export const goldenOutDir = (c: GoldenCase) => `/opt/periogt/deploy/${c.dir}`

export const generateCase = (c: GoldenCase): Generated => {
  const r = generate({
    target: c.target,
    cluster: c.cluster,
    sets: c.sets,
    outDir: goldenOutDir(c),
    config: fixedConfig(),
    env: {},
    cwd: "/home/user",
    version: GOLDEN_VERSION,
    selfBinary: GOLDEN_BINARY,
  })
  if (Result.isFailure(r)) throw new Error(`${c.dir}: ${r.failure.message}`)
  return r.success
}
