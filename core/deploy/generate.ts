import * as fs from "node:fs"
import * as path from "node:path"
import { Result } from "effect"
import type { PeriogtConfig } from "../config/index.ts"
import type { ValidationError } from "../errors/index.ts"
import type { Adapter, GeneratedFile, PbsDialect } from "./Adapter.ts"
import { makePlan, type DeployPlan } from "./plan.ts"
import { loadProfile } from "./profiles/index.ts"
import { registry } from "./registry.ts"
import { parseSets } from "./sets.ts"

export interface GenerateInputs {
  readonly target: string
  readonly cluster: string
  readonly sets: ReadonlyArray<string>
  readonly outDir: string
  readonly config: PeriogtConfig
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  readonly version: string
  readonly selfBinary: string
  /** PBS only: render PBS Pro's directives instead of Torque's. */
  readonly pbsDialect?: PbsDialect
}

export interface Generated {
  readonly adapter: Adapter
  readonly plan: DeployPlan
  readonly files: ReadonlyArray<GeneratedFile>
}

/** Target + cluster + --set + configuration → the files, without touching the disk. Deterministic. */
export const generate = (i: GenerateInputs): Result.Result<Generated, ValidationError> =>
  Result.gen(function* () {
    const adapter = yield* registry.get(i.target)
    const sets = yield* parseSets(i.sets, i.cwd)
    const profile = yield* loadProfile(i.cluster, i.env)
    const plan = yield* makePlan({
      target: adapter.name,
      clusterArg: i.cluster,
      config: i.config,
      profile,
      sets,
      setItems: i.sets,
      outDir: path.resolve(i.cwd, i.outDir),
      version: i.version,
      selfBinary: i.selfBinary,
    })
    const files = yield* adapter.files({ plan, ...(i.pbsDialect === undefined ? {} : { pbsDialect: i.pbsDialect }) })
    return { adapter, plan, files }
  })

/** Files that exist with other content: overwriting them would lose edits. */
export const conflictingFiles = (outDir: string, files: ReadonlyArray<GeneratedFile>): ReadonlyArray<string> =>
  files
    .map((f) => path.join(outDir, f.path))
    .filter((p, k) => {
      try {
        return fs.readFileSync(p, "utf8") !== files[k]?.content
      } catch {
        return false
      }
    })
