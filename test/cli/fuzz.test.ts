import { beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { Cause, Effect, Exit, Layer, Result } from "effect"
import { batchProgram } from "../../core/commands/batch.ts"
import { convertProgram } from "../../core/commands/convert.ts"
import { descriptorsProgram } from "../../core/commands/descriptors.ts"
import { featurizeProgram } from "../../core/commands/featurize.ts"
import { genProgram } from "../../core/commands/gen.ts"
import { embeddingsProgram, predictProgram } from "../../core/commands/predict.ts"
import { versionProgram } from "../../core/commands/version.ts"
import { AppConfig, loadConfig, type SettingKey } from "../../core/config/index.ts"
import { errorCodes, isPeriogtError, toPeriogtError, type PeriogtError } from "../../core/errors/index.ts"
import { redirectStdout } from "../../core/io/stdout.ts"
import { Log, makeLogger } from "../../core/log/index.ts"
import { OnnxRuntimeLive, RDKitRuntimeLive } from "../../core/runtime/services.ts"
import type { AppServices } from "../../bin/main.ts"
import { periogtBinary, tempDir } from "../support/binary.ts"
import { hasStackTrace } from "../support/process.ts"

/**
 * A CLI fuzz test (issue 14): random argument vectors — known and unknown commands and flags, numbers,
 * empty strings, long strings, paths to devices, directories, files under files, missing files — never
 * print a stack trace, exit only with 0, 1 or 2, and on failure print one `{"error": {"code"}}` line with
 * a documented code. Two layers, within a time budget:
 * - the compiled executable, spawned a few hundred times (two at a time): the real parser and runCommand;
 * - the commands' programs in-process, a few thousand times, with random option values and settings as
 *   the parser hands them over (strings, switches): no failure may be `internal_error` ("a bug").
 * Commands that would do heavy or endless work stay out (serve, setup without --skip-download, demo's
 * pipeline); no input is a FIFO or an endless device (/dev/zero), which a reader legitimately waits on.
 * PERIOGT_FUZZ_SEED replays a run; PERIOGT_FUZZ_SECONDS sets each layer's budget (default 30).
 */
const SEED = Number(process.env["PERIOGT_FUZZ_SEED"] ?? Date.now() % 1_000_000)
const BUDGET_MS = 1000 * Number(process.env["PERIOGT_FUZZ_SECONDS"] ?? 30)

const rng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

let dir: string
let paths: Record<string, string>

beforeAll(() => {
  dir = tempDir("fuzz")
  const file = (name: string, content: string | Uint8Array) => {
    const p = path.join(dir, name)
    fs.writeFileSync(p, content)
    return p
  }
  fs.mkdirSync(path.join(dir, "ck"))
  fs.mkdirSync(path.join(dir, "a dir"))
  const fifo = path.join(dir, "out.fifo")
  Bun.spawnSync(["mkfifo", fifo])
  fs.symlinkSync(path.join(dir, "units.csv"), path.join(dir, "link.csv"))
  paths = {
    csv: file("units.csv", "id,smiles\na,*CC*\nb,*CC(C)*\nc,CCO\n"),
    empty: file("empty.csv", ""),
    headerOnly: file("header.csv", "smiles\n"),
    noSmiles: file("nosmiles.csv", "id,name\n1,x\n"),
    binary: file("binary.bin", Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
    toml: file("bad.toml", "device = [\n"),
    goodToml: file("good.toml", 'device = "cpu"\n'),
    dir: path.join(dir, "a dir"),
    fifo,
    link: path.join(dir, "link.csv"),
    underFile: path.join(dir, "units.csv", "x.csv"),
    missing: path.join(dir, "missing", "nothing.csv"),
  }
}, 60_000)

/** Values a user might type anywhere: numbers, empties, odd text, paths of every kind. */
const values = () => [
  "",
  " ",
  "0",
  "1",
  "-1",
  "2",
  "0012",
  "1e3",
  "NaN",
  "99999",
  "abc",
  "*CC*",
  "*CC(C)*",
  "*C(*)C",
  "**",
  "CCO",
  "*c1ccc(*)cc1",
  "*[Si](C)(C)O*",
  "not a smiles",
  "'",
  '"',
  "=",
  "a=b",
  "-",
  "--",
  "é",
  "x".repeat(500),
  "eps",
  "all",
  "eps,tg",
  "json",
  "csv",
  "table",
  "3",
  "9",
  "slurm",
  "modal",
  "cades",
  "/",
  "/dev/null",
  "/dev/full",
  "/proc/self/status",
  // a FIFO only where it is written to (a reader of a FIFO rightly waits for its writer)
  ...Object.entries(paths).filter(([k]) => k !== "fifo").map(([, v]) => v),
]
const outputValues = () => [...values(), paths["fifo"]!]
/** Worker and thread counts stay small: a valid large count would start that many threads. */
const counts = ["", "-1", "abc", "1e3", "99999", "0", "1", "2", "0.5"]

const COMMANDS: Record<string, ReadonlyArray<string>> = {
  predict: ["--smiles", "--property", "--return-embedding", "--format"],
  embeddings: ["--smiles"],
  batch: ["--input", "--property", "--output"],
  featurize: ["--smiles", "--input", "--descriptors"],
  descriptors: ["--smiles", "--input", "--output", "--format", "--oligomer", "--model-input", "--scaler"],
  doctor: ["--json"],
  version: ["--json"],
  convert: [],
  gen: ["--cluster", "--out", "--set", "--force"],
  setup: ["--archives"],
}
const GLOBAL = ["--device", "--threads", "--workers", "--json-logs", "--config", "--checkpoint-dir", "--results-dir", "--base-dir", "--cache-dir"]
const SWITCHES = new Set(["--return-embedding", "--descriptors", "--model-input", "--json", "--force", "--json-logs"])
const UNKNOWN = ["--bogus", "-x", "--smiles.x", "--no-json", "--help-me", "-", "--", "--port", "--host"]

const argvOf = (r: () => number): Array<string> => {
  const pick = <T>(xs: ReadonlyArray<T>): T => xs[Math.floor(r() * xs.length)]!
  const vals = values()
  const names = Object.keys(COMMANDS)
  const roll = r()
  const command = roll < 0.06 ? pick(["", "PREDICT", "serve-me", "help", "foo", "1"]) : pick(names)
  const argv: Array<string> = [command]
  if (command === "gen") argv.push(pick(["slurm", "pbs", "apptainer", "conda", "modal", "", "bogus", "1"]))
  // setup never downloads here: the switch comes first, before any "--" that would end the options
  if (command === "setup") argv.push("--skip-download")
  const flags = [...(COMMANDS[command] ?? []), ...GLOBAL]
  const n = Math.floor(r() * 5)
  for (let i = 0; i < n; i++) {
    const flag = r() < 0.12 ? pick(UNKNOWN) : pick(flags)
    const value = flag === "--workers" || flag === "--threads" ? pick(counts) : flag === "--output" || flag === "--out" ? pick(outputValues()) : pick(vals)
    if (SWITCHES.has(flag)) argv.push(flag)
    else if (r() < 0.1) argv.push(`${flag}=${value}`)
    else if (r() < 0.05) argv.push(flag) // a value missing at the end, or taken from the next flag
    else argv.push(flag, value)
  }
  // the demo pipeline and a server are heavy or endless: neither is started
  return argv.filter((a) => a !== "demo" && a !== "serve")
}

const documented = new Set<string>(errorCodes)

describe("CLI fuzz", () => {
  test(`the executable: random argument vectors exit 0, 1 or 2, never with a stack trace, and fail with a documented error line (seed ${SEED})`, async () => {
    const bin = periogtBinary()
    const r = rng(SEED)
    const env = { PATH: "/usr/bin:/bin", HOME: dir, PERIOGT_CHECKPOINT_DIR: path.join(dir, "ck"), PERIOGT_CACHE_DIR: path.join(dir, "cache"), PERIOGT_RESULTS_DIR: path.join(dir, "results") }
    const problems: Array<string> = []
    let runs = 0
    const until = performance.now() + BUDGET_MS
    const one = async () => {
      while (performance.now() < until && runs < 600) {
        const argv = argvOf(r)
        runs++
        const p = Bun.spawn([bin, ...argv], { env, cwd: dir, stdin: "ignore", stdout: "pipe", stderr: "pipe" })
        const killer = setTimeout(() => p.kill("SIGKILL"), 60_000)
        const [code, stdout, stderr] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()])
        clearTimeout(killer)
        const line = stderr.split("\n").reverse().find((l) => l.startsWith('{"error"'))
        let errorCode: string | undefined
        try {
          errorCode = line === undefined ? undefined : (JSON.parse(line) as { error: { code: string } }).error.code
        } catch {
          errorCode = "unparseable"
        }
        // doctor's exit code is its verdict (FAIL → 2: here no artifacts), its report on stdout
        const doctorVerdict = argv[0] === "doctor" && code === 2 && errorCode === undefined && /FAIL/.test(stdout)
        const bad =
          ![0, 1, 2].includes(code) ? `exit ${code}` : hasStackTrace(stderr) ? "a stack trace" : code === 2 && !doctorVerdict && (errorCode === undefined || !documented.has(errorCode)) ? `exit 2 with error line ${line ?? "(none)"}` : errorCode === "internal_error" && !stderr.includes("standard output") ? "internal_error" : undefined
        if (bad !== undefined) problems.push(`${bad}: periogt ${argv.map((a) => JSON.stringify(a)).join(" ")}\n${stderr.slice(-600)}`)
      }
    }
    await Promise.all([one(), one()])
    console.log(`fuzz (executable): ${runs} runs, seed ${SEED}`)
    expect(problems.slice(0, 5)).toEqual([])
    expect(runs).toBeGreaterThanOrEqual(20)
  }, BUDGET_MS + 180_000)

  test(`the commands in-process: random options and settings end with an exit code or a documented error, never internal_error (seed ${SEED})`, async () => {
    const r = rng(SEED + 1)
    const pick = <T>(xs: ReadonlyArray<T>): T => xs[Math.floor(r() * xs.length)]!
    const maybe = (p = 0.5) => (r() < p ? pick(values()) : undefined)
    const sw = () => (r() < 0.3 ? true : undefined)
    const devnull = fs.openSync("/dev/null", "w")
    redirectStdout(devnull)
    // relative paths (an --output of "eps") land in the fuzz directory, not in the project
    const cwd = process.cwd()
    process.chdir(dir)
    const log = makeLogger({ format: "text", level: "error", write: () => {} })
    const problems: Array<string> = []
    const slowest: Array<[number, string]> = []
    let runs = 0
    const until = performance.now() + BUDGET_MS
    const settingKeys: ReadonlyArray<SettingKey> = ["device", "threads", "workers", "base_dir", "checkpoint_dir", "results_dir", "cache_dir", "host", "port"]
    try {
      while (performance.now() < until && runs < 5000) {
        runs++
        const flags: Partial<Record<SettingKey, string>> = {}
        for (const key of settingKeys) if (r() < 0.15) flags[key] = key === "threads" || key === "workers" ? pick(counts) : pick(values())
        const configFile = r() < 0.05 ? pick([paths["toml"]!, paths["goodToml"]!, paths["dir"]!, paths["missing"]!, paths["binary"]!, ""]) : undefined
        const loaded = loadConfig({
          flags,
          configFile,
          env: { HOME: dir, PERIOGT_CHECKPOINT_DIR: path.join(dir, "ck"), PERIOGT_CACHE_DIR: path.join(dir, "cache"), PERIOGT_RESULTS_DIR: path.join(dir, "results"), PERIOGT_WORKERS: "0" },
        })
        const label = { flags, configFile }
        if (Result.isFailure(loaded)) {
          if (loaded.failure.code !== "validation_error") problems.push(`config: ${loaded.failure.code} ${JSON.stringify(label)}`)
          continue
        }
        const kind = pick(["predict", "embeddings", "batch", "featurize", "descriptors", "descriptors", "gen", "version", "convert"])
        const options: Record<string, unknown> = {}
        let program: Effect.Effect<number, PeriogtError, AppServices>
        switch (kind) {
          case "predict":
            Object.assign(options, { smiles: maybe(0.8), property: maybe(), returnEmbedding: sw(), format: maybe(0.3) })
            program = predictProgram(options)
            break
          case "embeddings":
            Object.assign(options, { smiles: maybe(0.8) })
            program = embeddingsProgram(options)
            break
          case "batch":
            Object.assign(options, { input: maybe(0.8), property: maybe(), output: r() < 0.5 ? pick(outputValues()) : undefined })
            program = batchProgram(options)
            break
          case "featurize":
            Object.assign(options, { smiles: maybe(), input: maybe(0.3), descriptors: r() < 0.1 ? true : undefined })
            program = featurizeProgram(options)
            break
          case "descriptors":
            Object.assign(options, { smiles: maybe(), input: maybe(0.3), output: r() < 0.3 ? pick(outputValues()) : undefined, format: maybe(0.3), oligomer: maybe(0.3), modelInput: sw(), scaler: maybe(0.2) })
            program = descriptorsProgram(options)
            break
          case "gen": {
            // always under the test's directory: a relative --out would land in the test runner's cwd
            const out = path.join(dir, "gen", String(runs), r() < 0.3 ? pick(["x", "units.csv", "a dir"]) : "")
            Object.assign(options, { target: pick(["slurm", "pbs", "apptainer", "conda", "modal", "", "x"]), cluster: maybe(0.4), out, set: r() < 0.3 ? [pick(values()), `${pick(["account", "partition", "time", "x"])}=${pick(values())}`] : undefined, force: sw() })
            program = genProgram(options)
            break
          }
          case "version":
            program = versionProgram({ json: sw() })
            break
          default:
            program = convertProgram()
        }
        // the services runCommand composes (bin/main.ts)
        const base = Layer.mergeAll(Layer.succeed(AppConfig, loaded.success), Layer.succeed(Log, log))
        const services = Layer.mergeAll(base, RDKitRuntimeLive, OnnxRuntimeLive.pipe(Layer.provide(base)))
        const describeRun = () => `${kind} ${JSON.stringify(options)} settings ${JSON.stringify(label)}`
        let watchdog: ReturnType<typeof setTimeout> | undefined
        const began = performance.now()
        const exit = await Promise.race([
          Effect.runPromiseExit(program.pipe(Effect.catchDefect((d) => Effect.fail(toPeriogtError(d))), Effect.provide(services))),
          new Promise<"hung">((resolve) => (watchdog = setTimeout(() => resolve("hung"), 60_000))),
        ])
        clearTimeout(watchdog)
        slowest.push([performance.now() - began, describeRun()])
        slowest.sort((a, b) => b[0] - a[0]).splice(5)
        if (exit === "hung") {
          problems.push(`no answer within 60 s: ${describeRun()}`)
          break
        }
        if (Exit.isSuccess(exit)) {
          if (![0, 1, 2].includes(exit.value)) problems.push(`exit ${exit.value}: ${describeRun()}`)
          continue
        }
        const failure = Cause.findErrorOption(exit.cause)
        const e = failure._tag === "Some" ? failure.value : Cause.squash(exit.cause)
        if (!isPeriogtError(e) || !documented.has(e.code)) problems.push(`not a periogt error (${String(e)}): ${describeRun()}`)
        else if (e.code === "internal_error") problems.push(`internal_error "${e.message}": ${describeRun()}`)
      }
    } finally {
      process.chdir(cwd)
      redirectStdout(1)
      fs.closeSync(devnull)
    }
    console.log(`fuzz (in-process): ${runs} runs, seed ${SEED + 1}; slowest: ${slowest.map(([ms, d]) => `${Math.round(ms)} ms ${d.slice(0, 300)}`).join("\n  ")}`)
    expect(problems.slice(0, 5)).toEqual([])
    expect(runs).toBeGreaterThanOrEqual(200)
  }, BUDGET_MS + 180_000)
})
