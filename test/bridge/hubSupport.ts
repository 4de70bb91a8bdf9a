/**
 * A real `periogt serve --demo` with the EMX2 hub enabled, and a client that signs its requests with
 * the protocol module (core/bridge/protocol), as EMX2's daemon signs them.
 */
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { signRequest, type SignInput } from "../../core/bridge/protocol/index.ts"
import { baseEnv, startServe, type ServeProcess } from "../web/support.ts"

export interface HubHome {
  readonly home: string
  readonly secret: string
  readonly secretFile: string
  readonly env: Record<string, string>
  readonly dbPath: string
}

/** A temporary home with a 0600 secret file and the environment that enables the hub. */
export const hubHome = (prefix = "periogt-hub-"): HubHome => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  const secret = randomBytes(32).toString("hex")
  const secretFile = path.join(home, "hpc.secret")
  fs.writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 })
  const env = { ...baseEnv(home), PERIOGT_WORKERS: "0", PERIOGT_HPC_SECRET_FILE: secretFile }
  return { home, secret, secretFile, env, dbPath: path.join(home, "results", "jobs", "hub.db") }
}

export const startHub = (h: HubHome): Promise<ServeProcess> => startServe(h.env, ["--demo"])

export interface HubResponse {
  readonly status: number
  readonly headers: Headers
  readonly json: any
  readonly bytes: Uint8Array
}

export interface CallOptions {
  readonly json?: unknown
  readonly bytes?: Uint8Array
  readonly contentType?: string
  readonly workerId?: string
  /** Overrides of the signing inputs (a wrong secret, an old timestamp, a fixed nonce). */
  readonly sign?: Partial<SignInput>
  /** Headers sent as they are, after the signed ones (to tamper or to replay). */
  readonly headers?: Record<string, string>
}

/** One signed request: `target` is path and query, signed exactly as sent. */
export const call = async (url: string, secret: string, method: string, target: string, o: CallOptions = {}): Promise<HubResponse & { readonly sent: Record<string, string> }> => {
  const body = o.bytes ?? (o.json === undefined ? "" : JSON.stringify(o.json))
  const sent = {
    ...signRequest({ method, path: target, body, secret, workerId: o.workerId, contentType: o.contentType, ...o.sign }),
    ...o.headers,
  }
  const r = await fetch(`${url}${target}`, { method, headers: sent, body: body === "" || method === "GET" || method === "HEAD" ? undefined : body, redirect: "manual" })
  const bytes = new Uint8Array(await r.arrayBuffer())
  const text = new TextDecoder().decode(bytes)
  let json: unknown = undefined
  try {
    json = text === "" ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: r.status, headers: r.headers, json, bytes, sent }
}

/** The same request again, byte for byte (a replay). */
export const replay = async (url: string, method: string, target: string, sent: Record<string, string>, body?: string | Uint8Array) => {
  const r = await fetch(`${url}${target}`, { method, headers: sent, body })
  return { status: r.status, json: (await r.json().catch(() => undefined)) as any }
}

export const WORKER = "hpc-test-worker"

/** Registers a worker able to run `processor` (any profile). */
export const registerWorker = (url: string, secret: string, workerId = WORKER, processor = "periogt", max = 4) =>
  call(url, secret, "POST", "/api/hpc/workers/register", {
    workerId,
    json: { worker_id: workerId, hostname: "test-host", capabilities: [{ processor, profile: null, max_concurrent_jobs: max }] },
  })

/** A committed managed artifact holding `files` (path → bytes); its id. */
export const committedArtifact = async (url: string, secret: string, files: Record<string, Uint8Array>, name = "test-artifact"): Promise<string> => {
  const created = await call(url, secret, "POST", "/api/hpc/artifacts", { json: { name, type: "blob", residence: "managed" } })
  if (created.status !== 201) throw new Error(`artifact create: ${created.status} ${JSON.stringify(created.json)}`)
  const id: string = created.json.id
  for (const [p, bytes] of Object.entries(files)) {
    const up = await call(url, secret, "PUT", `/api/hpc/artifacts/${id}/files/${p}`, { bytes, contentType: "application/octet-stream" })
    if (up.status !== 201) throw new Error(`upload ${p}: ${up.status} ${JSON.stringify(up.json)}`)
  }
  const committed = await call(url, secret, "POST", `/api/hpc/artifacts/${id}/commit`, { json: {} })
  if (committed.status !== 200) throw new Error(`commit: ${committed.status} ${JSON.stringify(committed.json)}`)
  return id
}
