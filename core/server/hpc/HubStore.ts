/**
 * The hub's state: workers, jobs, their transition log, artifacts and their files, and the nonces seen
 * within the signature window, in one SQLite file (`bun:sqlite`, WAL) beside the page's job store:
 * `<results_dir>/jobs/hub.db`, with managed artifact bytes content-addressed under `jobs/hub/blobs/`.
 *
 * A separate file rather than new tables in jobs.db: jobs.db's schema belongs to the page's job runner
 * (JobStore.ts) and the two share nothing but the directory; apart, either can change its schema without
 * migrating the other, and the directory's one-server lock (jobs.db.lock, taken first) still guarantees
 * a single writer process, which SQLite's WAL needs.
 *
 * Every write that checks a state and changes it runs in one IMMEDIATE transaction with a conditional
 * UPDATE, so a check and its change cannot interleave with another writer.
 */
import { Database } from "bun:sqlite"
import { randomUUID } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { Schema } from "effect"
import {
  ARTIFACT_RESIDENCES,
  ARTIFACT_STATUSES,
  JOB_STATUSES,
  canTransition,
  isTerminal,
  treeHash,
  type ArtifactResidence,
  type ArtifactStatus,
  type Capability,
  type JobStatus,
} from "../../bridge/protocol/index.ts"

const Text = Schema.NullOr(Schema.String)
const Num = Schema.NullOr(Schema.Number)

const WorkerRow = Schema.Struct({
  worker_id: Schema.String,
  hostname: Text,
  capabilities: Schema.String,
  registered_at: Schema.String,
  last_heartbeat_at: Schema.String,
})
export type WorkerRow = typeof WorkerRow.Type

const JobRow = Schema.Struct({
  id: Schema.String,
  processor: Schema.String,
  profile: Text,
  status: Schema.Literals(JOB_STATUSES),
  worker_id: Text,
  slurm_job_id: Text,
  submit_user: Text,
  parameters: Text,
  inputs: Text,
  output_artifact_id: Text,
  log_artifact_id: Text,
  timeout_seconds: Num,
  created_at: Schema.String,
  claimed_at: Text,
  submitted_at: Text,
  started_at: Text,
  completed_at: Text,
  phase: Text,
  message: Text,
  progress: Num,
})
export type JobRow = typeof JobRow.Type

const TransitionRow = Schema.Struct({
  id: Schema.String,
  job_id: Schema.String,
  from_status: Schema.NullOr(Schema.Literals(JOB_STATUSES)),
  to_status: Schema.Literals(JOB_STATUSES),
  timestamp: Schema.String,
  worker_id: Text,
  detail: Text,
  phase: Text,
  message: Text,
  progress: Num,
})
export type TransitionRow = typeof TransitionRow.Type

const ArtifactRow = Schema.Struct({
  id: Schema.String,
  name: Text,
  type: Text,
  residence: Schema.Literals(ARTIFACT_RESIDENCES),
  status: Schema.Literals(ARTIFACT_STATUSES),
  sha256: Text,
  size_bytes: Num,
  content_url: Text,
  metadata: Text,
  created_at: Schema.String,
  committed_at: Text,
})
export type ArtifactRow = typeof ArtifactRow.Type

const FileRow = Schema.Struct({
  id: Schema.String,
  artifact_id: Schema.String,
  path: Schema.String,
  sha256: Schema.String,
  size_bytes: Schema.Number,
  content_type: Schema.String,
  /** 1 when the bytes are in the blob store (managed), 0 for metadata only. */
  stored: Schema.Number,
})
export type FileRow = typeof FileRow.Type

// Rows are decoded at the boundary: a row that does not match its Schema is a corrupted store, not data.
const asWorker = Schema.decodeUnknownSync(WorkerRow)
const asJob = Schema.decodeUnknownSync(JobRow)
const asTransition = Schema.decodeUnknownSync(TransitionRow)
const asArtifact = Schema.decodeUnknownSync(ArtifactRow)
const asFile = Schema.decodeUnknownSync(FileRow)

const SCHEMA = `
CREATE TABLE IF NOT EXISTS workers (
  worker_id TEXT PRIMARY KEY,
  hostname TEXT,
  capabilities TEXT NOT NULL,
  registered_at TEXT NOT NULL,
  last_heartbeat_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  processor TEXT NOT NULL,
  profile TEXT,
  status TEXT NOT NULL CHECK (status IN ('PENDING','CLAIMED','SUBMITTED','STARTED','COMPLETED','FAILED','CANCELLED')),
  worker_id TEXT,
  slurm_job_id TEXT,
  submit_user TEXT,
  parameters TEXT,
  inputs TEXT,
  output_artifact_id TEXT,
  log_artifact_id TEXT,
  timeout_seconds INTEGER,
  created_at TEXT NOT NULL,
  claimed_at TEXT,
  submitted_at TEXT,
  started_at TEXT,
  completed_at TEXT,
  phase TEXT,
  message TEXT,
  progress REAL
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, processor, profile);
CREATE TABLE IF NOT EXISTS transitions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  job_id TEXT NOT NULL,
  from_status TEXT,
  to_status TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  worker_id TEXT,
  detail TEXT,
  phase TEXT,
  message TEXT,
  progress REAL
);
CREATE INDEX IF NOT EXISTS transitions_job ON transitions (job_id, seq);
CREATE TABLE IF NOT EXISTS artifacts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT,
  type TEXT,
  residence TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('CREATED','UPLOADING','REGISTERED','COMMITTED','FAILED')),
  sha256 TEXT,
  size_bytes INTEGER,
  content_url TEXT,
  metadata TEXT,
  created_at TEXT NOT NULL,
  committed_at TEXT
);
CREATE TABLE IF NOT EXISTS artifact_files (
  id TEXT PRIMARY KEY,
  artifact_id TEXT NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  stored INTEGER NOT NULL,
  UNIQUE (artifact_id, path)
);
CREATE INDEX IF NOT EXISTS artifact_files_sha256 ON artifact_files (sha256) WHERE stored = 1;
CREATE TABLE IF NOT EXISTS nonces (
  nonce TEXT PRIMARY KEY,
  ts INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nonces_ts ON nonces (ts);
`

const JOB_COLUMNS =
  "id, processor, profile, status, worker_id, slurm_job_id, submit_user, parameters, inputs, output_artifact_id, log_artifact_id, timeout_seconds, created_at, claimed_at, submitted_at, started_at, completed_at, phase, message, progress"
const TRANSITION_COLUMNS = "id, job_id, from_status, to_status, timestamp, worker_id, detail, phase, message, progress"
const ARTIFACT_COLUMNS = "id, name, type, residence, status, sha256, size_bytes, content_url, metadata, created_at, committed_at"
const FILE_COLUMNS = "id, artifact_id, path, sha256, size_bytes, content_type, stored"

export interface TransitionFields {
  readonly workerId: string | null
  readonly detail: string | null
  readonly slurmJobId?: string | null
  readonly outputArtifactId?: string | null
  readonly logArtifactId?: string | null
  readonly phase: string | null
  readonly message: string | null
  readonly progress: number | null
}

export type ClaimOutcome =
  | { readonly kind: "claimed"; readonly job: JobRow }
  | { readonly kind: "not_found" }
  | { readonly kind: "not_pending"; readonly status: JobStatus }
  | { readonly kind: "capability_mismatch"; readonly processor: string; readonly profile: string | null }
  | { readonly kind: "capacity_exceeded"; readonly limit: number }

export type TransitionOutcome =
  | { readonly kind: "applied" | "duplicate" | "progress"; readonly job: JobRow }
  | { readonly kind: "not_found" }
  | { readonly kind: "not_owner"; readonly owner: string }
  | { readonly kind: "illegal"; readonly from: JobStatus }

export type CommitOutcome =
  | { readonly kind: "committed"; readonly artifact: ArtifactRow }
  | { readonly kind: "not_found" }
  | { readonly kind: "wrong_state"; readonly status: ArtifactStatus }
  | { readonly kind: "empty" }
  | { readonly kind: "hash_mismatch"; readonly client: string; readonly computed: string }
  | { readonly kind: "size_mismatch"; readonly client: number; readonly computed: number }

export type ArtifactDeleteOutcome =
  | { readonly kind: "deleted" }
  | { readonly kind: "not_found" }
  | { readonly kind: "in_use"; readonly jobs: ReadonlyArray<{ readonly id: string; readonly status: JobStatus }> }

export type WorkerDeleteOutcome =
  | { readonly kind: "deleted"; readonly jobsKept: number }
  | { readonly kind: "not_found" }
  | { readonly kind: "busy"; readonly jobs: ReadonlyArray<{ readonly id: string; readonly status: JobStatus }> }

const LIVE_STATUSES = "('PENDING','CLAIMED','SUBMITTED','STARTED')"

/** Artifact ids in a job's `inputs`: `["id"]`, `[{artifact_id}]` (or `{id}`), or `{name: "id"}`. */
export const inputArtifactIds = (inputs: unknown): ReadonlyArray<string> => {
  const one = (v: unknown): ReadonlyArray<string> => {
    if (typeof v === "string") return [v]
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      const r = v as Record<string, unknown>
      const id = r["artifact_id"] ?? r["id"]
      return typeof id === "string" ? [id] : []
    }
    return []
  }
  if (Array.isArray(inputs)) return inputs.flatMap(one)
  if (typeof inputs === "object" && inputs !== null) return Object.values(inputs).filter((v): v is string => typeof v === "string")
  return []
}

const now = () => new Date().toISOString()

/** Whether a capability covers a job: an absent profile on either side matches any profile. */
const covers = (c: Capability, processor: string, profile: string | null): boolean =>
  c.processor === processor && (profile === null || c.profile === undefined || c.profile === null || c.profile === profile)

export class HubStore {
  readonly db: Database
  readonly blobDir: string
  readonly tmpDir: string

  private constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true })
    this.blobDir = path.join(dir, "hub", "blobs")
    this.tmpDir = path.join(dir, "hub", "tmp")
    fs.mkdirSync(this.blobDir, { recursive: true })
    fs.mkdirSync(this.tmpDir, { recursive: true })
    // uploads cut off by a crash leave their temporary file; nothing refers to it
    for (const f of fs.readdirSync(this.tmpDir)) fs.rmSync(path.join(this.tmpDir, f), { force: true })
    this.db = new Database(HubStore.dbPath(dir), { create: true, strict: true })
    this.db.run("PRAGMA journal_mode = WAL")
    this.db.run("PRAGMA synchronous = NORMAL")
    this.db.run("PRAGMA busy_timeout = 5000")
    this.db.exec(SCHEMA)
    this.sweepOrphanBlobs()
  }

  /**
   * Removes blobs no file row names: left by a crash between an artifact deletion's commit and its
   * unlinks, or by a process stopped between storing an upload's bytes and recording its row (a file
   * replaced or deleted before commit, or an upload its artifact no longer takes, drops its bytes at
   * once when nothing else names them). Safe only here, before any request: an upload in progress stores its blob
   * a moment before its row.
   */
  private sweepOrphanBlobs(): void {
    const referenced = new Set((this.db.query("SELECT DISTINCT sha256 FROM artifact_files WHERE stored = 1").all() as Array<{ sha256: string }>).map((r) => r.sha256))
    for (const prefix of fs.readdirSync(this.blobDir)) {
      const dir = path.join(this.blobDir, prefix)
      if (!fs.statSync(dir).isDirectory()) continue
      for (const name of fs.readdirSync(dir)) if (!referenced.has(name)) fs.rmSync(path.join(dir, name), { force: true })
    }
  }

  static dbPath(dir: string): string {
    return path.join(dir, "hub.db")
  }

  static open(dir: string): HubStore {
    return new HubStore(dir)
  }

  close(): void {
    this.db.close()
  }

  // --- nonces ---

  /**
   * Records a nonce; false when it was already seen (a replay). Nonces whose request time left the
   * window are dropped first: a replay of those fails on its timestamp anyway.
   */
  rememberNonce(nonce: string, timestamp: number, oldestKept: number): boolean {
    return this.db.transaction(() => {
      this.db.query("DELETE FROM nonces WHERE ts < ?").run(oldestKept)
      return this.db.query("INSERT OR IGNORE INTO nonces (nonce, ts) VALUES (?, ?)").run(nonce, timestamp).changes === 1
    }).immediate()
  }

  // --- workers ---

  registerWorker(workerId: string, hostname: string | null, capabilities: ReadonlyArray<Capability>): WorkerRow {
    const t = now()
    this.db
      .query(
        `INSERT INTO workers (worker_id, hostname, capabilities, registered_at, last_heartbeat_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (worker_id) DO UPDATE SET hostname = excluded.hostname, capabilities = excluded.capabilities, last_heartbeat_at = excluded.last_heartbeat_at`,
      )
      .run(workerId, hostname, JSON.stringify(capabilities), t, t)
    return this.worker(workerId)!
  }

  heartbeat(workerId: string): boolean {
    return this.db.query("UPDATE workers SET last_heartbeat_at = ? WHERE worker_id = ?").run(now(), workerId).changes === 1
  }

  worker(workerId: string): WorkerRow | undefined {
    const r = this.db.query("SELECT worker_id, hostname, capabilities, registered_at, last_heartbeat_at FROM workers WHERE worker_id = ?").get(workerId)
    return r === null ? undefined : asWorker(r)
  }

  /**
   * Removes a worker and its capabilities. Its past jobs stay, with `worker_id` null (the design); their
   * transition log keeps who reported what, as history. "busy" while it holds a CLAIMED, SUBMITTED or
   * STARTED job: with its owner gone such a job would accept reports from any worker (ownership is the
   * job's worker_id), so the caller cancels those first.
   */
  deleteWorker(workerId: string): WorkerDeleteOutcome {
    return this.db.transaction((): WorkerDeleteOutcome => {
      if (this.worker(workerId) === undefined) return { kind: "not_found" }
      const live = this.db.query("SELECT id, status FROM jobs WHERE worker_id = ? AND status IN ('CLAIMED','SUBMITTED','STARTED') ORDER BY seq").all(workerId) as Array<{ id: string; status: JobStatus }>
      if (live.length > 0) return { kind: "busy", jobs: live }
      const jobsKept = this.db.query("UPDATE jobs SET worker_id = NULL WHERE worker_id = ?").run(workerId).changes
      this.db.query("DELETE FROM workers WHERE worker_id = ?").run(workerId)
      return { kind: "deleted", jobsKept }
    }).immediate()
  }

  workers(): ReadonlyArray<WorkerRow> {
    return this.db.query("SELECT worker_id, hostname, capabilities, registered_at, last_heartbeat_at FROM workers ORDER BY worker_id").all().map((r) => asWorker(r))
  }

  // --- jobs ---

  createJob(input: {
    readonly processor: string
    readonly profile: string | null
    readonly parameters: unknown
    readonly inputs: unknown
    readonly timeoutSeconds: number | null
    readonly submitUser: string | null
  }): JobRow {
    const id = randomUUID()
    const t = now()
    this.db.transaction(() => {
      this.db
        .query(`INSERT INTO jobs (id, processor, profile, status, submit_user, parameters, inputs, timeout_seconds, created_at) VALUES (?, ?, ?, 'PENDING', ?, ?, ?, ?, ?)`)
        .run(
          id,
          input.processor,
          input.profile,
          input.submitUser,
          input.parameters === undefined ? null : JSON.stringify(input.parameters),
          input.inputs === undefined ? null : JSON.stringify(input.inputs),
          input.timeoutSeconds,
          t,
        )
      this.recordTransition(id, null, "PENDING", { workerId: null, detail: "Job created", phase: null, message: null, progress: null }, t)
    }).immediate()
    return this.job(id)!
  }

  job(id: string): JobRow | undefined {
    const r = this.db.query(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`).get(id)
    return r === null ? undefined : asJob(r)
  }

  private jobFilter(filter: { readonly status?: JobStatus | undefined; readonly processor?: string | undefined; readonly profile?: string | undefined }) {
    const where: Array<string> = []
    const args: Array<string> = []
    if (filter.status !== undefined) (where.push("status = ?"), args.push(filter.status))
    if (filter.processor !== undefined) (where.push("processor = ?"), args.push(filter.processor))
    // a job that names no profile runs on any (as the claim matches it), so it is listed under every profile
    if (filter.profile !== undefined) (where.push("(profile = ? OR profile IS NULL)"), args.push(filter.profile))
    return { clause: where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`, args }
  }

  /** Oldest first (the order workers should take them in), as EMX2 lists them. */
  jobs(filter: { readonly status?: JobStatus | undefined; readonly processor?: string | undefined; readonly profile?: string | undefined }, limit: number, offset: number) {
    const { clause, args } = this.jobFilter(filter)
    const items = this.db.query(`SELECT ${JOB_COLUMNS} FROM jobs ${clause} ORDER BY seq LIMIT ? OFFSET ?`).all(...args, limit, offset).map((r) => asJob(r))
    const total = (this.db.query(`SELECT count(*) AS n FROM jobs ${clause}`).get(...args) as { n: number }).n
    return { items, total }
  }

  /** Newest first, any status (the page's view). */
  recentJobs(limit: number): ReadonlyArray<JobRow> {
    return this.db.query(`SELECT ${JOB_COLUMNS} FROM jobs ORDER BY seq DESC LIMIT ?`).all(limit).map((r) => asJob(r))
  }

  countByStatus(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const r of this.db.query("SELECT status, count(*) AS n FROM jobs GROUP BY status").all() as Array<{ status: string; n: number }>) out[r.status] = r.n
    return out
  }

  private recordTransition(jobId: string, from: JobStatus | null, to: JobStatus, f: TransitionFields, at: string = now()): void {
    this.db
      .query(`INSERT INTO transitions (${TRANSITION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(randomUUID(), jobId, from, to, at, f.workerId, f.detail, f.phase, f.message, f.progress)
  }

  transitions(jobId: string): ReadonlyArray<TransitionRow> {
    return this.db.query(`SELECT ${TRANSITION_COLUMNS} FROM transitions WHERE job_id = ? ORDER BY seq`).all(jobId).map((r) => asTransition(r))
  }

  /**
   * The atomic claim: in one IMMEDIATE transaction, the job must be PENDING, the worker must have
   * registered a capability covering the job's processor and profile and be under that capability's
   * max_concurrent_jobs; then a conditional UPDATE (`WHERE status = 'PENDING'`) takes it. Of two racing
   * claims exactly one sees PENDING.
   */
  claim(jobId: string, workerId: string): ClaimOutcome {
    return this.db.transaction((): ClaimOutcome => {
      const job = this.job(jobId)
      if (job === undefined) return { kind: "not_found" }
      if (job.status !== "PENDING") return { kind: "not_pending", status: job.status }
      const worker = this.worker(workerId)
      const caps = worker === undefined ? [] : (JSON.parse(worker.capabilities) as Array<Capability>)
      const cap = caps.find((c) => covers(c, job.processor, job.profile))
      if (cap === undefined) return { kind: "capability_mismatch", processor: job.processor, profile: job.profile }
      const limit = cap.max_concurrent_jobs
      if (limit !== undefined && limit !== null && limit > 0) {
        const active = (
          this.db
            .query("SELECT count(*) AS n FROM jobs WHERE worker_id = ? AND processor = ? AND status IN ('CLAIMED','SUBMITTED','STARTED')")
            .get(workerId, job.processor) as { n: number }
        ).n
        if (active >= limit) return { kind: "capacity_exceeded", limit }
      }
      const t = now()
      const changed = this.db.query("UPDATE jobs SET status = 'CLAIMED', worker_id = ?, claimed_at = ? WHERE id = ? AND status = 'PENDING'").run(workerId, t, jobId).changes
      if (changed !== 1) return { kind: "not_pending", status: this.job(jobId)?.status ?? "PENDING" }
      this.recordTransition(jobId, "PENDING", "CLAIMED", { workerId, detail: `Claimed by worker ${workerId}`, phase: null, message: null, progress: null }, t)
      return { kind: "claimed", job: this.job(jobId)! }
    }).immediate()
  }

  /**
   * A reported transition. A move of the state machine is applied and logged. A report of the current
   * state is a retry when an identical entry is already in the log (answered, not logged again); on a
   * live job a new one with progress fields is a progress update (logged, as EMX2 logs them); on a
   * terminal job anything else is refused. `workerId` null is a user's cancel, allowed on any job.
   */
  transition(jobId: string, to: JobStatus, f: TransitionFields): TransitionOutcome {
    return this.db.transaction((): TransitionOutcome => {
      const job = this.job(jobId)
      if (job === undefined) return { kind: "not_found" }
      if (job.worker_id !== null && f.workerId !== null && job.worker_id !== f.workerId) return { kind: "not_owner", owner: job.worker_id }
      const from = job.status
      if (from === to) {
        const identical = this.transitions(jobId).some(
          (t) => t.to_status === to && t.worker_id === f.workerId && t.detail === f.detail && t.phase === f.phase && t.message === f.message && t.progress === f.progress,
        )
        if (identical) return { kind: "duplicate", job }
        if (isTerminal(from)) return { kind: "illegal", from }
        if (f.detail === null && f.phase === null && f.message === null && f.progress === null) return { kind: "duplicate", job }
        this.db
          .query("UPDATE jobs SET phase = coalesce(?, phase), message = coalesce(?, message), progress = coalesce(?, progress) WHERE id = ? AND status = ?")
          .run(f.phase, f.message, f.progress, jobId, from)
        this.recordTransition(jobId, from, to, f)
        return { kind: "progress", job: this.job(jobId)! }
      }
      // PENDING → CLAIMED only through the claim, which checks capabilities
      if (to === "CLAIMED" || !canTransition(from, to)) return { kind: "illegal", from }
      const t = now()
      const stamp = to === "SUBMITTED" ? "submitted_at" : to === "STARTED" ? "started_at" : "completed_at"
      const changed = this.db
        .query(
          `UPDATE jobs SET status = ?, worker_id = coalesce(?, worker_id), slurm_job_id = coalesce(?, slurm_job_id),
             output_artifact_id = coalesce(?, output_artifact_id), log_artifact_id = coalesce(?, log_artifact_id),
             phase = coalesce(?, phase), message = coalesce(?, message), progress = coalesce(?, progress), ${stamp} = ?
           WHERE id = ? AND status = ?`,
        )
        .run(to, f.workerId, f.slurmJobId ?? null, f.outputArtifactId ?? null, f.logArtifactId ?? null, f.phase, f.message, f.progress, t, jobId, from).changes
      if (changed !== 1) return { kind: "illegal", from: this.job(jobId)?.status ?? from }
      this.recordTransition(jobId, from, to, f, t)
      return { kind: "applied", job: this.job(jobId)! }
    }).immediate()
  }

  /** Deletes a terminal job with its log; "live" when it is not terminal (cancel it first). */
  deleteJob(jobId: string): "deleted" | "not_found" | "live" {
    return this.db.transaction(() => {
      const job = this.job(jobId)
      if (job === undefined) return "not_found" as const
      if (!isTerminal(job.status)) return "live" as const
      this.db.query("DELETE FROM transitions WHERE job_id = ?").run(jobId)
      this.db.query("DELETE FROM jobs WHERE id = ?").run(jobId)
      return "deleted" as const
    }).immediate()
  }

  // --- artifacts ---

  createArtifact(input: { readonly name: string | null; readonly type: string | null; readonly residence: ArtifactResidence; readonly contentUrl: string | null; readonly metadata: unknown }): ArtifactRow {
    const id = randomUUID()
    this.db
      .query(`INSERT INTO artifacts (id, name, type, residence, status, content_url, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(
        id,
        input.name,
        input.type,
        input.residence,
        input.residence === "managed" ? "CREATED" : "REGISTERED",
        input.contentUrl,
        input.metadata === undefined ? null : JSON.stringify(input.metadata),
        now(),
      )
    return this.artifact(id)!
  }

  artifact(id: string): ArtifactRow | undefined {
    const r = this.db.query(`SELECT ${ARTIFACT_COLUMNS} FROM artifacts WHERE id = ?`).get(id)
    return r === null ? undefined : asArtifact(r)
  }

  /**
   * Deletes an artifact with its file rows, in one transaction, then the blobs no remaining row names
   * (blobs are content-addressed: another artifact may hold the same bytes). "in_use" while a job that
   * is not terminal names it as an input, output or log. A terminal job keeps its reference as history
   * (its output then reads as deleted), where EMX2's server nulls it.
   *
   * Rows go first and blobs after the commit, so no row ever names a missing blob; a crash between the
   * two leaves at worst an orphan blob, which the next start sweeps. No upload can slip between the
   * reference check and the unlink: the check runs inside the transaction, the unlinks right after it
   * in the same synchronous call, and an upload stores its blob and its row in one synchronous step too.
   */
  deleteArtifact(artifactId: string): ArtifactDeleteOutcome {
    const orphans: Array<string> = []
    const outcome = this.db.transaction((): ArtifactDeleteOutcome => {
      if (this.artifact(artifactId) === undefined) return { kind: "not_found" }
      // instr narrows the live jobs to those whose inputs text mentions the id; the parse decides
      const candidates = this.db
        .query(`SELECT id, status, inputs, output_artifact_id, log_artifact_id FROM jobs WHERE status IN ${LIVE_STATUSES} AND (output_artifact_id = ?1 OR log_artifact_id = ?1 OR instr(inputs, ?1) > 0) ORDER BY seq`)
        .all(artifactId) as Array<{ id: string; status: JobStatus; inputs: string | null; output_artifact_id: string | null; log_artifact_id: string | null }>
      const users = candidates.filter(
        (j) => j.output_artifact_id === artifactId || j.log_artifact_id === artifactId || (j.inputs !== null && inputArtifactIds(JSON.parse(j.inputs)).includes(artifactId)),
      )
      if (users.length > 0) return { kind: "in_use", jobs: users.map((j) => ({ id: j.id, status: j.status })) }
      const digests = (this.db.query("SELECT DISTINCT sha256 FROM artifact_files WHERE artifact_id = ? AND stored = 1").all(artifactId) as Array<{ sha256: string }>).map((r) => r.sha256)
      this.db.query("DELETE FROM artifact_files WHERE artifact_id = ?").run(artifactId)
      this.db.query("DELETE FROM artifacts WHERE id = ?").run(artifactId)
      orphans.push(...this.unreferenced(digests))
      return { kind: "deleted" }
    }).immediate()
    this.unlinkBlobs(orphans)
    return outcome
  }

  /** Of `digests`, those no stored file names any more (asked inside the transaction that dropped them). */
  private unreferenced(digests: Iterable<string>): Array<string> {
    const stillUsed = this.db.query("SELECT 1 FROM artifact_files WHERE sha256 = ? AND stored = 1 LIMIT 1")
    return [...new Set(digests)].filter((sha) => stillUsed.get(sha) === null)
  }

  /** Drops the bytes of an upload that no file row took (its artifact went or closed meanwhile), unless another file names them. */
  releaseBlob(sha256: string): void {
    this.unlinkBlobs(this.unreferenced([sha256]))
  }

  /** Removes blobs once the transaction that dropped their last rows has committed (see deleteArtifact). */
  private unlinkBlobs(digests: Iterable<string>): void {
    for (const sha of digests) fs.rmSync(this.blobPath(sha), { force: true })
  }

  file(artifactId: string, filePath: string): FileRow | undefined {
    const r = this.db.query(`SELECT ${FILE_COLUMNS} FROM artifact_files WHERE artifact_id = ? AND path = ?`).get(artifactId, filePath)
    return r === null ? undefined : asFile(r)
  }

  files(artifactId: string, prefix: string | undefined, limit: number, offset: number) {
    // prefix compared with substr, not LIKE: a path may hold % or _
    const clause = prefix === undefined ? "" : "AND substr(path, 1, ?) = ?"
    const args: Array<string | number> = prefix === undefined ? [artifactId] : [artifactId, prefix.length, prefix]
    const items = this.db.query(`SELECT ${FILE_COLUMNS} FROM artifact_files WHERE artifact_id = ? ${clause} ORDER BY path LIMIT ? OFFSET ?`).all(...args, limit, offset).map((r) => asFile(r))
    const total = (this.db.query(`SELECT count(*) AS n FROM artifact_files WHERE artifact_id = ? ${clause}`).get(...args) as { n: number }).n
    return { items, total }
  }

  allFiles(artifactId: string): ReadonlyArray<FileRow> {
    return this.db.query(`SELECT ${FILE_COLUMNS} FROM artifact_files WHERE artifact_id = ? ORDER BY path`).all(artifactId).map((r) => asFile(r))
  }

  /** Where the bytes of a digest live (content-addressed: one copy per distinct content). */
  blobPath(sha256: string): string {
    return path.join(this.blobDir, sha256.slice(0, 2), sha256)
  }

  /** A new temporary file for an upload in progress, on the blob store's filesystem (renamed into place). */
  tmpPath(): string {
    return path.join(this.tmpDir, randomUUID())
  }

  /** Moves a verified upload into the blob store (or drops it when that content is already there). */
  adoptBlob(tmp: string, sha256: string): void {
    const dest = this.blobPath(sha256)
    if (fs.existsSync(dest)) {
      fs.rmSync(tmp, { force: true })
      return
    }
    fs.mkdirSync(path.dirname(dest), { recursive: true })
    fs.renameSync(tmp, dest)
  }

  /**
   * Adds or replaces a file of a not yet committed artifact, moving a managed artifact from CREATED to
   * UPLOADING. "committed" (or FAILED) when the artifact no longer takes files.
   */
  putFile(artifactId: string, f: { readonly path: string; readonly sha256: string; readonly sizeBytes: number; readonly contentType: string; readonly stored: boolean }):
    | { readonly kind: "stored"; readonly file: FileRow }
    | { readonly kind: "not_found" }
    | { readonly kind: "closed"; readonly status: ArtifactStatus } {
    const orphans: Array<string> = []
    const outcome = this.db.transaction(() => {
      const artifact = this.artifact(artifactId)
      if (artifact === undefined) return { kind: "not_found" as const }
      if (artifact.status === "COMMITTED" || artifact.status === "FAILED") return { kind: "closed" as const, status: artifact.status }
      const replaced = this.file(artifactId, f.path)
      this.db
        .query(
          `INSERT INTO artifact_files (${FILE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (artifact_id, path) DO UPDATE SET sha256 = excluded.sha256, size_bytes = excluded.size_bytes, content_type = excluded.content_type, stored = excluded.stored`,
        )
        .run(randomUUID(), artifactId, f.path, f.sha256, f.sizeBytes, f.contentType, f.stored ? 1 : 0)
      if (artifact.status === "CREATED") this.db.query("UPDATE artifacts SET status = 'UPLOADING' WHERE id = ? AND status = 'CREATED'").run(artifactId)
      // the bytes of a file replaced before commit go at once when nothing else names them
      if (replaced?.stored === 1 && replaced.sha256 !== f.sha256) orphans.push(...this.unreferenced([replaced.sha256]))
      return { kind: "stored" as const, file: this.file(artifactId, f.path)! }
    }).immediate()
    this.unlinkBlobs(orphans)
    return outcome
  }

  deleteFile(artifactId: string, filePath: string): "deleted" | "not_found" | "committed" {
    const orphans: Array<string> = []
    const outcome = this.db.transaction(() => {
      const artifact = this.artifact(artifactId)
      if (artifact === undefined) return "not_found" as const
      if (artifact.status === "COMMITTED") return "committed" as const
      const file = this.file(artifactId, filePath)
      if (file === undefined) return "not_found" as const
      this.db.query("DELETE FROM artifact_files WHERE artifact_id = ? AND path = ?").run(artifactId, filePath)
      if (file.stored === 1) orphans.push(...this.unreferenced([file.sha256]))
      return "deleted" as const
    }).immediate()
    this.unlinkBlobs(orphans)
    return outcome
  }

  /**
   * Commits: the artifact must be UPLOADING or REGISTERED and have files; its digest is the tree hash of
   * the files' digests as they are now (read in this transaction, so an upload racing the commit cannot
   * slip past it), its size their sum; the client's digest and size, when given, must equal them. The
   * caller has already re-read each managed file's bytes against its digest.
   */
  commit(artifactId: string, client: { readonly sha256: string | null; readonly sizeBytes: number | null }): CommitOutcome {
    return this.db.transaction((): CommitOutcome => {
      const artifact = this.artifact(artifactId)
      if (artifact === undefined) return { kind: "not_found" }
      if (artifact.status !== "UPLOADING" && artifact.status !== "REGISTERED") return { kind: "wrong_state", status: artifact.status }
      const files = this.allFiles(artifactId)
      const sha256 = treeHash(files)
      if (sha256 === undefined) return { kind: "empty" }
      const sizeBytes = files.reduce((n, f) => n + f.size_bytes, 0)
      if (client.sha256 !== null && client.sha256 !== sha256) return { kind: "hash_mismatch", client: client.sha256, computed: sha256 }
      if (client.sizeBytes !== null && client.sizeBytes !== sizeBytes) return { kind: "size_mismatch", client: client.sizeBytes, computed: sizeBytes }
      const changed = this.db
        .query("UPDATE artifacts SET status = 'COMMITTED', sha256 = ?, size_bytes = ?, committed_at = ? WHERE id = ? AND status = ?")
        .run(sha256, sizeBytes, now(), artifactId, artifact.status).changes
      if (changed !== 1) return { kind: "wrong_state", status: this.artifact(artifactId)?.status ?? artifact.status }
      return { kind: "committed", artifact: this.artifact(artifactId)! }
    }).immediate()
  }
}
