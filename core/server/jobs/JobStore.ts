/**
 * The job store: one SQLite file (`bun:sqlite`, WAL mode) under `<results_dir>/jobs/`, with each job's
 * uploaded input and its results as files beside it (`<id>/input.csv`, `<id>/results.csv`, and while it
 * runs the batch engine's `results.csv.partial` / `.progress`). The database holds what the API shows
 * (state, counts, times, error); the batch engine's journal stays the truth about which rows are done,
 * so a job killed mid-run resumes from its last committed chunk, with no row lost or repeated.
 */
import { Database } from "bun:sqlite"
import { randomUUID } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"

export type JobState = "queued" | "running" | "completed" | "failed"

export interface JobErrorDetail {
  readonly code: string
  readonly message: string
  readonly action?: string
  readonly details: unknown
}

export interface JobRecord {
  readonly id: string
  readonly client: string
  readonly state: JobState
  readonly name: string
  /** What the client asked for: property ids, or ["all"]. */
  readonly properties: ReadonlyArray<string>
  readonly inputBytes: number
  readonly rowsTotal: number | null
  readonly rowsDone: number
  readonly rowsFailed: number
  readonly createdAt: number
  readonly startedAt: number | null
  readonly finishedAt: number | null
  readonly error: JobErrorDetail | null
}

interface Row {
  id: string
  client: string
  state: JobState
  name: string
  properties: string
  input_bytes: number
  rows_total: number | null
  rows_done: number
  rows_failed: number
  created_at: number
  started_at: number | null
  finished_at: number | null
  error: string | null
}

const fromRow = (r: Row): JobRecord => ({
  id: r.id,
  client: r.client,
  state: r.state,
  name: r.name,
  properties: JSON.parse(r.properties) as Array<string>,
  inputBytes: r.input_bytes,
  rowsTotal: r.rows_total,
  rowsDone: r.rows_done,
  rowsFailed: r.rows_failed,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  error: r.error === null ? null : (JSON.parse(r.error) as JobErrorDetail),
})

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  client TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'failed')),
  name TEXT NOT NULL,
  properties TEXT NOT NULL,
  input_bytes INTEGER NOT NULL,
  rows_total INTEGER,
  rows_done INTEGER NOT NULL DEFAULT 0,
  rows_failed INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, created_at);
CREATE INDEX IF NOT EXISTS jobs_client ON jobs (client, state);
`

export class JobStore {
  readonly db: Database
  private constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true })
    this.db = new Database(path.join(dir, "jobs.db"), { create: true, strict: true })
    this.db.run("PRAGMA journal_mode = WAL")
    this.db.run("PRAGMA synchronous = NORMAL")
    this.db.run("PRAGMA busy_timeout = 5000")
    this.db.run(SCHEMA)
  }

  /** Opens (or creates) the store in `dir`. Jobs left `running` by a server that died are queued again. */
  static open(dir: string): JobStore {
    const store = new JobStore(dir)
    store.db.run("UPDATE jobs SET state = 'queued' WHERE state = 'running'")
    return store
  }

  static dbPath = (dir: string) => path.join(dir, "jobs.db")

  jobDir = (id: string) => path.join(this.dir, id)
  inputPath = (id: string) => path.join(this.dir, id, "input.csv")
  resultsPath = (id: string) => path.join(this.dir, id, "results.csv")

  /** Writes the uploaded input (flushed) and then records the job as queued, so a row never lacks its input. */
  create(o: { readonly client: string; readonly name: string; readonly properties: ReadonlyArray<string>; readonly input: Uint8Array }): JobRecord {
    const id = randomUUID()
    fs.mkdirSync(this.jobDir(id), { recursive: true })
    const fd = fs.openSync(this.inputPath(id), "w")
    try {
      fs.writeSync(fd, o.input)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    this.db
      .query("INSERT INTO jobs (id, client, state, name, properties, input_bytes, created_at) VALUES ($id, $client, 'queued', $name, $properties, $bytes, $now)")
      .run({ id, client: o.client, name: o.name, properties: JSON.stringify(o.properties), bytes: o.input.byteLength, now: Date.now() })
    return this.get(id)!
  }

  get(id: string): JobRecord | undefined {
    const r = this.db.query("SELECT * FROM jobs WHERE id = $id").get({ id }) as Row | null
    return r === null ? undefined : fromRow(r)
  }

  /** Newest first. */
  list(limit: number): ReadonlyArray<JobRecord> {
    return (this.db.query("SELECT * FROM jobs ORDER BY created_at DESC, id LIMIT $limit").all({ limit }) as Array<Row>).map(fromRow)
  }

  /** Jobs of `client` that are queued or running. */
  activeCount(client: string): number {
    return (this.db.query("SELECT COUNT(*) AS n FROM jobs WHERE client = $client AND state IN ('queued', 'running')").get({ client }) as { n: number }).n
  }

  /** How many jobs are in each state (every state listed). */
  countByState(): ReadonlyMap<JobState, number> {
    const counts = new Map<JobState, number>([["queued", 0], ["running", 0], ["completed", 0], ["failed", 0]])
    for (const r of this.db.query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").all() as Array<{ state: JobState; n: number }>) counts.set(r.state, r.n)
    return counts
  }

  /** The oldest queued job. */
  nextQueued(): JobRecord | undefined {
    const r = this.db.query("SELECT * FROM jobs WHERE state = 'queued' ORDER BY created_at, id LIMIT 1").get() as Row | null
    return r === null ? undefined : fromRow(r)
  }

  markRunning(id: string): void {
    this.db.query("UPDATE jobs SET state = 'running', started_at = COALESCE(started_at, $now) WHERE id = $id").run({ id, now: Date.now() })
  }

  progress(id: string, done: number, total: number | undefined): void {
    this.db.query("UPDATE jobs SET rows_done = $done, rows_total = COALESCE($total, rows_total) WHERE id = $id").run({ id, done, total: total ?? null })
  }

  /** Back to the queue (a graceful stop): the next run resumes from the journal. */
  requeue(id: string): void {
    this.db.query("UPDATE jobs SET state = 'queued' WHERE id = $id AND state = 'running'").run({ id })
  }

  complete(id: string, rows: number, failed: number): void {
    this.db.query("UPDATE jobs SET state = 'completed', rows_done = $rows, rows_total = $rows, rows_failed = $failed, finished_at = $now WHERE id = $id").run({ id, rows, failed, now: Date.now() })
  }

  fail(id: string, error: JobErrorDetail): void {
    this.db.query("UPDATE jobs SET state = 'failed', error = $error, finished_at = $now WHERE id = $id").run({ id, error: JSON.stringify(error), now: Date.now() })
  }

  /** Removes the row and the job's files. */
  remove(id: string): void {
    this.db.query("DELETE FROM jobs WHERE id = $id").run({ id })
    fs.rmSync(this.jobDir(id), { recursive: true, force: true })
  }

  close(): void {
    this.db.close()
  }
}
