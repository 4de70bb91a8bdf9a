/**
 * `npm run build`: one self-contained Linux x86-64 executable, dist/periogt, with RDKit's WebAssembly
 * and ONNX Runtime's addon and library embedded (they are unpacked into PERIOGT_CACHE_DIR at first use),
 * and the featurization worker's module as a second entry point.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { FEATURIZE_WORKER } from "../core/pipeline/workers/entry.ts"

const ROOT = path.resolve(import.meta.dir, "..")

/** The one compile command, shared with the tests that build the executable. */
export const compileCommand = (outfile: string): Array<string> => [
  "bun",
  "build",
  "--compile",
  "--target=bun-linux-x64",
  "--minify-syntax",
  "--sourcemap=none",
  // unzipper can read archives from S3; periogt never does, and the AWS SDK is not a dependency.
  "--external=@aws-sdk/client-s3",
  // The featurization worker is an entry point of its own; with the root here it is embedded as
  // /$bunfs/root/core/pipeline/workers/featurizeWorker.js, where core/pipeline/workers/entry.ts finds it.
  `--root=${ROOT}`,
  path.join(ROOT, "bin/periogt.ts"),
  path.join(ROOT, FEATURIZE_WORKER),
  "--outfile",
  outfile,
]

if (import.meta.main) {
  fs.mkdirSync(path.join(ROOT, "dist"), { recursive: true })
  const tmp = path.join(ROOT, `dist/.periogt.${process.pid}.tmp`)
  const proc = Bun.spawnSync(compileCommand(tmp), { cwd: ROOT, stdout: "inherit", stderr: "inherit" })
  if (proc.exitCode !== 0) {
    fs.rmSync(tmp, { force: true })
    process.exit(proc.exitCode ?? 1)
  }
  fs.renameSync(tmp, path.join(ROOT, "dist/periogt"))
  const size = fs.statSync(path.join(ROOT, "dist/periogt")).size
  process.stdout.write(`dist/periogt: ${(size / 1024 / 1024).toFixed(0)} MiB\n`)
}
