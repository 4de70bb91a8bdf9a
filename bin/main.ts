import { Cause, Effect, Exit, Layer, Result } from "effect"
import { AppConfig, describeSource, loadConfig, pathSettings, type PeriogtConfig, type SettingKey } from "../core/config/index.ts"
import { EXIT, errorBody, toPeriogtError, type PeriogtError } from "../core/errors/index.ts"
import { Log, makeLogger, type Logger } from "../core/log/index.ts"
import { OnnxRuntimeLive, OnnxRuntimeService, RDKitRuntime, RDKitRuntimeLive } from "../core/runtime/services.ts"
import { setStopTarget, stopSignalReceived } from "../core/runtime/signals.ts"

/** Options every command accepts. */
export interface GlobalOptions {
  readonly device?: string
  readonly jsonLogs?: boolean
  readonly config?: string
  readonly threads?: string | number
  readonly workers?: string | number
  readonly baseDir?: string
  readonly checkpointDir?: string
  readonly resultsDir?: string
  readonly cacheDir?: string
  readonly host?: string
  readonly port?: string | number
}

/** The services every command program may use; composed here, once. */
export type AppServices = AppConfig | Log | RDKitRuntime | OnnxRuntimeService

const flagsOf = (g: GlobalOptions): Partial<Record<SettingKey, string>> => {
  const flags: Partial<Record<SettingKey, string>> = {}
  if (g.device !== undefined) flags.device = String(g.device)
  if (g.threads !== undefined) flags.threads = String(g.threads)
  if (g.workers !== undefined) flags.workers = String(g.workers)
  if (g.baseDir !== undefined) flags.base_dir = String(g.baseDir)
  if (g.checkpointDir !== undefined) flags.checkpoint_dir = String(g.checkpointDir)
  if (g.resultsDir !== undefined) flags.results_dir = String(g.resultsDir)
  if (g.cacheDir !== undefined) flags.cache_dir = String(g.cacheDir)
  if (g.host !== undefined) flags.host = String(g.host)
  if (g.port !== undefined) flags.port = String(g.port)
  if (g.jsonLogs === true) flags.log_format = "json"
  return flags
}

/** Errors go to stderr in the Python backend's shape `{"error": {...}}`, after a readable line in text mode. */
export const reportError = (log: Logger, e: PeriogtError, jsonLogs: boolean) => {
  if (e.code === "internal_error" && e.cause !== undefined) {
    log.debug("internal error cause", { cause: e.cause instanceof Error ? e.cause.stack : String(e.cause) })
  }
  if (jsonLogs) {
    log.error(e.message, { code: e.code, action: e.action, details: e.details })
  } else {
    log.error(`${e.code}: ${e.message}`)
    if (e.action !== undefined) log.error(`  what to do: ${e.action}`)
  }
  process.stderr.write(JSON.stringify({ error: errorBody(e) }) + "\n")
}

const logStartup = (log: Logger, config: PeriogtConfig) => {
  if (config.configFile !== undefined) log.info("config file", { path: config.configFile })
  for (const [key, setting] of pathSettings(config)) log.info(`${key} ${setting.value}`, { from: describeSource(setting.source) })
  log.debug("device request", { device: config.device.value, from: describeSource(config.device.source) })
}

/**
 * Runs one command: resolve the configuration, log it, run the program with the app's services,
 * turn every failure into its code and exit code. Nothing escapes as a stack trace.
 */
export const runCommand = async (
  globals: GlobalOptions,
  program: Effect.Effect<number, PeriogtError, AppServices>,
  options: {
    readonly quietStartup?: boolean
    /** Said when SIGTERM/SIGINT stops the command, e.g. how to resume. */
    readonly stopMessage?: string
  } = {},
): Promise<never> => {
  const bootLog = makeLogger({ format: globals.jsonLogs === true || process.env["PERIOGT_LOG_FORMAT"] === "json" ? "json" : "text", level: "info" })
  const loaded = loadConfig({ flags: flagsOf(globals), configFile: globals.config })
  if (Result.isFailure(loaded)) {
    reportError(bootLog, loaded.failure, globals.jsonLogs === true)
    return process.exit(EXIT.fatal)
  }
  const config = loaded.success
  const log = makeLogger({ format: config.logFormat.value, level: config.logLevel.value })
  if (options.quietStartup !== true) logStartup(log, config)
  const base = Layer.mergeAll(Layer.succeed(AppConfig, config), Layer.succeed(Log, log))
  // RDKit and ONNX Runtime load on first use, once per process (core/runtime/services.ts)
  const services = Layer.mergeAll(base, RDKitRuntimeLive, OnnxRuntimeLive.pipe(Layer.provide(base)))
  // SIGTERM/SIGINT from here on (model loading included) interrupt the program: its finalizers run,
  // then it exits 2 with a message (core/runtime/signals.ts; batch and descriptors stop more gently).
  const fiber = Effect.runFork(
    program.pipe(
      Effect.catchDefect((defect) => Effect.fail(toPeriogtError(defect))),
      Effect.provide(services),
    ),
  )
  const removeSignals = setStopTarget(
    (signal) => {
      log.warn(`${signal}: stopping`)
      fiber.interruptUnsafe()
    },
    (m) => log.warn(m),
  )
  const exit = await new Promise<Exit.Exit<number, PeriogtError>>((resolve) => fiber.addObserver(resolve))
  removeSignals()
  if (Exit.isSuccess(exit)) return process.exit(exit.value)
  if (Cause.hasInterruptsOnly(exit.cause)) {
    log.error(`stopped by ${stopSignalReceived() ?? "an interruption"} before the command finished${options.stopMessage === undefined ? "" : `; ${options.stopMessage}`}`)
    return process.exit(EXIT.fatal)
  }
  const failure = Cause.findErrorOption(exit.cause)
  const error = failure._tag === "Some" ? failure.value : toPeriogtError(Cause.squash(exit.cause))
  reportError(log, error, config.logFormat.value === "json")
  return process.exit(error.exitCode)
}
