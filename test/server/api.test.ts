import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import * as net from "node:net"
import { Schema } from "effect"
import { BatchPredictResponse, EmbeddingResponse, ErrorResponse, HealthResponse, PredictResponse, PropertiesResponse } from "../../core/server/index.ts"
import { ModelLoadFailed } from "../../core/errors/index.ts"
import { postJson, startTestServer, type TestServer } from "./support.ts"

const json = (r: Response): Promise<any> => r.json()

const decode = <A>(schema: Schema.Decoder<A>) => Schema.decodeUnknownSync(schema)

const expectError = async (r: Response, status: number, code: string) => {
  expect(r.status).toBe(status)
  expect(r.headers.get("content-type")).toContain("application/json")
  const body = decode(ErrorResponse)(await json(r))
  expect(body.error.code).toBe(code)
  expect(body.request_id).toBe(r.headers.get("x-request-id")!)
  return body
}

/** Raw HTTP/1.1 over a socket: for requests fetch will not send (bad lengths, chunked streams). */
const rawRequest = (port: number, text: string | ((s: net.Socket) => void)): Promise<string> =>
  new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => (typeof text === "string" ? s.write(text) : text(s)))
    let out = ""
    s.on("data", (d) => (out += d.toString()))
    s.on("end", () => resolve(out))
    s.on("close", () => resolve(out))
    s.on("error", (e) => (out === "" ? reject(e) : resolve(out)))
    setTimeout(() => s.destroy(), 3000)
  })

describe("server without an API key", () => {
  let s: TestServer
  beforeAll(async () => {
    s = await startTestServer()
  })
  afterAll(() => s.close())

  test("GET /v1/health: the Python HealthResponse", async () => {
    const r = await fetch(`${s.url}/v1/health`)
    expect(r.status).toBe(200)
    const body = await json(r)
    expect(Object.keys(body).sort()).toEqual(["checkpoints_present", "gpu_available", "model_loaded", "status"])
    expect(decode(HealthResponse)(body)).toEqual({ status: "ok", model_loaded: true, checkpoints_present: true, gpu_available: false })
  })

  test("GET /v1/properties", async () => {
    const r = await fetch(`${s.url}/v1/properties`)
    expect(r.status).toBe(200)
    const body = decode(PropertiesResponse)(await json(r))
    expect(body.properties.map((p) => p.id)).toEqual(["eps", "tg"])
    expect(Object.keys(body.properties[0]!).sort()).toEqual(["id", "label", "units"])
  })

  test("POST /v1/predict: the Python PredictResponse, embedding null unless asked", async () => {
    const r = await postJson(`${s.url}/v1/predict`, { smiles: "*CC(C)*", property: "eps" })
    expect(r.status).toBe(200)
    const raw = await json(r)
    expect(Object.keys(raw).sort()).toEqual(["embedding", "model", "prediction", "property", "request_id", "smiles"])
    const body = decode(PredictResponse)(raw)
    expect(body.smiles).toBe("*CC(C)*")
    expect(body.property).toBe("eps")
    expect(body.embedding).toBeNull()
    expect(body.model).toEqual({ name: "PerioGT", checkpoint: "test-double/eps.onnx" })
    expect(body.prediction.units).toBe("test-double")
    expect(body.request_id).toBe(r.headers.get("x-request-id")!)
    const again = decode(PredictResponse)(await json(await postJson(`${s.url}/v1/predict`, { smiles: "*CC(C)*", property: "eps" })))
    expect(again.prediction.value).toBe(body.prediction.value)

    const withEmbedding = decode(PredictResponse)(await json(await postJson(`${s.url}/v1/predict`, { smiles: "*CC(C)*", property: "eps", return_embedding: true })))
    expect(withEmbedding.embedding).toHaveLength(8)
  })

  test("X-Request-Id: echoed when a plain token, replaced otherwise", async () => {
    const r = await postJson(`${s.url}/v1/predict`, { smiles: "*CC*", property: "eps" }, { "x-request-id": "job-42.a" })
    expect(r.headers.get("x-request-id")).toBe("job-42.a")
    expect((await json(r)).request_id).toBe("job-42.a")
    const odd = await fetch(`${s.url}/v1/health`, { headers: { "x-request-id": "has spaces and <tags>" } })
    expect(odd.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/)
    const none = await fetch(`${s.url}/nowhere`)
    expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/)
  })

  test("invalid repeat units: 422 validation_error with details.rule", async () => {
    const noStar = await expectError(await postJson(`${s.url}/v1/predict`, { smiles: "CC", property: "eps" }), 422, "validation_error")
    expect(noStar.error.details).toMatchObject({ rule: "no_wildcard" })
    const three = await expectError(await postJson(`${s.url}/v1/predict`, { smiles: "*C(*)C*", property: "eps" }), 422, "validation_error")
    expect(three.error.details).toMatchObject({ rule: "wildcard_count" })
    const emb = await expectError(await postJson(`${s.url}/v1/embeddings`, { smiles: "invalid" }), 422, "validation_error")
    expect(emb.error.details).toMatchObject({ rule: "no_wildcard" })
  })

  test("unknown property: 422 unsupported_property listing the available ones", async () => {
    const body = await expectError(await postJson(`${s.url}/v1/predict`, { smiles: "*CC*", property: "density" }), 422, "unsupported_property")
    expect(body.error.details).toEqual({ property: "density", available: ["eps", "tg"] })
  })

  test("request limits of the Python schemas: smiles 1–2000, property 1–64, ≤100 batch items", async () => {
    const ok2000 = await postJson(`${s.url}/v1/predict`, { smiles: "*" + "C".repeat(1998) + "*", property: "eps" })
    expect(ok2000.status).toBe(200)
    const long = await expectError(await postJson(`${s.url}/v1/predict`, { smiles: "*" + "C".repeat(1999) + "*", property: "eps" }), 422, "validation_error")
    expect(long.error.details).toMatchObject({ reason: "invalid_body", issues: [{ path: ["smiles"] }] })
    await expectError(await postJson(`${s.url}/v1/predict`, { smiles: "", property: "eps" }), 422, "validation_error")
    await expectError(await postJson(`${s.url}/v1/predict`, { smiles: "*CC*", property: "p".repeat(65) }), 422, "validation_error")
    await expectError(await postJson(`${s.url}/v1/predict`, { smiles: "*CC*", property: "" }), 422, "validation_error")
    await expectError(await postJson(`${s.url}/v1/predict`, { smiles: "*CC*" }), 422, "validation_error")
    await expectError(await postJson(`${s.url}/v1/predict`, { smiles: 5, property: "eps" }), 422, "validation_error")
    await expectError(await postJson(`${s.url}/v1/predict`, { smiles: "*CC*", property: "eps", return_embedding: "yes" }), 422, "validation_error")
    await expectError(await postJson(`${s.url}/v1/embeddings`, { smiles: "x".repeat(2001) }), 422, "validation_error")
    const items = Array.from({ length: 101 }, () => ({ smiles: "*CC*", property: "eps" }))
    const many = await expectError(await postJson(`${s.url}/v1/predict/batch`, { items }), 422, "validation_error")
    expect(many.error.details).toMatchObject({ issues: [{ path: ["items"] }] })
    // Unknown fields are ignored, as pydantic does by default.
    expect((await postJson(`${s.url}/v1/predict`, { smiles: "*CC*", property: "eps", extra: 1 })).status).toBe(200)
  })

  test("malformed JSON and empty bodies: 422 validation_error (FastAPI's status for body errors)", async () => {
    const bad = await expectError(await postJson(`${s.url}/v1/predict`, "{not json"), 422, "validation_error")
    expect(bad.error.details).toMatchObject({ reason: "malformed_json" })
    const empty = await expectError(await postJson(`${s.url}/v1/predict`, ""), 422, "validation_error")
    expect(empty.error.details).toMatchObject({ reason: "missing_body" })
    await expectError(await postJson(`${s.url}/v1/predict`, "[1,2]"), 422, "validation_error")
    await expectError(await postJson(`${s.url}/v1/predict`, "null"), 422, "validation_error")
  })

  test("content type: 415 unless JSON; a missing Content-Type is read as JSON, as FastAPI does", async () => {
    const text = await fetch(`${s.url}/v1/predict`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ smiles: "*CC*", property: "eps" }) })
    await expectError(text, 415, "unsupported_media_type")
    const form = await fetch(`${s.url}/v1/embeddings`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "smiles=*CC*" })
    await expectError(form, 415, "unsupported_media_type")
    const charset = await fetch(`${s.url}/v1/predict`, { method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify({ smiles: "*CC*", property: "eps" }) })
    expect(charset.status).toBe(200)
    const raw = await rawRequest(s.port, `POST /v1/predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 35\r\n\r\n{"smiles":"*CC*","property":"eps"}\n`)
    expect(raw).toStartWith("HTTP/1.1 200")
  })

  test("oversized bodies: 413, from Content-Length and while reading a chunked body", async () => {
    const big = JSON.stringify({ smiles: "*CC*", property: "eps", pad: "x".repeat(1024 * 1024) })
    const body = await expectError(await postJson(`${s.url}/v1/predict`, big), 413, "payload_too_large")
    expect(body.error.details).toMatchObject({ limit_bytes: 1024 * 1024 })
    const chunked = await rawRequest(s.port, (sock) => {
      sock.write("POST /v1/predict/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
      const chunk = "x".repeat(64 * 1024)
      let sent = 0
      const pump = () => {
        while (sent < 40 && !sock.destroyed) {
          sent++
          if (!sock.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)) return void sock.once("drain", pump)
        }
      }
      pump()
    })
    expect(chunked).toStartWith("HTTP/1.1 413")
    expect(chunked).toContain('"payload_too_large"')
    // The server is still fine.
    expect((await fetch(`${s.url}/v1/health`)).status).toBe(200)
  })

  test("unknown route 404, wrong method 405 with Allow, OPTIONS 204, HEAD served as GET", async () => {
    await expectError(await fetch(`${s.url}/v2/predict`), 404, "not_found")
    await expectError(await fetch(`${s.url}/v1/health/`), 404, "not_found")
    const get = await expectError(await fetch(`${s.url}/v1/predict`), 405, "method_not_allowed")
    expect(get.error.details).toEqual({ method: "GET", allowed: ["POST"] })
    const r = await fetch(`${s.url}/v1/predict`, { method: "DELETE" })
    expect(r.headers.get("allow")).toBe("POST, OPTIONS")
    await expectError(r, 405, "method_not_allowed")
    const post = await postJson(`${s.url}/v1/properties`, {})
    expect(post.headers.get("allow")).toBe("GET, HEAD, OPTIONS")
    await expectError(post, 405, "method_not_allowed")
    const options = await fetch(`${s.url}/v1/predict/batch`, { method: "OPTIONS" })
    expect(options.status).toBe(204)
    expect(options.headers.get("allow")).toBe("POST, OPTIONS")
    const head = await fetch(`${s.url}/v1/health`, { method: "HEAD" })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe("")
  })

  test("POST /v1/embeddings", async () => {
    const r = await postJson(`${s.url}/v1/embeddings`, { smiles: "*CC(c1ccccc1)*" })
    expect(r.status).toBe(200)
    const raw = await json(r)
    expect(Object.keys(raw).sort()).toEqual(["dim", "embedding", "request_id", "smiles"])
    const body = decode(EmbeddingResponse)(raw)
    expect(body.dim).toBe(8)
    expect(body.embedding).toHaveLength(8)
  })

  test("POST /v1/predict/batch: per-item results in order, item errors in the ErrorDetail shape", async () => {
    const r = await postJson(`${s.url}/v1/predict/batch`, {
      items: [
        { smiles: "*CC*", property: "eps" },
        { smiles: "*CC(C)*", property: "tg", return_embedding: true },
        { smiles: "CC", property: "eps" },
        { smiles: "*CC*", property: "density" },
        { smiles: "*CC*", property: "tg" },
      ],
    })
    expect(r.status).toBe(200)
    const body = decode(BatchPredictResponse)(await json(r))
    expect(body.request_id).toBe(r.headers.get("x-request-id")!)
    const [a, b, c, d, e] = body.results as ReadonlyArray<Record<string, unknown>>
    expect(a).toMatchObject({ smiles: "*CC*", property: "eps", embedding: null, request_id: body.request_id })
    expect((b!.embedding as Array<number>).length).toBe(8)
    expect(c).toMatchObject({ code: "validation_error", details: { smiles: "CC", property: "eps", rule: "no_wildcard" } })
    expect(d).toMatchObject({ code: "unsupported_property", details: { smiles: "*CC*", property: "density" } })
    expect(e).toMatchObject({ smiles: "*CC*", property: "tg" })
    // The single endpoint gives the same value as the batch.
    const single = decode(PredictResponse)(await json(await postJson(`${s.url}/v1/predict`, { smiles: "*CC*", property: "tg" })))
    expect((e as { prediction: { value: number } }).prediction.value).toBe(single.prediction.value)
    const empty = decode(BatchPredictResponse)(await json(await postJson(`${s.url}/v1/predict/batch`, { items: [] })))
    expect(empty.results).toEqual([])
  })

  test("a failing or crashing Predictor call: 500 in the error shape, the server carries on", async () => {
    await expectError(await postJson(`${s.url}/v1/predict`, { smiles: "*C(FAILCALL)*", property: "eps" }), 500, "internal_error")
    await expectError(await postJson(`${s.url}/v1/embeddings`, { smiles: "*C(DEFECT)*" }), 500, "internal_error")
    await expectError(await postJson(`${s.url}/v1/predict`, { smiles: "*C(SYNCTHROW)*", property: "eps" }), 500, "internal_error")
    expect((await postJson(`${s.url}/v1/predict`, { smiles: "*CC*", property: "eps" })).status).toBe(200)
  })

  test("GET /openapi.json: OpenAPI 3.1 generated from the request Schemas; /docs renders it without scripts", async () => {
    const doc = await json(await fetch(`${s.url}/openapi.json`))
    expect(doc.openapi).toBe("3.1.0")
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/v1/health", "/v1/properties", "/v1/predict", "/v1/embeddings", "/v1/predict/batch", "/metrics"]))
    expect(doc.paths["/v1/predict"].post.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/PredictRequest" })
    const req = doc.components.schemas.PredictRequest
    expect(req.required).toEqual(["smiles", "property"])
    expect(req.properties.smiles).toMatchObject({ type: "string", minLength: 1, maxLength: 2000 })
    expect(req.properties.property).toMatchObject({ minLength: 1, maxLength: 64 })
    expect(doc.components.schemas.BatchPredictRequest.properties.items.maxItems).toBe(100)
    // No public operation: every route needs the key when one is set.
    expect(doc.paths["/v1/health"].get.security).toBeUndefined()
    expect(doc.security).toEqual([{ ApiKey: [] }])
    for (const [, ops] of Object.entries(doc.paths) as Array<[string, Record<string, { responses: Record<string, unknown> }>]>)
      for (const op of Object.values(ops)) expect(Object.keys(op.responses).some((k) => /^2\d\d$/.test(k))).toBe(true)
    for (const path of ["/docs", "/v1/docs"]) {
      const html = await fetch(`${s.url}${path}`)
      expect(html.status).toBe(200)
      expect(html.headers.get("content-type")).toContain("text/html")
      const text = await html.text()
      expect(text).toContain("/v1/predict/batch")
      expect(text).toContain('id="schema-PredictRequest"')
      expect(text).not.toContain("<script")
      expect(text).not.toMatch(/https?:\/\//)
    }
  })

  test("GET /metrics: Prometheus text with requests, latency, batch sizes and queue depth", async () => {
    await postJson(`${s.url}/v1/predict`, { smiles: "*CC*", property: "eps" })
    await fetch(`${s.url}/nowhere/at/all`)
    const r = await fetch(`${s.url}/metrics`)
    expect(r.status).toBe(200)
    expect(r.headers.get("content-type")).toContain("text/plain; version=0.0.4")
    const text = await r.text()
    expect(text).toMatch(/^periogt_http_requests_total\{route="\/v1\/predict",method="POST",status="200"\} \d+$/m)
    expect(text).toMatch(/^periogt_http_requests_total\{route="unmatched",method="GET",status="404"\} \d+$/m)
    expect(text).toMatch(/^periogt_http_request_duration_seconds_bucket\{route="\/v1\/predict",method="POST",le="\+Inf"\} \d+$/m)
    expect(text).toMatch(/^periogt_batch_items_count\{kind="predict"\} \d+$/m)
    expect(text).toMatch(/^periogt_queue_depth 0$/m)
    expect(text).toMatch(/^periogt_queue_capacity 1024$/m)
    expect(text).toMatch(/^periogt_model_loaded 1$/m)
    expect(text).not.toContain("nowhere")
  })
})

describe("server with an API key", () => {
  const KEY = "s3cret-key-for-tests-0123456789"
  let s: TestServer
  beforeAll(async () => {
    s = await startTestServer({ apiKey: KEY })
  })
  afterAll(() => s.close())

  test("every route, health and the docs included, needs a matching X-Api-Key (seed 001 §F3): else 401 in the error shape", async () => {
    for (const [method, path] of [
      ["GET", "/v1/health"],
      ["GET", "/openapi.json"],
      ["GET", "/docs"],
      ["GET", "/v1/docs"],
      ["GET", "/v1/properties"],
      ["POST", "/v1/predict"],
      ["POST", "/v1/embeddings"],
      ["POST", "/v1/predict/batch"],
      ["GET", "/metrics"],
      ["GET", "/unknown"],
    ] as const) {
      const none = await fetch(`${s.url}${path}`, { method })
      const body = await expectError(none, 401, "unauthorized")
      expect(body.error.message).toBe("Invalid or missing X-Api-Key")
      await expectError(await fetch(`${s.url}${path}`, { method, headers: { "x-api-key": "wrong" } }), 401, "unauthorized")
      await expectError(await fetch(`${s.url}${path}`, { method, headers: { "x-api-key": KEY + "x" } }), 401, "unauthorized")
      await expectError(await fetch(`${s.url}${path}`, { method, headers: { "x-api-key": "" } }), 401, "unauthorized")
    }
  })

  test("the right key is served", async () => {
    const h = { "x-api-key": KEY }
    expect((await fetch(`${s.url}/v1/properties`, { headers: h })).status).toBe(200)
    expect((await postJson(`${s.url}/v1/predict`, { smiles: "*CC*", property: "eps" }, h)).status).toBe(200)
    expect((await postJson(`${s.url}/v1/embeddings`, { smiles: "*CC*" }, h)).status).toBe(200)
    expect((await postJson(`${s.url}/v1/predict/batch`, { items: [{ smiles: "*CC*", property: "eps" }] }, h)).status).toBe(200)
    expect((await fetch(`${s.url}/metrics`, { headers: h })).status).toBe(200)
    for (const path of ["/v1/health", "/openapi.json", "/docs", "/v1/docs"]) expect((await fetch(`${s.url}${path}`, { headers: h })).status).toBe(200)
    await expectError(await fetch(`${s.url}/unknown`, { headers: h }), 404, "not_found")
  })

  test("the key never reaches the logs", () => {
    expect(s.logs.length).toBeGreaterThan(10)
    expect(s.logs.join("\n")).not.toContain(KEY)
  })
})

describe("model state", () => {
  test("while loading: health says initializing, model routes answer 503 model_loading with Retry-After; failed: health says failed, routes answer its error", async () => {
    const s = await startTestServer({ predictor: { status: { state: "loading" } }, checkpointsPresent: false })
    try {
      const health = decode(HealthResponse)(await json(await fetch(`${s.url}/v1/health`)))
      expect(health).toEqual({ status: "initializing", model_loaded: false, checkpoints_present: false, gpu_available: false })
      for (const r of [
        await fetch(`${s.url}/v1/properties`),
        await postJson(`${s.url}/v1/predict`, { smiles: "*CC*", property: "eps" }),
        await postJson(`${s.url}/v1/embeddings`, { smiles: "*CC*" }),
        await postJson(`${s.url}/v1/predict/batch`, { items: [{ smiles: "*CC*", property: "eps" }] }),
      ]) {
        expect(r.headers.get("retry-after")).toBe("10")
        await expectError(r, 503, "model_loading")
      }
      // Body errors come first, as FastAPI validates before the handler runs.
      await expectError(await postJson(`${s.url}/v1/predict`, "{"), 422, "validation_error")

      s.control.setStatus({ state: "failed", error: new ModelLoadFailed({ message: "checkpoint eps.onnx is damaged", action: "rerun periogt setup" }) })
      const failed = await json(await fetch(`${s.url}/v1/health`))
      expect(failed).toMatchObject({ status: "failed", model_loaded: false, error: { code: "model_load_failed", message: "checkpoint eps.onnx is damaged" } })
      await expectError(await postJson(`${s.url}/v1/predict`, { smiles: "*CC*", property: "eps" }), 500, "model_load_failed")

      s.control.setStatus({ state: "ready" })
      expect((await postJson(`${s.url}/v1/predict`, { smiles: "*CC*", property: "eps" })).status).toBe(200)
    } finally {
      await s.close()
    }
  })
})

describe("request details", () => {
  test("query strings are ignored when routing; unknown methods are 405 and counted as OTHER", async () => {
    const s = await startTestServer({ quiet: true })
    try {
      expect((await fetch(`${s.url}/v1/health?verbose=1`)).status).toBe(200)
      const odd = await fetch(`${s.url}/v1/health`, { method: "PATCH" })
      await expectError(odd, 405, "method_not_allowed")
      const metrics = await (await fetch(`${s.url}/metrics`)).text()
      expect(metrics).toMatch(/^periogt_http_requests_total\{route="\/v1\/health",method="PATCH",status="405"\} 1$/m)
    } finally {
      await s.close()
    }
  })
})
