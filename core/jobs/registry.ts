import { Result } from "effect"
import { ValidationError } from "../errors/index.ts"
import { SCHEDULERS, type Executor, type SchedulerName } from "./Executor.ts"
import { localExecutor } from "./local/index.ts"
import { pbsExecutor } from "./pbs/index.ts"
import { slurmExecutor } from "./slurm/index.ts"

/** Every executor by name: one folder each under core/jobs. */
export const executorFor = (name: SchedulerName): Executor => {
  switch (name) {
    case "slurm":
      return slurmExecutor()
    case "pbs":
      return pbsExecutor("pbs")
    case "torque":
      return pbsExecutor("torque")
    case "local":
      return localExecutor()
  }
}

export interface Picked {
  readonly name: SchedulerName
  readonly reason: string
}

/** Runs a probe command; its output, or undefined when it cannot run or fails. */
export type Probe = (argv: ReadonlyArray<string>) => { readonly code: number; readonly out: string } | undefined

const probe: Probe = (argv) => {
  if (Bun.which(argv[0]!, { PATH: process.env["PATH"] ?? "" }) === null) return undefined
  try {
    const p = Bun.spawnSync([...argv], { stdout: "pipe", stderr: "pipe", timeout: 15_000 })
    return { code: p.exitCode ?? -1, out: p.stdout.toString() + p.stderr.toString() }
  } catch {
    return undefined
  }
}

/**
 * `--scheduler auto`: Slurm when `sbatch` is on PATH and a controller answers (`scontrol ping`); PBS
 * Pro/OpenPBS or Torque when `qstat --version` says which; else the local executor. The reason says
 * what was found.
 */
export const pickScheduler = (run: Probe = probe): Picked => {
  const notes: string[] = []
  const sbatch = Bun.which("sbatch", { PATH: process.env["PATH"] ?? "" })
  if (sbatch !== null) {
    const ping = run(["scontrol", "ping"])
    if (ping !== undefined && ping.code === 0 && /UP/.test(ping.out)) return { name: "slurm", reason: `sbatch is at ${sbatch} and the Slurm controller answers (scontrol ping: ${ping.out.trim().split("\n")[0]})` }
    notes.push(`sbatch is at ${sbatch}, but no Slurm controller answers scontrol ping${ping === undefined ? "" : ` (${ping.out.trim().split("\n")[0] ?? ""})`}`)
  }
  const qstat = run(["qstat", "--version"])
  if (qstat !== undefined) {
    const text = qstat.out.trim()
    if (/pbs_version/i.test(text)) return { name: "pbs", reason: `qstat --version says ${text.split("\n")[0]}: PBS Pro/OpenPBS` }
    if (/^Version:/im.test(text) || /torque/i.test(text)) return { name: "torque", reason: `qstat --version says ${text.split("\n")[0]}: Torque` }
    notes.push(`qstat --version gave '${text.split("\n")[0] ?? ""}', which names neither PBS Pro nor Torque`)
  }
  if (sbatch === null && qstat === undefined) notes.push("neither sbatch nor qstat is on PATH")
  return { name: "local", reason: `${notes.join("; ")}: running the shards as processes on this machine` }
}

export const parseScheduler = (value: string | undefined): Result.Result<SchedulerName | "auto", ValidationError> => {
  const v = (value ?? "auto").trim().toLowerCase()
  if (v === "auto" || (SCHEDULERS as ReadonlyArray<string>).includes(v)) return Result.succeed(v as SchedulerName | "auto")
  if (v === "openpbs" || v === "pbspro") return Result.succeed("pbs")
  return Result.fail(new ValidationError({ message: `--scheduler ${value}: expected auto, slurm, pbs, torque or local`, action: "pass --scheduler auto to let periogt pick", details: { option: "--scheduler", value } }))
}
