/**
 * Option values exactly as typed. cac parses with mri, which turns every value that looks like a
 * number into one (`--smiles 123` → 123, `--checkpoint-dir 0012` → 12, `--results-dir 1e3` → 1000,
 * `--smiles ''` → 0) and a repeated option into an array. `keepRawValues` marks each value token
 * before mri sees it (a NUL byte first: no argv string can hold one, and no number starts with it)
 * and removes the mark from what mri returns; `checkOptionValues` then refuses what a command cannot
 * take: a single-value option given twice (only `--set` repeats), a dotted option (`--smiles.x`), a
 * value where a switch is expected.
 */
import type { CAC, Command } from "cac"

const MARK = "\u0000"

/** Options that may be given more than once (each value kept, in order). */
const REPEATABLE = new Set(["set"])

type CacOption = Command["options"][number]

const optionsOf = (cli: CAC, command: Command | undefined): ReadonlyArray<CacOption> => [
  ...cli.globalCommand.options,
  ...(command?.options ?? []),
]

/** `--checkpoint-dir` → the option declared for it (any of its names, in cac's camelCase). */
const findOption = (options: ReadonlyArray<CacOption>, flag: string): CacOption | undefined => {
  const name = flag.replace(/^-{1,2}/, "").replace(/([a-z])-([a-z])/g, (_, a: string, b: string) => a + b.toUpperCase())
  return options.find((o) => o.names.includes(name))
}

/** Marks every token that is a value (never an option), so mri keeps it a string. */
export const markValues = (argv: ReadonlyArray<string>, options: ReadonlyArray<CacOption>): Array<string> => {
  const out: Array<string> = []
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!
    if (token === "--") return out.concat(argv.slice(i))
    if (!token.startsWith("-")) {
      out.push(MARK + token)
      continue
    }
    const eq = token.indexOf("=")
    const option = token.startsWith("--") ? findOption(options, eq === -1 ? token : token.slice(0, eq)) : undefined
    if (option?.isBoolean === true) {
      out.push(token)
      // mri lets a switch swallow the next word, keeping only "true" / "false"; any other word goes back to the arguments.
      const next = argv[i + 1]
      if (eq === -1 && next !== undefined && !next.startsWith("-") && next !== "true" && next !== "false") {
        out.push(MARK + next)
        i++
      }
      continue
    }
    if (option === undefined && !token.startsWith("--")) {
      out.push(token) // short options (-h, -v): switches
      continue
    }
    // A value option, or an unknown long one (cac refuses it; its value, if any, stays a string meanwhile).
    if (eq !== -1) {
      out.push(token.slice(0, eq + 1) + MARK + token.slice(eq + 1))
      continue
    }
    out.push(token)
    // A value option takes the next token as its value, whatever it looks like ("-", "-1", ""), unless it is another long option.
    const next = argv[i + 1]
    if (next !== undefined && !next.startsWith("--")) {
      out.push(MARK + next)
      i++
    }
  }
  return out
}

const unmark = (v: unknown): unknown => {
  if (typeof v === "string") return v.startsWith(MARK) ? v.slice(MARK.length) : v
  if (Array.isArray(v)) return v.map(unmark)
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unmark(x)]))
  return v
}

/** Wraps the cac instance's mri call so that values arrive as typed. Call before `cli.parse`. */
type Mri = (argv: Array<string>, command?: Command) => { args: ReadonlyArray<string>; options: Record<string, unknown> }

export const keepRawValues = (cli: CAC): void => {
  // cac declares mri private; it is the one place every parse goes through.
  const target = cli as unknown as { mri: Mri }
  const original = target.mri.bind(cli)
  target.mri = (argv, command) => {
    const parsed = original(markValues(argv, optionsOf(cli, command)), command)
    return { args: unmark(parsed.args) as ReadonlyArray<string>, options: unmark(parsed.options) as Record<string, unknown> }
  }
}

/** A usage error: exit 2 with validation_error naming the option. */
export class OptionError extends Error {
  constructor(
    message: string,
    readonly action: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message)
  }
}

/**
 * After cac's parse: every value option holds one string (`--set`: one or more), every switch a
 * boolean. Throws OptionError naming the first option that does not.
 */
export const checkOptionValues = (cli: CAC): void => {
  const command = cli.matchedCommand
  const options = optionsOf(cli, command)
  for (const [key, value] of Object.entries(cli.options)) {
    if (key === "--") continue
    const option = options.find((o) => o.names.includes(key))
    if (option === undefined) continue // cac reports unknown options itself
    const flag = `--${option.rawName.replace(/^.*--/, "").replace(/[\s<[].*$/, "")}`
    const given = Array.isArray(value) ? value : [value]
    if (given.length > 1 && !REPEATABLE.has(option.name)) {
      throw new OptionError(`${flag} was given ${given.length} times; only --set may be repeated`, `give ${flag} once`, { option: flag, count: given.length })
    }
    for (const v of given) {
      if (option.isBoolean === true) {
        if (typeof v !== "boolean") throw new OptionError(`${flag} is a switch and takes no value (got ${JSON.stringify(v)})`, `write ${flag} alone`, { option: flag })
      } else if (typeof v !== "string") {
        // `true`: no value followed it (cac says so itself); an object: `--name.key`, which periogt has none of.
        if (v === true) continue
        throw new OptionError(`${flag} takes a plain value (got ${JSON.stringify(v)})`, `write ${flag} <value>`, { option: flag })
      }
    }
  }
}
