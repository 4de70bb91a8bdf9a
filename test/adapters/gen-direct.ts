/**
 * Runs `periogt gen` through the same program and runCommand as bin/periogt.ts, without loading the
 * other commands. Usage: bun test/adapters/gen-direct.ts <target> [--cluster X] [--out DIR] [--set k=v]... [--force]
 * For development and for the tests when the full CLI cannot be loaded.
 */
import { runCommand } from "../../bin/main.ts"
import { genProgram } from "../../core/commands/gen.ts"

const args = process.argv.slice(2)
let target: string | undefined
let cluster: string | undefined
let out: string | undefined
let force = false
const sets: string[] = []
for (let k = 0; k < args.length; k++) {
  const a = args[k]
  if (a === "--cluster") cluster = args[++k]
  else if (a === "--out") out = args[++k]
  else if (a === "--set") sets.push(args[++k] ?? "")
  else if (a === "--force") force = true
  else if (target === undefined) target = a
}
await runCommand({}, genProgram({ target, cluster, out, set: sets, force }), { quietStartup: true })
