/**
 * `npm run build`: one self-contained Linux x86-64 executable, dist/periogt, with RDKit's WebAssembly
 * and ONNX Runtime's addon and library embedded (they are unpacked into PERIOGT_CACHE_DIR at first use).
 */
import * as fs from "node:fs"

fs.mkdirSync("dist", { recursive: true })
const tmp = `dist/.periogt.${process.pid}.tmp`
const proc = Bun.spawnSync(
  ["bun", "build", "--compile", "--target=bun-linux-x64", "--minify-syntax", "--sourcemap=none", "bin/periogt.ts", "--outfile", tmp],
  { stdout: "inherit", stderr: "inherit" },
)
if (proc.exitCode !== 0) {
  fs.rmSync(tmp, { force: true })
  process.exit(proc.exitCode ?? 1)
}
fs.renameSync(tmp, "dist/periogt")
const size = fs.statSync("dist/periogt").size
process.stdout.write(`dist/periogt: ${(size / 1024 / 1024).toFixed(0)} MiB\n`)
