import * as path from "node:path"
import { Result } from "effect"
import { ValidationError } from "../errors/index.ts"

/**
 * `--set key=value`: the one way to give a deployment value that neither the configuration nor the
 * cluster profile holds, or to override either. Every key is declared here with its check.
 */
type Check = { readonly kind: "text"; readonly pattern: RegExp; readonly hint: string } | { readonly kind: "path" } | { readonly kind: "int"; readonly min: number; readonly max: number } | { readonly kind: "list" } | { readonly kind: "choice"; readonly choices: ReadonlyArray<string> }

const NAME = { kind: "text", pattern: /^[A-Za-z0-9_.-]+$/, hint: "letters, digits, _ . -" } as const
const TIME = { kind: "text", pattern: /^(\d+-)?\d{1,3}:\d{2}:\d{2}$/, hint: "HH:MM:SS or D-HH:MM:SS" } as const
const MEM = { kind: "text", pattern: /^\d+[KMGT]$/, hint: "a number and a unit: 512M, 32G" } as const
const CPUS = { kind: "int", min: 1, max: 4096 } as const

export const SET_KEYS = {
  account: { check: { kind: "text", pattern: /^[A-Za-z0-9_.<>-]+$/, hint: "an account name" }, description: "account / project charged by the scheduler" },
  partition: { check: NAME, description: "partition (Slurm) or queue (PBS) for every job" },
  qos: { check: NAME, description: "quality of service of every job (--qos)" },
  constraint: { check: { kind: "text", pattern: /^[A-Za-z0-9_.:&|,*[\]()-]+$/, hint: "node features, e.g. h100|a100" }, description: "node features every job asks for (--constraint)" },
  reservation: { check: NAME, description: "advance reservation the jobs run in (--reservation)" },
  mail_type: { check: { kind: "text", pattern: /^[A-Z_0-9]+(,[A-Z_0-9]+)*$/, hint: "Slurm mail types, e.g. END,FAIL" }, description: "when the scheduler mails (--mail-type), e.g. END,FAIL" },
  mail_user: { check: { kind: "text", pattern: /^[A-Za-z0-9_.+-]+(@[A-Za-z0-9.-]+)?$/, hint: "a mail address or user name" }, description: "who the scheduler mails (--mail-user)" },
  gres: { check: { kind: "text", pattern: /^[A-Za-z0-9_:.-]+$/, hint: "e.g. gpu:a100:1" }, description: "GPU request written as --gres (Slurm)" },
  gpu_type: { check: NAME, description: "GPU type: the gres becomes gpu:<type>:1 and the GPU kind <type>" },
  time: { check: TIME, description: "time limit of every job" },
  cpus: { check: CPUS, description: "CPU cores of every job" },
  mem: { check: MEM, description: "memory of every job" },
  "predict.time": { check: TIME, description: "time limit of the predict job" },
  "predict.cpus": { check: CPUS, description: "CPU cores of the predict job" },
  "predict.mem": { check: MEM, description: "memory of the predict job" },
  "batch.time": { check: TIME, description: "time limit of the batch and array jobs" },
  "batch.cpus": { check: CPUS, description: "CPU cores of the batch and array jobs" },
  "batch.mem": { check: MEM, description: "memory of the batch and array jobs" },
  "server.time": { check: TIME, description: "time limit of the server job" },
  "server.cpus": { check: CPUS, description: "CPU cores of the server job" },
  "server.mem": { check: MEM, description: "memory of the server job" },
  base_dir: { check: { kind: "path" }, description: "PERIOGT_BASE_DIR on the cluster" },
  checkpoint_dir: { check: { kind: "path" }, description: "PERIOGT_CHECKPOINT_DIR on the cluster (never a purged filesystem)" },
  results_dir: { check: { kind: "path" }, description: "PERIOGT_RESULTS_DIR on the cluster" },
  cache_dir: { check: { kind: "path" }, description: "PERIOGT_CACHE_DIR on the cluster" },
  device: { check: { kind: "choice", choices: ["auto", "cpu", "cuda"] }, description: "PERIOGT_DEVICE in the jobs" },
  port: { check: { kind: "int", min: 1, max: 65535 }, description: "server port" },
  container: { check: { kind: "path" }, description: "the Apptainer image the jobs run (PERIOGT_CONTAINER)" },
  bin: { check: { kind: "path" }, description: "run this periogt executable directly instead of the container (PERIOGT_BIN)" },
  login_host: { check: { kind: "text", pattern: /^[A-Za-z0-9_.<>-]+$/, hint: "a host name" }, description: "login node named in the SSH tunnel hint" },
  modules: { check: { kind: "list" }, description: "modules every job loads (comma list; empty for none)" },
  apptainer_modules: { check: { kind: "list" }, description: "modules loaded before running the container (comma list)" },
  flavor: { check: { kind: "choice", choices: ["gpu", "cpu"] }, description: "container / Conda build: gpu (CUDA 12 + cuDNN 9) or cpu" },
  binary: { check: { kind: "path" }, description: "the periogt executable to bake into the image or install (default: this one)" },
  ort_cuda_dir: { check: { kind: "path" }, description: "directory holding the pinned CUDA wheels or their extracted files (apptainer, conda: periogt setup --gpu --from; core/gpu/cudaPins.ts), or libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so (modal)" },
  image: { check: { kind: "text", pattern: /^[A-Za-z0-9_./:@-]+$/, hint: "a Docker image reference" }, description: "base image of the Apptainer build" },
  "conda.env": { check: NAME, description: "name of the Conda environment" },
  "modal.app": { check: NAME, description: "Modal app name" },
  "modal.volume": { check: NAME, description: "Modal Volume holding the checkpoints" },
  "modal.gpu": { check: { kind: "text", pattern: /^[A-Za-z0-9_:.-]+$/, hint: "e.g. H100, A100-80GB, L40S" }, description: "Modal GPU kind (default L4)" },
  "modal.secret": { check: NAME, description: "Modal Secret providing PERIOGT_API_KEY (default periogt-api-key)" },
  "modal.auth": { check: { kind: "choice", choices: ["key", "proxy", "both"] }, description: "Modal authentication: key (X-Api-Key from the Modal Secret, default), proxy (Modal proxy auth tokens), both" },
  "ood.cluster": { check: NAME, description: "Open OnDemand cluster id (clusters.d/<id>.yml) of the OnDemand app" },
} as const satisfies Record<string, { readonly check: Check; readonly description: string }>

export type SetKey = keyof typeof SET_KEYS
export const setKeyNames = Object.keys(SET_KEYS) as ReadonlyArray<SetKey>
export type SetValues = Partial<Record<SetKey, string>>

const bad = (message: string, details: Record<string, unknown>) =>
  new ValidationError({ message, action: `use --set key=value with one of: ${setKeyNames.join(", ")}`, details })

/** Parses and checks every `--set`; paths are made absolute against `cwd`; a key given twice is refused. */
export const parseSets = (items: ReadonlyArray<string>, cwd: string): Result.Result<SetValues, ValidationError> => {
  const out: Record<string, string> = {}
  for (const item of items) {
    const eq = item.indexOf("=")
    if (eq <= 0) return Result.fail(bad(`--set ${JSON.stringify(item)} is not key=value`, { set: item }))
    const key = item.slice(0, eq).trim()
    const value = item.slice(eq + 1).trim()
    if (!(key in SET_KEYS)) return Result.fail(bad(`--set ${key}: unknown key`, { key }))
    if (key in out) return Result.fail(bad(`--set ${key} is given twice`, { key }))
    const check: Check = SET_KEYS[key as SetKey].check
    switch (check.kind) {
      case "text":
        if (!check.pattern.test(value)) return Result.fail(bad(`--set ${key}=${JSON.stringify(value)} is not valid: expected ${check.hint}`, { key, value }))
        out[key] = value
        break
      case "path": {
        if (value === "" || /["`\\\n]/.test(value)) return Result.fail(bad(`--set ${key}=${JSON.stringify(value)} is not a usable path`, { key, value }))
        out[key] = value.startsWith("/") || value.startsWith("$") ? value : path.resolve(cwd, value)
        break
      }
      case "int": {
        const n = Number(value)
        if (!/^\d+$/.test(value) || n < check.min || n > check.max) return Result.fail(bad(`--set ${key}=${JSON.stringify(value)} is not an integer from ${check.min} to ${check.max}`, { key, value }))
        out[key] = String(n)
        break
      }
      case "choice":
        if (!check.choices.includes(value)) return Result.fail(bad(`--set ${key}=${JSON.stringify(value)}: expected one of ${check.choices.join(", ")}`, { key, value }))
        out[key] = value
        break
      case "list":
        if (!/^[A-Za-z0-9_./+,-]*$/.test(value)) return Result.fail(bad(`--set ${key}=${JSON.stringify(value)} is not a comma list of module names`, { key, value }))
        out[key] = value
        break
    }
  }
  return Result.succeed(out as SetValues)
}
