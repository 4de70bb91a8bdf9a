import { Effect } from "effect"
import { errorBody, type PeriogtError } from "../../errors/index.ts"
import { Predictor } from "../../pipeline/Predictor.ts"
import { Coalescer, type PredictValue } from "../batching/Coalescer.ts"
import { BatchPredictRequest, PredictRequest, type BatchPredictResponse, type ErrorDetail, type PredictResponse } from "../domain/Api.ts"
import { decodeJsonBody } from "../http/body.ts"
import { jsonResponse } from "../http/Problem.ts"
import { requireModel } from "../http/ready.ts"
import type { Handler } from "../http/Route.ts"
import { unsupportedProperty } from "../properties/Http.ts"
import { ServerConfig } from "../ServerConfig.ts"

const toResponse = (smiles: string, property: string, v: PredictValue, requestId: string): PredictResponse => ({
  smiles,
  property,
  prediction: { value: v.value.value, units: v.value.units },
  embedding: v.embedding ?? null,
  model: { name: "PerioGT", checkpoint: v.value.checkpoint },
  request_id: requestId,
})

/** A batch item's error: the Python backend's ErrorDetail, its details naming the item. */
const itemError = (e: PeriogtError, smiles: string, property: string): ErrorDetail => ({
  ...errorBody(e),
  details: { ...(e.details ?? {}), smiles, property },
})

/** `POST /v1/predict`: one repeat unit, one property; the item's own error is the response's. */
export const predict: Handler = ({ requestId }) =>
  Effect.gen(function* () {
    const { limits } = yield* ServerConfig
    const body = yield* decodeJsonBody(PredictRequest, limits.maxBodyBytes)
    yield* requireModel
    const available = (yield* Predictor).properties().map((p) => p.id)
    if (!available.includes(body.property)) return yield* unsupportedProperty(body.property, available)
    const [result] = yield* (yield* Coalescer).predict([{ smiles: body.smiles, property: body.property, returnEmbedding: body.return_embedding === true }])
    if (!result!.ok) return yield* Effect.fail(result!.error)
    return jsonResponse(toResponse(body.smiles, body.property, result!.value, requestId))
  })

/**
 * `POST /v1/predict/batch`: up to 100 items, answered in order, each a PredictResponse or that item's
 * ErrorDetail (an unknown property or an invalid repeat unit fails its item, not the request). The
 * items join the same queue as single requests, so they share Predictor batches with them.
 */
export const predictBatch: Handler = ({ requestId }) =>
  Effect.gen(function* () {
    const { limits } = yield* ServerConfig
    const body = yield* decodeJsonBody(BatchPredictRequest, limits.maxBodyBytes)
    yield* requireModel
    const available = (yield* Predictor).properties().map((p) => p.id)
    const known = new Set(available)
    const queued = body.items.flatMap((item, index) => (known.has(item.property) ? [{ index, item }] : []))
    const outcomes = yield* (yield* Coalescer).predict(queued.map(({ item }) => ({ smiles: item.smiles, property: item.property, returnEmbedding: item.return_embedding === true })))
    const byIndex = new Map(queued.map(({ index }, i) => [index, outcomes[i]!]))
    const results = body.items.map((item, index): PredictResponse | ErrorDetail => {
      const r = byIndex.get(index)
      if (r === undefined) return itemError(unsupportedProperty(item.property, available), item.smiles, item.property)
      return r.ok ? toResponse(item.smiles, item.property, r.value, requestId) : itemError(r.error, item.smiles, item.property)
    })
    const response: BatchPredictResponse = { results, request_id: requestId }
    return jsonResponse(response)
  })
