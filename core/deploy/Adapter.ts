import type { Result } from "effect"
import type { ValidationError } from "../errors/index.ts"
import type { DeployPlan } from "./plan.ts"

/** One file an adapter produces, relative to the output directory. */
export interface GeneratedFile {
  readonly path: string
  readonly content: string
  /** Unix mode: 0o755 for scripts, 0o644 otherwise. */
  readonly mode: number
}

/** What an adapter is given: the plan (every value, already decided). */
export interface AdapterContext {
  readonly plan: DeployPlan
  /** PBS only: the directives' dialect (Torque's nodes=1:ppn=N, the default, or PBS Pro's select=…); `periogt submit --scheduler pbs` asks for PBS Pro. */
  readonly pbsDialect?: PbsDialect
}

export type PbsDialect = "torque" | "pbspro"

/**
 * A deployment target (slurm, pbs, apptainer, conda, modal). An adapter only formats the plan into
 * files; it never decides a value and never knows another adapter.
 */
export interface Adapter {
  readonly name: string
  readonly description: string
  /** Refuses a plan the target cannot render (e.g. a PBS script for a Slurm-only cluster). */
  readonly files: (context: AdapterContext) => Result.Result<ReadonlyArray<GeneratedFile>, ValidationError>
  /** Lines for stderr after writing: what the user does next. */
  readonly nextSteps: (context: AdapterContext) => ReadonlyArray<string>
}
