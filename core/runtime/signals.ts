/**
 * One path for SIGTERM and SIGINT in every command. The executable arms the default as it starts
 * (armSignals.ts) and `runCommand` points it at the command's Effect fiber, so from before any model
 * loads, the first signal interrupts that fiber —
 * its finalizers run (worker threads end, locks are released, temporary files removed) and the command
 * exits 2 with a message saying what was stopped. A command that can stop more gracefully at some
 * point (batch commits the chunk at hand; descriptors removes its temporary output) takes the signal
 * over with `onStopSignal` while it can; serve drains its requests with its own listener. While a
 * command's own listener is registered, the default stands aside. A second signal ends the process at
 * once (exit 2; exit hooks such as lock removal still run).
 */
import { EXIT } from "../errors/index.ts"

export const STOP_SIGNALS = ["SIGTERM", "SIGINT"] as const
export type StopSignal = (typeof STOP_SIGNALS)[number]

let received: StopSignal | undefined

/** The first stop signal this process received, if any. */
export const stopSignalReceived = (): StopSignal | undefined => received

let target: { readonly interrupt: (signal: StopSignal) => void; readonly warn: (message: string) => void } | undefined
let armed = false

const defaultHandler = (signal: StopSignal) => {
  // Another listener (the command's own, or serve's) handles it.
  if (process.listenerCount(signal) > 1) return
  if (received !== undefined) {
    ;(target?.warn ?? ((m: string) => process.stderr.write(`periogt: ${m}\n`)))(`${signal} again: stopping now`)
    process.exit(EXIT.fatal)
  }
  received = signal
  if (target !== undefined) return target.interrupt(signal)
  // No command is running yet (the executable is still starting): nothing to clean up.
  process.stderr.write(`periogt: ${signal}: stopped before the command started\n`)
  process.exit(EXIT.fatal)
}

/**
 * Installs the default handler; done as the executable starts (core/runtime/armSignals.ts, the first
 * import of bin/periogt.ts), so no moment of a run is left to the signal's default action (exit 143).
 */
export const armStopSignals = (): void => {
  if (armed) return
  armed = true
  for (const s of STOP_SIGNALS) process.on(s, defaultHandler)
}

/**
 * The running command: the default handler interrupts it through `interrupt` on the first signal, and
 * exits 2 on the next. Returns the function that unsets it.
 */
export const setStopTarget = (interrupt: (signal: StopSignal) => void, warn: (message: string) => void): (() => void) => {
  armStopSignals()
  const mine = { interrupt, warn }
  target = mine
  if (received !== undefined) interrupt(received)
  return () => {
    if (target === mine) target = undefined
  }
}

/**
 * A command's own handling of the first SIGTERM/SIGINT (e.g. "finish the chunk, commit, stop") while it
 * is registered; a second signal runs `onAgain` (synchronous clean-up) and exits 2 at once. Returns the
 * function that unregisters it.
 */
export const onStopSignal = (handler: (signal: StopSignal) => void, onAgain?: (signal: StopSignal) => void): (() => void) => {
  const listener = (signal: StopSignal) => {
    if (received !== undefined) {
      onAgain?.(signal)
      process.exit(EXIT.fatal)
    }
    received = signal
    handler(signal)
  }
  for (const s of STOP_SIGNALS) process.on(s, listener)
  return () => {
    for (const s of STOP_SIGNALS) process.off(s, listener)
  }
}
