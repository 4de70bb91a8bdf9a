import { describe, expect, test } from "bun:test"
import * as path from "node:path"
import { cac } from "cac"
import { checkOptionValues, keepRawValues, OptionError } from "../../bin/options.ts"
import { errorOf, ROOT, run, tempDir } from "../support/binary.ts"

/** A cac CLI declared like bin/periogt.ts, parsed in-process. */
const parse = (argv: ReadonlyArray<string>) => {
  const cli = cac("periogt")
  keepRawValues(cli)
  cli.option("--checkpoint-dir <dir>", "").option("--results-dir <dir>", "").option("--threads <n>", "").option("--json-logs", "")
  cli.command("predict", "").option("--smiles <smiles>", "").option("--property <id>", "").option("--return-embedding", "").option("--format <f>", "", { default: "json" }).action(() => {})
  cli.command("batch", "").option("--input <csv>", "").action(() => {})
  cli.command("gen [target]", "").option("--set <kv>", "").option("--force", "").action(() => {})
  cli.parse(["bun", "periogt", ...argv], { run: false })
  checkOptionValues(cli)
  // What cac checks itself before running the command (bin/periogt.ts: runMatchedCommand).
  cli.matchedCommand?.checkUnknownOptions()
  cli.matchedCommand?.checkOptionValue()
  return { options: cli.options, args: cli.args, matched: cli.matchedCommand !== undefined }
}

const optionError = (argv: ReadonlyArray<string>): OptionError => {
  try {
    parse(argv)
  } catch (e) {
    if (e instanceof OptionError) return e
    throw e
  }
  throw new Error(`no OptionError for ${argv.join(" ")}`)
}

describe("option values arrive exactly as typed", () => {
  test.each([
    [["predict", "--smiles", "123"], "smiles", "123"],
    [["predict", "--property", "1"], "property", "1"],
    [["predict", "--smiles", ""], "smiles", ""],
    [["predict", "--smiles="], "smiles", ""],
    [["predict", "--smiles=0x10"], "smiles", "0x10"],
    [["predict", "--checkpoint-dir", "0012"], "checkpointDir", "0012"],
    [["predict", "--results-dir", "1e3"], "resultsDir", "1e3"],
    [["predict", "--threads", "-1"], "threads", "-1"],
    [["predict", "--threads", " 2"], "threads", " 2"],
    [["batch", "--input", "-"], "input", "-"],
    [["predict", "--format", "Infinity"], "format", "Infinity"],
  ] as const)("%j → %s = %j", (argv, key, value) => {
    expect(parse(argv).options[key]).toBe(value)
  })

  test("switches stay booleans, defaults stay, positionals stay strings, --set repeats", () => {
    const p = parse(["predict", "--return-embedding", "--json-logs", "--smiles", "*C*"])
    expect(p.options["returnEmbedding"]).toBe(true)
    expect(p.options["jsonLogs"]).toBe(true)
    expect(p.options["format"]).toBe("json")
    const g = parse(["gen", "0012", "--set", "port=0012", "--set", "account=1e3", "--force"])
    expect(g.args).toEqual(["0012"])
    expect(g.options["set"]).toEqual(["port=0012", "account=1e3"])
    expect(g.options["force"]).toBe(true)
  })

  test("a repeated single-value option, a repeated switch, a dotted option: errors naming the option", () => {
    const twice = optionError(["predict", "--smiles", "*C*", "--smiles", "*CC*"])
    expect(twice.message).toContain("--smiles was given 2 times")
    expect(twice.details).toEqual({ option: "--smiles", count: 2 })
    expect(optionError(["predict", "--checkpoint-dir", "a", "--checkpoint-dir=b"]).details["option"]).toBe("--checkpoint-dir")
    expect(optionError(["predict", "--return-embedding", "--return-embedding"]).details["option"]).toBe("--return-embedding")
    expect(optionError(["predict", "--smiles.trim", "1"]).details["option"]).toBe("--smiles")
  })
})

describe("option parsing fuzz", () => {
  test("10 000 random argument vectors: a usage error, or every value exactly as typed and every switch a boolean", () => {
    let seed = 14
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 8) % n
    const pick = <T>(xs: ReadonlyArray<T>): T => xs[rand(xs.length)]!
    const valueFlags = ["--smiles", "--property", "--format", "--checkpoint-dir", "--results-dir", "--threads", "--input", "--set"]
    const switches = ["--return-embedding", "--json-logs", "--force"]
    const words = ["", " ", "-", "--", "0", "0012", "1e3", "-1", "0x10", "Infinity", "NaN", "true", "false", "*CC*", "a=b", "é", "--smiles", "-h", "=", "1.50", "null"]
    const valueOf = (key: string) => key.replace(/^--/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
    let parsed = 0
    for (let i = 0; i < 10_000; i++) {
      const argv: Array<string> = [pick(["predict", "batch", "gen", "nothing", "0012"])]
      for (let k = rand(6); k > 0; k--) {
        const r = rand(10)
        if (r < 5) {
          const flag = pick(valueFlags)
          if (rand(3) === 0) argv.push(`${flag}=${pick(words)}`)
          else argv.push(flag, pick(words))
        } else if (r < 7) argv.push(pick(switches))
        else if (r < 8) argv.push(`--unknown-${rand(3)}`)
        else argv.push(pick(words))
      }
      let result: ReturnType<typeof parse>
      try {
        result = parse(argv)
      } catch (e) {
        // Usage errors only: cac's own (unknown option, missing value, unused arguments) or ours.
        expect(e instanceof OptionError || (e as Error).name === "CACError").toBe(true)
        continue
      }
      if (!result.matched) continue // bin/periogt.ts: "unknown command", a usage error
      parsed++
      const typed = new Set(argv.flatMap((a) => [a, a.slice(a.indexOf("=") + 1)]))
      for (const flag of valueFlags) {
        const v = result.options[valueOf(flag)]
        if (v === undefined || v === true) continue
        for (const x of Array.isArray(v) ? v : [v]) {
          expect(typeof x).toBe("string")
          if (!(flag === "--format" && x === "json")) expect(typed.has(x as string)).toBe(true)
        }
      }
      for (const flag of switches) {
        const v = result.options[valueOf(flag)]
        if (v !== undefined) expect(typeof v).toBe("boolean")
      }
      for (const a of result.args) expect(typeof a).toBe("string")
    }
    expect(parsed).toBeGreaterThan(500)
  })
})

describe("the command line (bun bin/periogt.ts)", () => {
  const home = tempDir("options-home")
  const ckpt = tempDir("options-ckpt")
  const periogt = (args: ReadonlyArray<string>) =>
    run(["bun", path.join(ROOT, "bin/periogt.ts"), ...args], { env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home, PERIOGT_CHECKPOINT_DIR: ckpt }, cwd: home })

  test("--smiles 123 and --smiles '' are validation errors about the SMILES, not internal errors", () => {
    const digits = periogt(["predict", "--smiles", "123", "--property", "eps"])
    expect(digits.code).toBe(2)
    expect(errorOf(digits.stderr)).toMatchObject({ code: "validation_error", details: { smiles: "123" } })
    const empty = periogt(["predict", "--smiles", "", "--property", "eps"])
    expect(empty.code).toBe(2)
    expect(errorOf(empty.stderr)).toMatchObject({ code: "validation_error", details: { rule: "empty", smiles: "" } })
  }, 60_000)

  test("a repeated --smiles is a validation_error naming it", () => {
    const r = periogt(["embeddings", "--smiles", "*CC*", "--smiles", "*CC(C)*"])
    expect(r.code).toBe(2)
    expect(errorOf(r.stderr)).toMatchObject({ code: "validation_error", details: { option: "--smiles" } })
    expect(r.stderr).not.toContain("    at ")
  }, 60_000)

  test("--checkpoint-dir 0012 stays ./0012", () => {
    const r = periogt(["predict", "--checkpoint-dir", "0012", "--smiles", "*CC*", "--property", "eps"])
    expect(r.code).toBe(2)
    expect(errorOf(r.stderr)?.code).toBe("checkpoint_missing")
    expect(errorOf(r.stderr)?.message).toContain(path.join(home, "0012", "pretrained_ckpt"))
  }, 60_000)

  test("--version prints periogt's version, not the runtime's Node-compatibility version", () => {
    const r = periogt(["--version"])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^periogt 0\.1\.0 \(bun \d+\.\d+\.\d+, [a-z0-9-]+\)\n$/)
  }, 60_000)

  test("an unknown command prints the JSON error line too", () => {
    const r = periogt(["frobnicate"])
    expect(r.code).toBe(2)
    expect(errorOf(r.stderr)).toMatchObject({ code: "validation_error", details: { command: "frobnicate" } })
  }, 60_000)
})
