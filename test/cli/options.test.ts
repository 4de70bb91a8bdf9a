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
  return { options: cli.options, args: cli.args }
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
  })

  test("a repeated --smiles is a validation_error naming it", () => {
    const r = periogt(["embeddings", "--smiles", "*CC*", "--smiles", "*CC(C)*"])
    expect(r.code).toBe(2)
    expect(errorOf(r.stderr)).toMatchObject({ code: "validation_error", details: { option: "--smiles" } })
    expect(r.stderr).not.toContain("    at ")
  })

  test("--checkpoint-dir 0012 stays ./0012", () => {
    const r = periogt(["predict", "--checkpoint-dir", "0012", "--smiles", "*CC*", "--property", "eps"])
    expect(r.code).toBe(2)
    expect(errorOf(r.stderr)?.code).toBe("checkpoint_missing")
    expect(errorOf(r.stderr)?.message).toContain(path.join(home, "0012", "pretrained_ckpt"))
  })

  test("--version prints periogt's version, not the runtime's Node-compatibility version", () => {
    const r = periogt(["--version"])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^periogt 0\.1\.0 \(bun \d+\.\d+\.\d+, [a-z0-9-]+\)\n$/)
  })

  test("an unknown command prints the JSON error line too", () => {
    const r = periogt(["frobnicate"])
    expect(r.code).toBe(2)
    expect(errorOf(r.stderr)).toMatchObject({ code: "validation_error", details: { command: "frobnicate" } })
  })
})
