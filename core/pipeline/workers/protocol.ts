/**
 * The messages between the worker pool (main thread) and its workers. One request is one SMILES, of
 * one of two kinds: "featurize" (a repeat unit → the NetworkInput, for the prediction pipeline) or
 * "describe" (a repeat unit or molecule → its 1613 Mordred descriptors, for `periogt descriptors`).
 * The reply carries its typed arrays' buffers transferred, not copied — or the PeriogtError as plain
 * data, which the main thread turns back into the same tagged error.
 */
import type { ScalerParams } from "../../chem/descriptors/index.ts"
import { ERROR_CODES, makeError, type ErrorCode, type PeriogtError } from "../../errors/index.ts"
import type { CappedUnits, Described } from "../describe.ts"
import type { NetworkInput } from "../network.ts"

/** One unit of work, as the pool's callers give it and the worker receives it (with the request's id). */
export type Job =
  | { readonly type: "featurize"; readonly smiles: string }
  /** `scaled`: the network's md vector (the worker's scaler) rather than the raw values. */
  | { readonly type: "describe"; readonly smiles: string; readonly oligomer: CappedUnits; readonly scaled: boolean }

export type ToWorker =
  /**
   * Sent once, right after the worker starts: the descriptor scaler's mean and scale, which "featurize"
   * and scaled "describe" need (a pool for raw descriptors has none).
   */
  | { readonly type: "init"; readonly scaler: ScalerParams | undefined }
  | (Job & { readonly id: number })

export type FromWorker =
  /** RDKit is loaded: the worker takes requests. */
  | { readonly type: "ready" }
  /** `fallbacks`: the capped oligomers whose descriptors MinimalLib read instead of TypeScript, and why (for the pool's debug log). */
  | { readonly type: "result"; readonly id: number; readonly input: NetworkInput; readonly fallbacks: ReadonlyArray<DescriptorFallback> }
  /** The reply to "describe": `values` is a whole buffer of its own (transferred). */
  | { readonly type: "described"; readonly id: number; readonly described: Described }
  /** `fatal`: the featurizer threw (not a validation result): the worker may be unusable and is replaced. */
  | { readonly type: "error"; readonly id: number; readonly error: WireError; readonly fatal: boolean }

/** One capped oligomer whose descriptors were read by MinimalLib, not built in TypeScript. */
export interface DescriptorFallback {
  readonly n: CappedUnits
  readonly reason: string
}

/** A PeriogtError as structured-clone data (the class and its getters do not survive postMessage). */
export interface WireError {
  readonly code: ErrorCode
  readonly message: string
  readonly action?: string
  readonly details?: Record<string, unknown>
  /** The cause's stack or text, for the debug log. */
  readonly cause?: string
}

/** `details` as JSON data: anything that structured clone could refuse is dropped. */
const plain = (details: Record<string, unknown> | undefined): Record<string, unknown> | undefined => {
  if (details === undefined) return undefined
  try {
    return JSON.parse(JSON.stringify(details)) as Record<string, unknown>
  } catch {
    return undefined
  }
}

export const toWire = (e: PeriogtError): WireError => {
  const details = plain(e.details)
  const cause = e.cause === undefined ? undefined : e.cause instanceof Error ? (e.cause.stack ?? e.cause.message) : String(e.cause)
  return {
    code: e.code,
    message: e.message,
    ...(e.action === undefined ? {} : { action: e.action }),
    ...(details === undefined ? {} : { details }),
    ...(cause === undefined ? {} : { cause }),
  }
}

export const fromWire = (w: WireError): PeriogtError =>
  makeError(w.code in ERROR_CODES ? w.code : "internal_error", {
    message: w.message,
    ...(w.action === undefined ? {} : { action: w.action }),
    ...(w.details === undefined ? {} : { details: w.details }),
    ...(w.cause === undefined ? {} : { cause: w.cause }),
  })

const isView = (x: unknown): x is ArrayBufferView => ArrayBuffer.isView(x)

/** Every distinct ArrayBuffer under the input's typed arrays (graphs, fp, md): the transfer list of its reply. */
export const transferables = (input: NetworkInput): Array<ArrayBuffer> => {
  const buffers = new Set<ArrayBuffer>()
  const add = (x: unknown) => {
    if (isView(x) && x.buffer instanceof ArrayBuffer) buffers.add(x.buffer)
  }
  for (const g of input.graphs) for (const v of Object.values(g)) add(v)
  add(input.fp)
  add(input.md)
  return [...buffers]
}

/**
 * The reply to "describe" with `values` in a buffer of its own, so transferring it moves exactly those
 * bytes and detaches nothing the worker still holds (a memo, a larger pool): 13 KB copied per row, which
 * the descriptors' own computation dwarfs.
 */
export const describedReply = (id: number, d: Described): { readonly message: FromWorker; readonly transfer: Array<ArrayBuffer> } => {
  const values = d.values.slice()
  return { message: { type: "described", id, described: { molecule: d.molecule, values } }, transfer: [values.buffer as ArrayBuffer] }
}
