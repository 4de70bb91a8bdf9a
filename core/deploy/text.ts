/** Small formatting helpers shared by the adapters: they format values, they never choose them. */

/**
 * A value inside double quotes in a shell script. `$NAME` stays live on purpose (profiles may write
 * `/scratch/$USER/...`); characters that would end or escape the quotes are refused by the planner's
 * checks, and refused again here.
 */
export const dq = (value: string): string => {
  if (/["`\\\n]/.test(value)) throw new Error(`value cannot be written inside double quotes: ${value}`)
  return `"${value}"`
}

/** Writes `value` relative to the base directory's variable when it lies below the base directory. */
export const relativeToVar = (value: string, base: string, variable: string): string =>
  value.startsWith(base + "/") ? `\${${variable}}${value.slice(base.length)}` : value

/** A comment block: each line prefixed with `# ` (or `#` for an empty line). */
export const comment = (lines: ReadonlyArray<string>, prefix = "#"): string =>
  lines.map((l) => (l === "" ? prefix : `${prefix} ${l}`)).join("\n")

/** A section rule of fixed width, e.g. `# ---- paths ----…`. */
export const rule = (title: string, width = 78): string => {
  const head = `# ---- ${title} `
  return head + "-".repeat(Math.max(4, width - head.length))
}

/** Joins lines and ends the file with exactly one newline. */
export const lines = (...parts: ReadonlyArray<string | ReadonlyArray<string> | false | undefined>): string => {
  const out: string[] = []
  for (const p of parts) {
    if (p === false || p === undefined) continue
    if (typeof p === "string") out.push(p)
    else out.push(...p)
  }
  return out.join("\n").replace(/\n+$/, "") + "\n"
}

/** `HH:MM:SS` to PBS/Slurm stays as is; memory `32G` → PBS `32gb`. */
export const pbsMem = (mem: string): string => mem.replace(/^(\d+)([KMGT])$/, (_m, n: string, u: string) => `${n}${u.toLowerCase()}b`)
