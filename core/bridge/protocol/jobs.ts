/** Job bodies (Appendix A.2): create, claim, transition, the job itself, lists and the transition log. */
import { Schema } from "effect"
import { PROGRESS_LIMITS } from "./constants.ts"
import { Links } from "./links.ts"
import { JOB_STATUSES } from "./states.ts"

export const JobStatusSchema = Schema.Literals(JOB_STATUSES)

/** `POST /api/hpc/jobs`. `submit_user` is never taken from the client. */
export const JobCreate = Schema.Struct({
  processor: Schema.String.check(Schema.isMinLength(1)),
  profile: Schema.optionalKey(Schema.NullOr(Schema.String)),
  parameters: Schema.optionalKey(Schema.Unknown),
  /** `[{artifact_id}]`, `["id"]` or `{name: "id"}`: EMX2 accepts all three and so does the hub. */
  inputs: Schema.optionalKey(Schema.Unknown),
  timeout_seconds: Schema.optionalKey(Schema.NullOr(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))),
})
export type JobCreate = typeof JobCreate.Type

export const JobCreated = Schema.Struct({ id: Schema.String, status: JobStatusSchema, _links: Links })
export type JobCreated = typeof JobCreated.Type

/** `POST …/claim`: no field is required; a `worker_id` given must equal `X-Worker-Id`. */
export const ClaimRequest = Schema.Struct({ worker_id: Schema.optionalKey(Schema.NullOr(Schema.String)) })
export type ClaimRequest = typeof ClaimRequest.Type

const Phase = Schema.String.check(Schema.isMaxLength(PROGRESS_LIMITS.phaseMaxLength))
const Message = Schema.String.check(Schema.isMaxLength(PROGRESS_LIMITS.messageMaxLength))
const Progress = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(1))

/** `POST …/transition` and `POST …/complete` (the latter only to a terminal status). */
export const TransitionRequest = Schema.Struct({
  status: JobStatusSchema,
  worker_id: Schema.optionalKey(Schema.NullOr(Schema.String)),
  detail: Schema.optionalKey(Schema.NullOr(Schema.String)),
  slurm_job_id: Schema.optionalKey(Schema.NullOr(Schema.String)),
  output_artifact_id: Schema.optionalKey(Schema.NullOr(Schema.String)),
  log_artifact_id: Schema.optionalKey(Schema.NullOr(Schema.String)),
  phase: Schema.optionalKey(Schema.NullOr(Phase)),
  message: Schema.optionalKey(Schema.NullOr(Message)),
  progress: Schema.optionalKey(Schema.NullOr(Progress)),
})
export type TransitionRequest = typeof TransitionRequest.Type

const ArtifactRef = Schema.Struct({
  id: Schema.String,
  name: Schema.optionalKey(Schema.NullOr(Schema.String)),
  type: Schema.optionalKey(Schema.NullOr(Schema.String)),
  status: Schema.optionalKey(Schema.String),
})

const Nullable = Schema.NullOr(Schema.String)

export const Job = Schema.Struct({
  id: Schema.String,
  processor: Schema.String,
  profile: Nullable,
  status: JobStatusSchema,
  worker_id: Nullable,
  slurm_job_id: Nullable,
  submit_user: Nullable,
  parameters: Schema.optionalKey(Schema.Unknown),
  inputs: Schema.optionalKey(Schema.Unknown),
  output_artifact: Schema.optionalKey(ArtifactRef),
  output_artifact_id: Nullable,
  log_artifact: Schema.optionalKey(ArtifactRef),
  log_artifact_id: Nullable,
  timeout_seconds: Schema.NullOr(Schema.Number),
  created_at: Schema.String,
  claimed_at: Nullable,
  submitted_at: Nullable,
  started_at: Nullable,
  completed_at: Nullable,
  phase: Nullable,
  message: Nullable,
  progress: Schema.NullOr(Schema.Number),
  _links: Links,
})
export type Job = typeof Job.Type

export const JobList = Schema.Struct({
  items: Schema.Array(Job),
  count: Schema.Number,
  total_count: Schema.Number,
  limit: Schema.Number,
  offset: Schema.Number,
  _links: Links,
})
export type JobList = typeof JobList.Type

/** One entry of the audit log; the first is `null → PENDING` ("Job created"). */
export const Transition = Schema.Struct({
  id: Schema.String,
  job_id: Schema.String,
  from_status: Schema.NullOr(JobStatusSchema),
  to_status: JobStatusSchema,
  timestamp: Schema.String,
  worker_id: Nullable,
  detail: Nullable,
  phase: Nullable,
  message: Nullable,
  progress: Schema.NullOr(Schema.Number),
})
export type Transition = typeof Transition.Type

export const TransitionList = Schema.Struct({ items: Schema.Array(Transition), count: Schema.Number })
export type TransitionList = typeof TransitionList.Type
