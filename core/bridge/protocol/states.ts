/**
 * The job and artifact state machines of the EMX2 HPC protocol ("Job Lifecycle", "Artifact Lifecycle"),
 * as tables. Any move not listed is illegal (409 on the wire); terminal states have no way out.
 */

export const JOB_STATUSES = ["PENDING", "CLAIMED", "SUBMITTED", "STARTED", "COMPLETED", "FAILED", "CANCELLED"] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

export const JOB_TRANSITIONS: Readonly<Record<JobStatus, ReadonlyArray<JobStatus>>> = {
  PENDING: ["CLAIMED", "CANCELLED"],
  CLAIMED: ["SUBMITTED", "FAILED", "CANCELLED"],
  SUBMITTED: ["STARTED", "FAILED", "CANCELLED"],
  STARTED: ["COMPLETED", "FAILED", "CANCELLED"],
  COMPLETED: [],
  FAILED: [],
  CANCELLED: [],
}

export const TERMINAL_STATUSES: ReadonlyArray<JobStatus> = ["COMPLETED", "FAILED", "CANCELLED"]

export const isJobStatus = (s: unknown): s is JobStatus => typeof s === "string" && (JOB_STATUSES as ReadonlyArray<string>).includes(s)

export const isTerminal = (s: JobStatus): boolean => JOB_TRANSITIONS[s].length === 0

/** Whether `from → to` is a move of the state machine (a same-state report is not: see the hub's rules). */
export const canTransition = (from: JobStatus, to: JobStatus): boolean => JOB_TRANSITIONS[from].includes(to)

export const ARTIFACT_STATUSES = ["CREATED", "UPLOADING", "REGISTERED", "COMMITTED", "FAILED"] as const
export type ArtifactStatus = (typeof ARTIFACT_STATUSES)[number]

export const ARTIFACT_TRANSITIONS: Readonly<Record<ArtifactStatus, ReadonlyArray<ArtifactStatus>>> = {
  CREATED: ["UPLOADING", "FAILED"],
  UPLOADING: ["COMMITTED", "FAILED"],
  REGISTERED: ["COMMITTED", "FAILED"],
  COMMITTED: [],
  FAILED: [],
}

export const canTransitionArtifact = (from: ArtifactStatus, to: ArtifactStatus): boolean => ARTIFACT_TRANSITIONS[from].includes(to)

/** Where an artifact's bytes live: `managed` ones are stored by the hub, the others are only registered. */
export const ARTIFACT_RESIDENCES = ["managed", "posix", "s3", "http", "reference"] as const
export type ArtifactResidence = (typeof ARTIFACT_RESIDENCES)[number]
