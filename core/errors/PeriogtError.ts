import { Data } from "effect"
import { ERROR_CODES, type ErrorCode } from "./codes.ts"
import { isUserFsError, userFsErrorFields } from "./fsError.ts"

/** What every periogt error carries; `action` tells the user what to do next. */
export interface ErrorFields {
  readonly message: string
  readonly action?: string
  readonly details?: Record<string, unknown>
  readonly cause?: unknown
}

/**
 * One tagged error class per code; the tag *is* the stable code, so
 * `Effect.catchTag("checkpoint_missing", …)` reads like the taxonomy.
 */
const defineError = <Code extends ErrorCode>(code: Code) =>
  class extends Data.TaggedError(code)<ErrorFields> {
    get code(): Code {
      return code
    }
    get exitCode(): number {
      return ERROR_CODES[code].exitCode
    }
    get httpStatus(): number {
      return ERROR_CODES[code].httpStatus
    }
  }

export class ValidationError extends defineError("validation_error") {}
export class UnsupportedProperty extends defineError("unsupported_property") {}
export class CheckpointMissing extends defineError("checkpoint_missing") {}
export class ChecksumMismatch extends defineError("checksum_mismatch") {}
export class ModelLoadFailed extends defineError("model_load_failed") {}
export class CudaUnavailable extends defineError("cuda_unavailable") {}
export class GpuUnsupported extends defineError("gpu_unsupported") {}
export class DriverIncompatible extends defineError("driver_incompatible") {}
export class InternalError extends defineError("internal_error") {}

export type PeriogtError =
  | ValidationError
  | UnsupportedProperty
  | CheckpointMissing
  | ChecksumMismatch
  | ModelLoadFailed
  | CudaUnavailable
  | GpuUnsupported
  | DriverIncompatible
  | InternalError

const byCode = {
  validation_error: ValidationError,
  unsupported_property: UnsupportedProperty,
  checkpoint_missing: CheckpointMissing,
  checksum_mismatch: ChecksumMismatch,
  model_load_failed: ModelLoadFailed,
  cuda_unavailable: CudaUnavailable,
  gpu_unsupported: GpuUnsupported,
  driver_incompatible: DriverIncompatible,
  internal_error: InternalError,
} as const satisfies Record<ErrorCode, unknown>

export const makeError = (code: ErrorCode, fields: ErrorFields): PeriogtError => new byCode[code](fields)

export const isPeriogtError = (u: unknown): u is PeriogtError =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" && u._tag in byCode

/**
 * Anything that is not already a periogt error becomes `internal_error`, keeping the cause for the log —
 * except a filesystem failure the user can fix (EACCES, ENOSPC, EISDIR, …: core/errors/fsError.ts),
 * which is a `validation_error` naming the path and what to do.
 */
export const toPeriogtError = (u: unknown): PeriogtError =>
  isPeriogtError(u)
    ? u
    : isUserFsError(u)
      ? new ValidationError({ ...userFsErrorFields(u), cause: u })
      : new InternalError({
        message: `unexpected failure: ${u instanceof Error ? u.message : String(u)}`,
        action: "this is a bug in periogt; rerun with PERIOGT_LOG_LEVEL=debug and report the log",
        cause: u,
      })

/** The wire shape shared by the CLI's JSON errors, batch rows and the HTTP API. */
export const errorBody = (e: PeriogtError) => ({
  code: e.code,
  message: e.message,
  ...(e.action === undefined ? {} : { action: e.action }),
  ...(e.details === undefined ? {} : { details: e.details }),
})

/**
 * The `catch` of an Effect.tryPromise / Effect.try around filesystem work on `path` (its role in `what`,
 * e.g. "the output file"): a user-fixable filesystem failure is a `validation_error` naming the path and
 * an action; anything else goes through `toPeriogtError`.
 */
export const fromFsError =
  (path?: string, what?: string) =>
  (u: unknown): PeriogtError =>
    isPeriogtError(u) ? u : isUserFsError(u) ? new ValidationError({ ...userFsErrorFields(u, path, what), cause: u }) : toPeriogtError(u)
