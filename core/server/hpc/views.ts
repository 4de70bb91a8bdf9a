/** Stored rows as the protocol's wire bodies (core/bridge/protocol), with their HATEOAS links. */
import {
  artifactLinks,
  jobLinks,
  paths,
  workerLinks,
  type Artifact,
  type ArtifactFile,
  type Capability,
  type Job,
  type Transition,
  type Worker,
} from "../../bridge/protocol/index.ts"
import type { ArtifactRow, FileRow, HubStore, JobRow, TransitionRow, WorkerRow } from "./HubStore.ts"

const parsed = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text))

export const workerView = (w: WorkerRow): Worker => ({
  worker_id: w.worker_id,
  hostname: w.hostname,
  capabilities: JSON.parse(w.capabilities) as Array<Capability>,
  registered_at: w.registered_at,
  last_heartbeat_at: w.last_heartbeat_at,
  _links: workerLinks(w.worker_id),
})

const artifactRef = (store: HubStore, id: string) => {
  const a = store.artifact(id)
  return a === undefined ? { id } : { id, name: a.name, type: a.type, status: a.status }
}

/** Input references as given, each artifact id enriched with its name, type and status (as EMX2 answers). */
const inputsView = (store: HubStore, inputs: unknown): unknown => {
  if (!Array.isArray(inputs)) return inputs
  return inputs.map((ref: unknown) => {
    if (typeof ref === "string") return artifactRef(store, ref)
    if (typeof ref === "object" && ref !== null) {
      const r = ref as Record<string, unknown>
      const id = typeof r["artifact_id"] === "string" ? r["artifact_id"] : typeof r["id"] === "string" ? r["id"] : undefined
      if (id !== undefined) return { ...artifactRef(store, id), artifact_id: id, ...r }
    }
    return ref
  })
}

export const jobView = (store: HubStore, j: JobRow): Job => {
  const parameters = parsed(j.parameters)
  const inputs = parsed(j.inputs)
  return {
    id: j.id,
    processor: j.processor,
    profile: j.profile,
    status: j.status,
    worker_id: j.worker_id,
    slurm_job_id: j.slurm_job_id,
    submit_user: j.submit_user,
    ...(parameters === undefined ? {} : { parameters }),
    ...(inputs === undefined ? {} : { inputs: inputsView(store, inputs) }),
    ...(j.output_artifact_id === null ? {} : { output_artifact: artifactRef(store, j.output_artifact_id) }),
    output_artifact_id: j.output_artifact_id,
    ...(j.log_artifact_id === null ? {} : { log_artifact: artifactRef(store, j.log_artifact_id) }),
    log_artifact_id: j.log_artifact_id,
    timeout_seconds: j.timeout_seconds,
    created_at: j.created_at,
    claimed_at: j.claimed_at,
    submitted_at: j.submitted_at,
    started_at: j.started_at,
    completed_at: j.completed_at,
    phase: j.phase,
    message: j.message,
    progress: j.progress,
    _links: jobLinks(j.id, j.status),
  }
}

export const transitionView = (t: TransitionRow): Transition => ({ ...t })

export const artifactView = (a: ArtifactRow): Artifact => {
  const metadata = parsed(a.metadata)
  return {
    id: a.id,
    name: a.name,
    type: a.type,
    residence: a.residence,
    status: a.status,
    sha256: a.sha256,
    size_bytes: a.size_bytes,
    content_url: a.content_url,
    created_at: a.created_at,
    committed_at: a.committed_at,
    ...(metadata === undefined ? {} : { metadata }),
    _links: artifactLinks(a.id, a.status),
  }
}

export const fileView = (f: FileRow): ArtifactFile => ({
  id: f.id,
  path: f.path,
  sha256: f.sha256,
  size_bytes: f.size_bytes,
  content_type: f.content_type,
  _links: { content: { href: paths.file(f.artifact_id, f.path), method: "GET" } },
})
