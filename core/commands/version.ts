import { Effect } from "effect"
import { runtimeVersions } from "../version/version.ts"

export const versionProgram = (o: { readonly json?: boolean }) =>
  Effect.sync(() => {
    const v = runtimeVersions()
    process.stdout.write(o.json === true ? JSON.stringify(v) + "\n" : `periogt ${v.periogt} (bun ${v.bun}, ${v.platform})\n`)
    return 0
  })
