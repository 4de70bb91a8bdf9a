import { Result } from "effect"
import { apptainerAdapter } from "../../adapters/apptainer/index.ts"
import { condaAdapter } from "../../adapters/conda/index.ts"
import { modalAdapter } from "../../adapters/modal/index.ts"
import { oodAdapter } from "../../adapters/ood/index.ts"
import { pbsAdapter } from "../../adapters/pbs/index.ts"
import { slurmAdapter } from "../../adapters/slurm/index.ts"
import { ValidationError } from "../errors/index.ts"
import type { Adapter } from "./Adapter.ts"

/**
 * The adapter registry: target name → adapter. Built-in adapters are registered here; a new target is
 * one folder under adapters/ plus one line below. Registering a name twice is a programming error.
 */
export class AdapterRegistry {
  private readonly byName = new Map<string, Adapter>()

  register(adapter: Adapter): this {
    if (this.byName.has(adapter.name)) throw new Error(`adapter ${adapter.name} is registered twice`)
    this.byName.set(adapter.name, adapter)
    return this
  }

  names(): ReadonlyArray<string> {
    return [...this.byName.keys()]
  }

  get(name: string): Result.Result<Adapter, ValidationError> {
    const a = this.byName.get(name)
    if (a !== undefined) return Result.succeed(a)
    return Result.fail(
      new ValidationError({
        message: name === "" ? "gen needs a target" : `unknown target '${name}'`,
        action: `use one of: ${this.names().join(", ")}, e.g. periogt gen slurm --cluster explorer`,
        details: { target: name, targets: this.names() },
      }),
    )
  }
}

export const registry = new AdapterRegistry()
  .register(slurmAdapter)
  .register(pbsAdapter)
  .register(apptainerAdapter)
  .register(condaAdapter)
  .register(modalAdapter)
  .register(oodAdapter)
