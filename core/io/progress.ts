import type { Logger } from "../log/Log.ts"

export interface Progress {
  readonly update: (done: number, total: number | undefined) => void
  readonly finish: () => void
}

const human = (n: number, unit: string) =>
  unit === "B"
    ? n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(0)} kB`
    : `${n} ${unit}`

const duration = (s: number) => (!Number.isFinite(s) ? "?" : s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, "0")}s` : `${s.toFixed(0)}s`)

/**
 * Progress on stderr: a redrawn bar with rate and ETA on a terminal; in a job log (not a TTY),
 * one plain log line every `intervalMs`, so Slurm output files stay readable.
 */
export const makeProgress = (label: string, unit: "B" | "rows", log: Logger, options: { readonly tty?: boolean; readonly intervalMs?: number } = {}): Progress => {
  const tty = options.tty ?? process.stderr.isTTY === true
  const interval = options.intervalMs ?? (tty ? 200 : 15_000)
  const start = performance.now()
  let last = 0
  let done = 0
  let total: number | undefined
  const line = () => {
    const elapsed = (performance.now() - start) / 1000
    const rate = done / Math.max(elapsed, 1e-3)
    const eta = total === undefined ? NaN : (total - done) / Math.max(rate, 1e-9)
    const pct = total === undefined || total === 0 ? "" : `${((100 * done) / total).toFixed(1)}% `
    return { text: `${label}: ${pct}${human(done, unit)}${total === undefined ? "" : ` of ${human(total, unit)}`}, ${human(Math.round(rate), unit)}/s, ETA ${duration(eta)}`, pct: total ? done / total : undefined }
  }
  return {
    update: (d, t) => {
      done = d
      total = t
      const now = performance.now()
      if (now - last < interval) return
      last = now
      const l = line()
      if (tty) {
        const width = 24
        const filled = l.pct === undefined ? 0 : Math.round(l.pct * width)
        process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${l.text}\x1b[K`)
      } else log.info(l.text)
    },
    finish: () => {
      if (tty) process.stderr.write("\r\x1b[K")
      const elapsed = (performance.now() - start) / 1000
      log.info(`${label}: done, ${human(done, unit)} in ${duration(elapsed)}`)
    },
  }
}
