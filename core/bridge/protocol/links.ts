/** HATEOAS links and the RFC 9457 error body of the protocol. */
import { Schema } from "effect"
import { BASE_PATH } from "./constants.ts"
import type { ArtifactStatus, JobStatus } from "./states.ts"

export const Link = Schema.Struct({ href: Schema.String, method: Schema.String })
export type Link = typeof Link.Type
export const Links = Schema.Record(Schema.String, Link)
export type Links = typeof Links.Type

/** `{type, title, status, detail, instance?}`; `instance` is `urn:request:<X-Request-Id>` when the request had one. */
export const Problem = Schema.Struct({
  type: Schema.String,
  title: Schema.String,
  status: Schema.Number,
  detail: Schema.String,
  instance: Schema.optionalKey(Schema.String),
})
export type Problem = typeof Problem.Type

const get = (href: string): Link => ({ href, method: "GET" })
const post = (href: string): Link => ({ href, method: "POST" })
const put = (href: string): Link => ({ href, method: "PUT" })

/** The actions a job in `status` offers, under the relation names EMX2's server uses. */
export const jobLinks = (id: string, status: JobStatus): Links => {
  const self = `${BASE_PATH}/jobs/${id}`
  const byStatus: Record<JobStatus, Links> = {
    PENDING: { claim: post(`${self}/claim`), cancel: post(`${self}/cancel`) },
    CLAIMED: { submit: post(`${self}/transition`), cancel: post(`${self}/cancel`) },
    SUBMITTED: { start: post(`${self}/transition`), cancel: post(`${self}/cancel`) },
    STARTED: { complete: post(`${self}/transition`), fail: post(`${self}/transition`), cancel: post(`${self}/cancel`) },
    COMPLETED: {},
    FAILED: {},
    CANCELLED: {},
  }
  return { self: get(self), ...byStatus[status], transitions: get(`${self}/transitions`) }
}

export const artifactLinks = (id: string, status: ArtifactStatus): Links => {
  const self = `${BASE_PATH}/artifacts/${id}`
  const file = `${self}/files/{path}`
  const byStatus: Record<ArtifactStatus, Links> = {
    CREATED: { upload: put(file) },
    UPLOADING: { upload: put(file), commit: post(`${self}/commit`) },
    REGISTERED: { commit: post(`${self}/commit`) },
    COMMITTED: { download: get(file) },
    FAILED: {},
  }
  return { self: get(self), ...byStatus[status], files: get(`${self}/files`) }
}

export const workerLinks = (id: string): Links => ({
  self: get(`${BASE_PATH}/workers/${id}`),
  heartbeat: post(`${BASE_PATH}/workers/${id}/heartbeat`),
  jobs: get(`${BASE_PATH}/jobs?status=PENDING`),
})
