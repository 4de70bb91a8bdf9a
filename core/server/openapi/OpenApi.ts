import { JsonSchema, Schema } from "effect"
import { PERIOGT_VERSION } from "../../version/version.ts"
import type { RouteSpec } from "../http/Route.ts"

export type OpenApiDocument = {
  readonly openapi: "3.1.0"
  readonly info: { readonly title: string; readonly version: string; readonly description: string }
  readonly paths: Record<string, Record<string, unknown>>
  readonly components: { readonly schemas: Record<string, unknown>; readonly securitySchemes: Record<string, unknown> }
  readonly security: ReadonlyArray<Record<string, ReadonlyArray<string>>>
}

const DESCRIPTION = [
  "PerioGT polymer property inference, the API of the Python HPC backend (same paths, fields and limits).",
  "Errors always have the shape {error: {code, message, details}, request_id}.",
  "When the server has an API key (PERIOGT_API_KEY), every route except /v1/health, /openapi.json and /docs needs a matching X-Api-Key header.",
  "Every response carries X-Request-Id: the client's own (a plain token of at most 128 characters) or a new UUID.",
].join(" ")

/**
 * The OpenAPI 3.1 document, generated from the route table and the same Schemas that decode requests:
 * each Schema becomes a JSON Schema (draft 2020-12, which OpenAPI 3.1 uses as is), its named parts
 * shared under components/schemas.
 */
export const openApiDocument = (routes: ReadonlyArray<RouteSpec>): OpenApiDocument => {
  const roots: Array<JsonSchema.JsonSchema> = []
  const definitions: Record<string, JsonSchema.JsonSchema> = {}
  const slot = (schema: Schema.Top): number => {
    const doc = Schema.toJsonSchemaDocument(schema)
    Object.assign(definitions, doc.definitions)
    roots.push(doc.schema)
    return roots.length - 1
  }
  const plan = routes.filter((r) => r.hidden !== true).map((r) => ({
    route: r,
    request: r.request === undefined ? undefined : slot(r.request),
    responses: Object.entries(r.responses).map(([status, d]) => ({ status, doc: d, schema: d.schema === undefined ? undefined : slot(d.schema) })),
  }))
  const multi = JsonSchema.toMultiDocumentOpenApi3_1({ dialect: "draft-2020-12", schemas: roots as [JsonSchema.JsonSchema, ...Array<JsonSchema.JsonSchema>], definitions })

  const paths: Record<string, Record<string, unknown>> = {}
  for (const { route, request, responses } of plan) {
    const operation: Record<string, unknown> = {
      tags: [route.tag],
      summary: route.summary,
      ...(route.description === undefined ? {} : { description: route.description }),
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
      ...(route.public ? { security: [] } : {}),
      parameters: [
        ...[...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } })),
        ...(route.query ?? []).map((q) => ({ name: q.name, in: "query", required: q.required === true, description: q.description, schema: { type: "string" } })),
        { name: "X-Request-Id", in: "header", required: false, description: "Echoed in the response header and body", schema: { type: "string", maxLength: 128 } },
      ],
      ...(request === undefined ? {} : { requestBody: { required: true, content: { "application/json": { schema: multi.schemas[request] } } } }),
      ...(route.rawRequest === undefined
        ? {}
        : { requestBody: { required: true, description: route.rawRequest.description, content: { [route.rawRequest.contentType]: { schema: { type: "string" } } } } }),
      responses: Object.fromEntries(
        responses.map(({ status, doc, schema }) => [
          status,
          {
            description: doc.description,
            ...(schema !== undefined
              ? { content: { [doc.contentType ?? "application/json"]: { schema: multi.schemas[schema] } } }
              : doc.contentType !== undefined
                ? { content: { [doc.contentType]: { schema: { type: "string" } } } }
                : {}),
          },
        ]),
      ),
    }
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation }
  }
  return {
    openapi: "3.1.0",
    info: { title: "PerioGT HPC API", version: PERIOGT_VERSION, description: DESCRIPTION },
    paths,
    components: {
      schemas: multi.definitions,
      securitySchemes: { ApiKey: { type: "apiKey", in: "header", name: "X-Api-Key", description: "Required when the server was started with PERIOGT_API_KEY" } },
    },
    // Public operations override this with `security: []`.
    security: [{ ApiKey: [] }],
  }
}
