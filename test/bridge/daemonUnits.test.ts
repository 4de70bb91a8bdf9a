import { describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { createHash } from "node:crypto"
import { Effect, Result } from "effect"
import type { HubClient } from "../../core/bridge/client/client.ts"
import { StageFailure, stageInputs } from "../../core/bridge/daemon/stage.ts"
import { parseBridgeConfig, readSecret } from "../../core/bridge/daemon/config.ts"
import { inputArtifactIds, jobProperty, progressFields, transitionsTo } from "../../core/bridge/daemon/plan.ts"
import { observe } from "../../core/bridge/daemon/scheduler.ts"
import { loadConfig } from "../../core/config/index.ts"

/** The bridge's pure parts: its config table, the secret file's checks, the hub's transition paths, what a scheduler answer means. */
const FILE = "/etc/periogt/periogt.toml"
const base = { hub_url: "https://hub.example.org/", worker_id: "login-1", secret_file: "bridge.secret", profiles: { cpu: { cluster: "explorer", set: ["cpus=4"], container: "/img/periogt.sif" } } }

describe("bridge config", () => {
  test("the [bridge] table decodes; defaults; relative paths against the file; container and bin become --set", () => {
    const r = parseBridgeConfig(FILE, { bridge: base }, {}, "/home/me/periogt")
    expect(Result.isSuccess(r)).toBe(true)
    const c = Result.getOrThrow(r)
    expect(c.hubUrl).toBe("https://hub.example.org")
    expect(c.secretFile).toBe("/etc/periogt/bridge.secret")
    expect(c.stateDir).toBe("/home/me/periogt/bridge/login-1")
    expect([c.pollSeconds, c.heartbeatSeconds, c.maxConcurrentJobs]).toEqual([30, 120, 4])
    expect(c.profiles).toEqual([{ name: "cpu", cluster: "explorer", sets: ["cpus=4", "container=/img/periogt.sif"], scheduler: "auto", maxConcurrentJobs: 4, submissionTimeoutSeconds: 300 }])
  })

  test("${VAR} expands; an unset one without a fallback is named; a typo'd key, a bad URL, no profile are refused", () => {
    const ok = parseBridgeConfig(FILE, { bridge: { ...base, state_dir: "${SCRATCH:-/tmp}/bridge", secret_file: "${HOME}/s" } }, { HOME: "/home/me" }, "/b")
    expect(Result.isSuccess(ok) && [ok.success.stateDir, ok.success.secretFile]).toEqual(["/tmp/bridge", "/home/me/s"])
    const unset = parseBridgeConfig(FILE, { bridge: { ...base, secret_file: "${NOPE}/s" } }, {}, "/b")
    expect(Result.isFailure(unset) && unset.failure.message).toContain("bridge.secret_file refers to ${NOPE}")
    const typo = parseBridgeConfig(FILE, { bridge: { ...base, pol_seconds: 3 } }, {}, "/b")
    expect(Result.isFailure(typo) && typo.failure.code).toBe("validation_error")
    const url = parseBridgeConfig(FILE, { bridge: { ...base, hub_url: "ftp://x" } }, {}, "/b")
    expect(Result.isFailure(url) && url.failure.message).toContain("http or https")
    const none = parseBridgeConfig(FILE, { bridge: { ...base, profiles: {} } }, {}, "/b")
    expect(Result.isFailure(none) && none.failure.message).toContain("no profile")
    const missing = parseBridgeConfig(FILE, {}, {}, "/b")
    expect(Result.isFailure(missing) && missing.failure.message).toContain("no [bridge] table")
    const sched = parseBridgeConfig(FILE, { bridge: { ...base, scheduler: "lsf" } }, {}, "/b")
    expect(Result.isFailure(sched) && sched.failure.message).toContain("not a scheduler")
  })

  test("periogt's own settings resolve from the same file: the [bridge] table is left to the bridge", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-bridge-conf-"))
    try {
      const file = path.join(dir, "periogt.toml")
      fs.writeFileSync(file, `results_dir = "${dir}/results"\n[bridge]\nhub_url = "http://127.0.0.1:1"\nworker_id = "w"\nsecret_file = "s"\n[bridge.profiles.cpu]\n`)
      const r = loadConfig({ flags: {}, configFile: file, env: { HOME: dir } })
      expect(Result.isSuccess(r) && r.success.resultsDir.value).toBe(`${dir}/results`)
      fs.writeFileSync(file, `results_dir = "${dir}/results"\n[bridg]\nhub_url = "x"\n`)
      const bad = loadConfig({ flags: {}, configFile: file, env: { HOME: dir } })
      expect(Result.isFailure(bad) && bad.failure.message).toContain("unknown keys: bridg")
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  test("the secret file: 0600 and 32+ characters; group- or world-readable, short, missing, a directory are refused with a reason", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-bridge-secret-"))
    try {
      const f = path.join(dir, "s")
      fs.writeFileSync(f, "a".repeat(40) + "\n", { mode: 0o600 })
      expect(Result.getOrThrow(readSecret(f))).toBe("a".repeat(40))
      const reason = (mode: number) => {
        fs.chmodSync(f, mode)
        const r = readSecret(f)
        return Result.isFailure(r) ? r.failure.details?.["reason"] : "accepted"
      }
      expect([reason(0o640), reason(0o604), reason(0o620), reason(0o400)]).toEqual(["secret_file_permissions", "secret_file_permissions", "secret_file_permissions", "accepted"])
      fs.chmodSync(f, 0o600)
      fs.writeFileSync(f, "short\n")
      expect(Result.isFailure(readSecret(f)) && (readSecret(f) as { failure: { details: Record<string, unknown> } }).failure.details["reason"]).toBe("secret_too_short")
      const gone = readSecret(path.join(dir, "nope"))
      expect(Result.isFailure(gone) && gone.failure.details?.["reason"]).toBe("secret_file_missing")
      const d = readSecret(dir)
      expect(Result.isFailure(d) && d.failure.details?.["reason"]).toBe("secret_file_not_regular")
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("bridge decisions", () => {
  test("transitions walk the protocol's state machine one step at a time; FAILED is one step from anywhere not terminal", () => {
    expect(transitionsTo("CLAIMED", "SUBMITTED")).toEqual(["SUBMITTED"])
    expect(transitionsTo("SUBMITTED", "COMPLETED")).toEqual(["STARTED", "COMPLETED"])
    expect(transitionsTo("CLAIMED", "COMPLETED")).toEqual(["SUBMITTED", "STARTED", "COMPLETED"])
    expect(transitionsTo("STARTED", "STARTED")).toEqual([])
    expect(transitionsTo("STARTED", "SUBMITTED")).toEqual([])
    expect(transitionsTo("CLAIMED", "FAILED")).toEqual(["FAILED"])
    expect(transitionsTo("COMPLETED", "FAILED")).toEqual([])
    expect(transitionsTo("CANCELLED", "STARTED")).toEqual([])
  })

  test("a scheduler answer and the batch's own completion → what the hub is told", () => {
    expect(observe(undefined, true).kind).toBe("complete")
    expect(observe({ state: "timeout", raw: "TIMEOUT" }, true).kind).toBe("complete")
    expect(observe({ state: "running", raw: "RUNNING" }, true).kind).toBe("running")
    expect(observe({ state: "queued", raw: "PENDING" }, false).kind).toBe("queued")
    expect(observe(undefined, false).kind).toBe("unknown")
    expect(observe({ state: "completed", raw: "COMPLETED" }, false)).toMatchObject({ kind: "failed", reason: "batch_incomplete" })
    expect(observe({ state: "out_of_memory", raw: "OUT_OF_MEMORY", exitCode: "0:125" }, false)).toMatchObject({ kind: "failed", reason: "scheduler_out_of_memory", raw: "OUT_OF_MEMORY (exit 0:125)" })
  })

  test("a job's inputs in EMX2's three forms; its property from parameters.property or parameters.properties; progress within EMX2's bounds", () => {
    expect(inputArtifactIds([{ artifact_id: "a" }, { artifact_id: "b" }])).toEqual(["a", "b"])
    expect(inputArtifactIds(["a", "b"])).toEqual(["a", "b"])
    expect(inputArtifactIds({ dataset: "a" })).toEqual(["a"])
    expect(inputArtifactIds(undefined)).toEqual([])
    expect(jobProperty({ property: " eps " })).toBe("eps")
    expect(jobProperty({ properties: ["eps", "egc"] })).toBe("eps,egc")
    expect(jobProperty({ property: "" })).toBeUndefined()
    expect(jobProperty(null)).toBeUndefined()
    expect(progressFields(3, 10)).toEqual({ phase: "predicting", message: "3 of 10 rows", progress: 0.3, detail: "progress: predicting; 3 of 10 rows; 30%" })
    expect(progressFields(12, 10).progress).toBe(1)
  })
})

describe("bridge staging", () => {
  const fakeHub = (o: { declared?: string; listed: string; committed: string | null; bytes: string; name?: string; status?: string }) =>
    ({
      artifact: (id: string) => Effect.succeed({ id, status: o.status ?? "COMMITTED", residence: "managed", sha256: o.committed, content_url: null }),
      files: () => Effect.succeed({ items: [{ path: o.name ?? "units.csv", sha256: o.listed }] }),
      download: (_id: string, _p: string, dest: string) =>
        Effect.sync(() => {
          fs.writeFileSync(dest, o.bytes)
          return { sha256: sha(o.bytes), size: o.bytes.length, declared: o.declared }
        }),
    }) as unknown as HubClient
  const sha = (s: string) => createHash("sha256").update(s).digest("hex")
  const stage = async (hub: HubClient) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-bridge-stage-"))
    try {
      const r = await Effect.runPromise(Effect.result(stageInputs(hub, ["a1"], dir)))
      return Result.isSuccess(r) ? { ok: path.basename(r.success.csv) } : r.failure instanceof StageFailure ? { reason: r.failure.reason } : { error: String(r.failure) }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }

  test("a file whose bytes, listed digest, declared digest or artifact digest disagree is input_hash_mismatch; no CSV is input_not_csv; an uncommitted artifact is refused", async () => {
    const text = "id,smiles\na,*CC*\n"
    expect(await stage(fakeHub({ listed: sha(text), committed: sha(text), declared: sha(text), bytes: text }))).toEqual({ ok: "units.csv" })
    expect(await stage(fakeHub({ listed: sha(text), committed: sha(text), bytes: text + "tampered" }))).toEqual({ reason: "input_hash_mismatch" })
    expect(await stage(fakeHub({ listed: sha(text), committed: sha(text), declared: sha("x"), bytes: text }))).toEqual({ reason: "input_hash_mismatch" })
    expect(await stage(fakeHub({ listed: sha(text), committed: sha("other"), bytes: text }))).toEqual({ reason: "input_hash_mismatch" })
    expect(await stage(fakeHub({ listed: sha(text), committed: sha(text), bytes: text, name: "units.txt" }))).toEqual({ reason: "input_not_csv" })
    expect(await stage(fakeHub({ listed: sha(text), committed: sha(text), bytes: text, status: "UPLOADING" }))).toEqual({ reason: "input_not_committed" })
    expect(await stage(fakeHub({ listed: sha(text), committed: sha(text), bytes: text, name: "../../etc/x.csv" }))).toEqual({ reason: "input_bad_path" })
  })
})
