import * as fs from "node:fs"
import { Deferred, Effect, Result, Schedule } from "effect"
import { artifactLayout, requireArtifacts } from "../artifacts/index.ts"
import { AppConfig } from "../config/index.ts"
import { EXIT, ValidationError, type PeriogtError } from "../errors/index.ts"
import { pickScheduler } from "../jobs/registry.ts"
import { Log } from "../log/index.ts"
import { onStopSignal } from "../runtime/signals.ts"
import { PERIOGT_VERSION } from "../version/version.ts"
import { BridgeHub, bridgeHubLayer, hubReasonOf } from "../bridge/client/client.ts"
import { loadBridgeConfig, readSecret, type BridgeConfig } from "../bridge/daemon/config.ts"
import { cycle, recover, register, type Bridge, type Tracked } from "../bridge/daemon/daemon.ts"
import { PROCESSOR } from "../bridge/daemon/plan.ts"
import { lockStateDir, readState } from "../bridge/daemon/state.ts"

/**
 * `periogt bridge run|once|register|check`: the head-node side of MOLGENIS EMX2's HPC protocol. It
 * only calls out to the hub (register, heartbeat, poll, claim, transitions, artifacts); the cluster's
 * work is `periogt submit` of the staged CSV, followed with one scheduler query per cycle.
 */
export interface BridgeOptions {
  readonly action?: string
  readonly simulate?: boolean
  readonly json?: boolean
}

const ACTIONS = ["run", "once", "register", "check"] as const

const fromResult = <A, E>(r: Result.Result<A, E>): Effect.Effect<A, E> => (Result.isSuccess(r) ? Effect.succeed(r.success) : Effect.fail(r.failure))

/** A misconfiguration the next cycle will not fix: the bridge stops instead of retrying forever. */
const fatalHub = (e: PeriogtError) => hubReasonOf(e) === "hub_auth_failed" || hubReasonOf(e) === "hub_forbidden"

const runDaemon = (config: BridgeConfig, simulate: boolean, once: boolean) =>
  Effect.scoped(
    Effect.gen(function* () {
      const app = yield* AppConfig
      const log = yield* Log
      yield* lockStateDir(config.stateDir)
      const state = yield* fromResult(readState(config.stateDir, config.workerId))
      let stopping = false
      const stop = yield* Deferred.make<void>()
      // The first SIGTERM/SIGINT stops taking work; the cycle at hand finishes (scheduler jobs go on running).
      const removeSignal = onStopSignal((signal) => {
        stopping = true
        log.warn(`${signal}: the bridge takes no more work and stops after this cycle; scheduler jobs keep running and are followed again at the next start`)
        Deferred.doneUnsafe(stop, Effect.void)
      })
      yield* Effect.addFinalizer(() => Effect.sync(removeSignal))
      const b: Bridge = {
        config,
        app,
        hub: yield* BridgeHub,
        log,
        simulate,
        jobs: state.jobs.map((j) => ({ ...j }) as Tracked),
        stopping: () => stopping,
        registered: false,
        lastHeartbeat: 0,
      }
      log.info(`bridge ${config.workerId}: hub ${config.hubUrl}, state ${config.stateDir}, ${b.jobs.length} tracked job(s)${simulate ? ", --simulate: no scheduler, no periogt runs" : ""}`)
      const registered = yield* register(b).pipe(Effect.result)
      if (Result.isFailure(registered)) {
        if (once || fatalHub(registered.failure)) return yield* Effect.fail(registered.failure)
        log.warn(`cannot register yet (${registered.failure.message}); trying again every cycle`)
      }
      if (b.registered) yield* recover(b).pipe(Effect.catch((e) => Effect.sync(() => log.warn(`cannot look for this worker's jobs on the hub: ${e.message}`))))
      if (once) {
        yield* cycle(b)
        log.info(`bridge once: ${b.jobs.length} job(s) still tracked`)
        process.stdout.write(JSON.stringify({ worker_id: config.workerId, tracked: b.jobs.map((j) => ({ id: j.id, phase: j.phase, hub_status: j.hub_status })) }) + "\n")
        return EXIT.success
      }
      // A cycle is never cut in half by a stop: it runs uninterruptibly, and the stop ends the wait between two.
      const loop = Effect.repeat(Effect.uninterruptible(cycle(b)), Schedule.spaced(`${Math.round(config.pollSeconds * 1000)} millis`))
      yield* Effect.raceFirst(loop.pipe(Effect.asVoid), Deferred.await(stop))
      log.info(`bridge stopped; ${b.jobs.length} job(s) tracked in ${config.stateDir}`)
      return EXIT.success
    }),
  )

interface Check {
  readonly name: string
  readonly ok: boolean
  readonly warn?: boolean
  readonly detail: string
  /** A failure's `details.reason` (secret_file_permissions, hub_unreachable, hub_auth_failed, …). */
  readonly reason?: string
}

const hubOptions = (config: BridgeConfig, secret: string) => ({ baseUrl: config.hubUrl, workerId: config.workerId, secret, timeoutMs: config.requestTimeoutSeconds * 1000 })

const reasonOf = (e: PeriogtError) => (hubReasonOf(e) === undefined ? {} : { reason: hubReasonOf(e)! })

const checkProgram = (config: BridgeConfig, json: boolean) =>
  Effect.gen(function* () {
    const log = yield* Log
    const checks: Check[] = [{ name: "config", ok: true, detail: `${config.file}: hub ${config.hubUrl}, worker ${config.workerId}, profiles ${config.profiles.map((p) => p.name).join(", ")}` }]
    const secret = readSecret(config.secretFile)
    checks.push(Result.isSuccess(secret) ? { name: "secret", ok: true, detail: `${config.secretFile}: mode 0600, ${secret.success.length} characters` } : { name: "secret", ok: false, detail: `${secret.failure.message}; ${secret.failure.action ?? ""}`, ...reasonOf(secret.failure) })
    try {
      fs.mkdirSync(config.stateDir, { recursive: true, mode: 0o700 })
      fs.accessSync(config.stateDir, fs.constants.W_OK)
      checks.push({ name: "state_dir", ok: true, detail: `${config.stateDir} is writable` })
    } catch (e) {
      checks.push({ name: "state_dir", ok: false, detail: `${config.stateDir}: ${(e as Error).message}` })
    }
    if (Result.isSuccess(secret)) {
      const hub = yield* BridgeHub.pipe(Effect.provide(bridgeHubLayer(hubOptions(config, secret.success))))
      const health = yield* hub.health().pipe(Effect.result)
      checks.push(Result.isSuccess(health) ? { name: "hub", ok: true, detail: `${config.hubUrl} answers` } : { name: "hub", ok: false, detail: health.failure.message, ...reasonOf(health.failure) })
      if (Result.isSuccess(health)) {
        // A signed read: the hub checks the worker's credentials without anything changing there.
        const auth = yield* hub.listJobs({ status: "PENDING", processor: PROCESSOR, limit: 1 }).pipe(Effect.result)
        checks.push(Result.isSuccess(auth) ? { name: "auth", ok: true, detail: `the hub accepts worker ${config.workerId}'s signature (${auth.success.total_count} pending ${PROCESSOR} job(s))` } : { name: "auth", ok: false, detail: auth.failure.message, ...reasonOf(auth.failure) })
      }
    }
    // The jobs' `periogt submit` refuses to run without them; said here so that it is not learnt from a failed job.
    const app = yield* AppConfig
    const artifacts = requireArtifacts(artifactLayout(app.checkpointDir.value))
    checks.push(Result.isSuccess(artifacts) ? { name: "artifacts", ok: true, detail: `${app.checkpointDir.value}: ready` } : { name: "artifacts", ok: true, warn: true, detail: `${artifacts.failure.message} (jobs will fail with submission_error until periogt setup has run; ignore if the jobs' container sees another checkpoint_dir)` })
    for (const p of config.profiles) {
      if (p.scheduler === "local") {
        checks.push({ name: `scheduler:${p.name}`, ok: true, detail: "local: the jobs run as processes on this node" })
        continue
      }
      const picked = pickScheduler()
      if (p.scheduler === "auto") checks.push({ name: `scheduler:${p.name}`, ok: true, warn: picked.name === "local", detail: `auto → ${picked.name}: ${picked.reason}` })
      else checks.push({ name: `scheduler:${p.name}`, ok: picked.name === p.scheduler, detail: picked.name === p.scheduler ? `${p.scheduler}: ${picked.reason}` : `${p.scheduler} was asked for, but ${picked.reason}` })
    }
    for (const c of checks) log[c.ok ? (c.warn === true ? "warn" : "info") : "error"](`${c.ok ? (c.warn === true ? "WARN" : "PASS") : "FAIL"} ${c.name}: ${c.detail}`)
    const failed = checks.filter((c) => !c.ok).length
    const warned = checks.filter((c) => c.ok && c.warn === true).length
    if (json) process.stdout.write(JSON.stringify({ worker_id: config.workerId, version: PERIOGT_VERSION, ok: failed === 0, checks }) + "\n")
    return failed > 0 ? EXIT.fatal : warned > 0 ? EXIT.partial : EXIT.success
  })

export const bridgeProgram = (o: BridgeOptions) =>
  Effect.gen(function* () {
    const app = yield* AppConfig
    const action = o.action ?? "run"
    if (!(ACTIONS as ReadonlyArray<string>).includes(action)) {
      return yield* new ValidationError({ message: `periogt bridge ${action}: expected run, once, register or check`, action: "periogt bridge run --config periogt.toml (README: The bridge on a head node)", details: { action } })
    }
    const config = yield* fromResult(loadBridgeConfig(app.configFile, process.env, app.baseDir.value))
    if (action === "check") return yield* checkProgram(config, o.json === true)
    const secret = yield* fromResult(readSecret(config.secretFile))
    const work =
      action === "register"
        ? Effect.gen(function* () {
            const b = { config, app, hub: yield* BridgeHub, log: yield* Log, simulate: false, jobs: [], stopping: () => false, registered: false, lastHeartbeat: 0 } satisfies Bridge
            const w = yield* register(b)
            process.stdout.write(JSON.stringify(w) + "\n")
            return EXIT.success
          })
        : runDaemon(config, o.simulate === true, action === "once")
    return yield* work.pipe(Effect.provide(bridgeHubLayer(hubOptions(config, secret))))
  })
