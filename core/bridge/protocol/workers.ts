/** Worker registration and heartbeat bodies (Appendix A.1). */
import { Schema } from "effect"
import { Links } from "./links.ts"

export const Capability = Schema.Struct({
  processor: Schema.String.check(Schema.isMinLength(1)),
  /** Absent or null: the worker runs the processor's jobs of any profile. */
  profile: Schema.optionalKey(Schema.NullOr(Schema.String)),
  max_concurrent_jobs: Schema.optionalKey(Schema.NullOr(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))),
})
export type Capability = typeof Capability.Type

/** `POST /api/hpc/workers/register`; `worker_id` must equal `X-Worker-Id`. */
export const WorkerRegistration = Schema.Struct({
  worker_id: Schema.String.check(Schema.isMinLength(1)),
  hostname: Schema.optionalKey(Schema.NullOr(Schema.String)),
  capabilities: Schema.optionalKey(Schema.Array(Capability)),
})
export type WorkerRegistration = typeof WorkerRegistration.Type

export const Worker = Schema.Struct({
  worker_id: Schema.String,
  hostname: Schema.NullOr(Schema.String),
  capabilities: Schema.Array(Capability),
  registered_at: Schema.String,
  last_heartbeat_at: Schema.String,
  _links: Links,
})
export type Worker = typeof Worker.Type

export const WorkerList = Schema.Struct({ items: Schema.Array(Worker), count: Schema.Number })
export type WorkerList = typeof WorkerList.Type

export const HeartbeatResponse = Schema.Struct({ worker_id: Schema.String, status: Schema.Literal("ok") })
export type HeartbeatResponse = typeof HeartbeatResponse.Type
