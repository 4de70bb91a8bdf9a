/**
 * The stable error taxonomy shared with the Python HPC backend (periogt-demo's error codes).
 * Codes, exit codes and HTTP statuses are part of periogt's public contract: scripts and
 * clients written for the Python backend branch on them, so they never change meaning.
 */
export const ERROR_CODES = {
  validation_error: { exitCode: 2, httpStatus: 422, summary: "an input or a setting is not valid" },
  unsupported_property: { exitCode: 2, httpStatus: 422, summary: "no model for the requested property" },
  checkpoint_missing: { exitCode: 2, httpStatus: 500, summary: "a required artifact is not where it is expected" },
  checksum_mismatch: { exitCode: 2, httpStatus: 500, summary: "a downloaded archive does not match its published checksum" },
  model_load_failed: { exitCode: 2, httpStatus: 500, summary: "a checkpoint or model file could not be read" },
  cuda_unavailable: { exitCode: 2, httpStatus: 500, summary: "CUDA was requested but no usable GPU was found" },
  gpu_unsupported: { exitCode: 2, httpStatus: 500, summary: "the GPU is older than compute capability 7.0" },
  driver_incompatible: { exitCode: 2, httpStatus: 500, summary: "the NVIDIA driver is older than CUDA 12 needs" },
  internal_error: { exitCode: 2, httpStatus: 500, summary: "an unexpected failure" },
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export const errorCodes = Object.keys(ERROR_CODES) as ReadonlyArray<ErrorCode>

/** Process exit codes of every command: the Python backend's scheme. */
export const EXIT = { success: 0, partial: 1, fatal: 2 } as const
