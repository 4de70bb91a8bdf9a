import { Effect } from "effect"
import { runtimeVersions } from "../version/version.ts"
import { writeOut } from "../io/stdout.ts"

export const versionProgram = (o: { readonly json?: boolean }) =>
  Effect.sync(() => {
    const v = runtimeVersions()
    writeOut(o.json === true ? JSON.stringify(v) + "\n" : `periogt ${v.periogt} (bun ${v.bun}, ${v.platform})\n`)
    return 0
  })
