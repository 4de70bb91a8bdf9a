import { Effect } from "effect"
import { UnsupportedProperty } from "../../errors/index.ts"
import { Predictor } from "../../pipeline/Predictor.ts"
import type { PropertiesResponse } from "../domain/Api.ts"
import { jsonResponse } from "../http/Problem.ts"
import { requireModel } from "../http/ready.ts"
import type { Handler } from "../http/Route.ts"

/** `GET /v1/properties`: what the loaded models predict, as `{properties: [{id, label, units}]}`. */
export const properties: Handler = () =>
  Effect.gen(function* () {
    yield* requireModel
    const predictor = yield* Predictor
    const body: PropertiesResponse = { properties: predictor.properties().map((p) => ({ id: p.id, label: p.label, units: p.units })) }
    return jsonResponse(body)
  })

/** Property ids are matched exactly, as the Python backend matches its index keys. */
export const unsupportedProperty = (property: string, available: ReadonlyArray<string>) =>
  new UnsupportedProperty({
    message: `Unsupported property '${property}'. Supported: ${available.join(", ") || "none"}`,
    action: "choose a property listed by GET /v1/properties",
    details: { property, available },
  })
