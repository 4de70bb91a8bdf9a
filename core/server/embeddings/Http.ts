import { Effect } from "effect"
import { Coalescer } from "../batching/Coalescer.ts"
import { EmbeddingRequest, type EmbeddingResponse } from "../domain/Api.ts"
import { decodeJsonBody } from "../http/body.ts"
import { jsonResponse } from "../http/Problem.ts"
import { requireModel } from "../http/ready.ts"
import type { Handler } from "../http/Route.ts"
import { ServerConfig } from "../ServerConfig.ts"

/** `POST /v1/embeddings`: the graph embedding of one repeat unit, `{smiles, embedding, dim, request_id}`. */
export const embeddings: Handler = ({ requestId }) =>
  Effect.gen(function* () {
    const { limits } = yield* ServerConfig
    const body = yield* decodeJsonBody(EmbeddingRequest, limits.maxBodyBytes)
    yield* requireModel
    const [result] = yield* (yield* Coalescer).embed([body.smiles])
    if (!result!.ok) return yield* Effect.fail(result!.error)
    const response: EmbeddingResponse = { smiles: body.smiles, embedding: result!.value, dim: result!.value.length, request_id: requestId }
    return jsonResponse(response)
  })
