import * as fs from "node:fs"

/**
 * Waits for a condition (a file, a log line, a journal entry) instead of sleeping a fixed time:
 * polls every `everyMs` until it holds, or fails after `timeoutMs` saying what was awaited.
 */
export const waitFor = async (ready: () => boolean | Promise<boolean>, timeoutMs = 60_000, what = "the condition", everyMs = 20): Promise<void> => {
  const until = performance.now() + timeoutMs
  while (!(await ready())) {
    if (performance.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** Reads a child's stream into `into.text` as it comes; resolves when `marker` appears (or the stream ends). */
export const readUntil = async (stream: ReadableStream<Uint8Array>, marker: string | RegExp, into: { text: string } = { text: "" }): Promise<{ text: string; found: boolean; rest: Promise<string> }> => {
  const reader = stream.getReader()
  const decoder = new TextDecoder()
  const has = () => (typeof marker === "string" ? into.text.includes(marker) : marker.test(into.text))
  while (!has()) {
    const { value, done } = await reader.read()
    if (done) return { text: into.text, found: false, rest: Promise.resolve(into.text) }
    into.text += decoder.decode(value, { stream: true })
  }
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return into.text
      into.text += decoder.decode(value, { stream: true })
    }
  })()
  return { text: into.text, found: true, rest }
}

/** The last committed row count in a batch journal (`<output>.progress`), 0 when none yet. */
export const committedRows = (journal: string): number => {
  let text = ""
  try {
    text = fs.readFileSync(journal, "utf8")
  } catch {
    return 0
  }
  let rows = 0
  for (const line of text.split("\n").slice(1)) {
    try {
      const c = JSON.parse(line) as { rows?: number }
      if (typeof c.rows === "number") rows = c.rows
    } catch {}
  }
  return rows
}

/** A JavaScript stack trace in a process's stderr (Bun's "    at f (file:1:2)" frames). */
export const hasStackTrace = (stderr: string): boolean => /^\s+at .*(\(|:\d+)/m.test(stderr) || /^error: .*\n\s+at /m.test(stderr)

/**
 * A command prefix that runs a program as an ordinary user (nobody), so permissions apply: `setpriv`
 * when the tests run as root; nothing when they already run as an ordinary user; undefined when neither
 * is possible.
 */
export const unprivileged: ReadonlyArray<string> | undefined = (() => {
  if (process.getuid?.() !== 0) return []
  const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => fs.existsSync(p))
  return setpriv === undefined ? undefined : [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
})()
