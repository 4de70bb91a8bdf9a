import type { LogFormat, LogLevel } from "../config/settings.ts"

/**
 * periogt's logger: stderr only (stdout carries results), readable text by default, JSON lines for
 * log collectors. Plain functions, not an Effect logger, so worker threads, the server and the
 * start-up path before the configuration exists all log the same way.
 */
export interface Logger {
  readonly debug: (message: string, fields?: Record<string, unknown>) => void
  readonly info: (message: string, fields?: Record<string, unknown>) => void
  readonly warn: (message: string, fields?: Record<string, unknown>) => void
  readonly error: (message: string, fields?: Record<string, unknown>) => void
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/** Field names whose values are never written, whatever the caller passes. */
const SECRET_FIELD = /key|token|secret|password|authorization/i

const scrub = (fields: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(fields)) out[k] = SECRET_FIELD.test(k) && v !== undefined && v !== false ? "<redacted>" : v
  return out
}

const formatValue = (v: unknown): string => {
  if (typeof v === "string") return /[\s"=]/.test(v) ? JSON.stringify(v) : v
  if (v instanceof Error) return JSON.stringify(v.message)
  return JSON.stringify(v) ?? String(v)
}

export const makeLogger = (options: {
  readonly format: LogFormat
  readonly level: LogLevel
  readonly write?: (line: string) => void
}): Logger => {
  const write = options.write ?? ((line: string) => void process.stderr.write(line + "\n"))
  const min = RANK[options.level]
  const emit = (level: LogLevel) => (message: string, fields: Record<string, unknown> = {}) => {
    if (RANK[level] < min) return
    const safe = scrub(fields)
    if (options.format === "json") {
      write(JSON.stringify({ time: new Date().toISOString(), level, message, ...safe }, (_k, v) => (v instanceof Error ? v.message : v)))
    } else {
      const tail = Object.entries(safe)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${formatValue(v)}`)
        .join(" ")
      write(`periogt ${level.padEnd(5)} ${message}${tail === "" ? "" : "  " + tail}`)
    }
  }
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") }
}
