import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import { sha256Hex } from "../../core/bridge/protocol/index.ts"
import { rangeOf } from "../../core/server/hpc/range.ts"
import type { ServeProcess } from "../web/support.ts"
import { call, committedArtifact, hubHome, startHub, type HubHome } from "./hubSupport.ts"

/**
 * Range requests on a committed managed file, against a real `serve --demo`, signed like any GET: each
 * answer's bytes are compared with the uploaded ones exactly (a pattern where every offset differs from
 * its neighbours, so an off-by-one shows).
 */
let h: HubHome
let serve: ServeProcess
let artifact: string
const SIZE = 300_001
const data = new Uint8Array(SIZE)
for (let i = 0; i < SIZE; i++) data[i] = (i * 7 + (i >> 8)) & 0xff
const file = () => `/api/hpc/artifacts/${artifact}/files/table/data.parquet`
const get = (range?: string, extra: Record<string, string> = {}) => call(serve.url, h.secret, "GET", file(), { headers: { ...(range === undefined ? {} : { Range: range }), ...extra } })

beforeAll(async () => {
  h = hubHome("periogt-hub-range-")
  serve = await startHub(h)
  artifact = await committedArtifact(serve.url, h.secret, { "table/data.parquet": data })
})

afterAll(async () => {
  await serve?.stop()
  fs.rmSync(h.home, { recursive: true, force: true })
})

test("HEAD and a plain GET advertise Accept-Ranges and the digest as ETag; GET is the whole file", async () => {
  const head = await call(serve.url, h.secret, "HEAD", file())
  expect(head.status).toBe(200)
  expect(head.headers.get("accept-ranges")).toBe("bytes")
  expect(head.headers.get("content-length")).toBe(String(SIZE))
  expect(head.headers.get("etag")).toBe(`"${sha256Hex(data)}"`)
  // Range means nothing to HEAD
  const headRange = await call(serve.url, h.secret, "HEAD", file(), { headers: { Range: "bytes=0-9" } })
  expect(headRange.status).toBe(200)
  expect(headRange.headers.get("content-length")).toBe(String(SIZE))
  const whole = await get()
  expect(whole.status).toBe(200)
  expect(whole.headers.get("accept-ranges")).toBe("bytes")
  expect(whole.bytes).toEqual(data)
})

describe("one range: 206 with exactly those bytes", () => {
  const cases: ReadonlyArray<[string, number, number]> = [
    ["bytes=0-0", 0, 0],
    ["bytes=1000-65535", 1000, 65535],
    ["bytes=123457-", 123457, SIZE - 1],
    ["bytes=-8", SIZE - 8, SIZE - 1],
    ["bytes=-1000000", 0, SIZE - 1],
    ["bytes=299990-999999", 299990, SIZE - 1],
    ["bytes=300000-300000", 300000, 300000],
    ["BYTES = 10 - 19", 10, 19],
  ]
  for (const [range, start, end] of cases) {
    test(range, async () => {
      const r = await get(range)
      expect(r.status).toBe(206)
      expect(r.headers.get("content-range")).toBe(`bytes ${start}-${end}/${SIZE}`)
      expect(r.headers.get("content-length")).toBe(String(end - start + 1))
      expect(r.headers.get("accept-ranges")).toBe("bytes")
      expect(r.bytes.byteLength).toBe(end - start + 1)
      expect(r.bytes).toEqual(data.subarray(start, end + 1))
    })
  }
})

test("past the end, or a zero-length suffix: 416 with Content-Range bytes */size, as a problem body", async () => {
  for (const range of ["bytes=300001-", "bytes=400000-400010", "bytes=-0"]) {
    const r = await get(range)
    expect(r.status).toBe(416)
    expect(r.headers.get("content-range")).toBe(`bytes */${SIZE}`)
    expect(r.headers.get("content-type")).toBe("application/problem+json")
    expect(r.json).toMatchObject({ status: 416, code: "range_not_satisfiable" })
  }
})

test("malformed, several ranges, another unit, a stale If-Range: ignored, 200 and the whole file", async () => {
  for (const range of ["bytes=20-10", "bytes=0-1,5-6", "items=0-5", "bytes=abc", "bytes=-", "0-100"]) {
    const r = await get(range)
    expect(r.status).toBe(200)
    expect(r.headers.get("content-range")).toBeNull()
    expect(r.bytes).toEqual(data)
  }
  const stale = await get("bytes=0-9", { "If-Range": `"${"0".repeat(64)}"` })
  expect(stale.status).toBe(200)
  expect(stale.bytes).toEqual(data)
  const fresh = await get("bytes=0-9", { "If-Range": `"${sha256Hex(data)}"` })
  expect(fresh.status).toBe(206)
  expect(fresh.bytes).toEqual(data.subarray(0, 10))
})

test("the ranged GET is signed as any GET: a forged one is 401 and sends no bytes", async () => {
  const forged = await call(serve.url, h.secret, "GET", file(), { headers: { Range: "bytes=0-9" }, sign: { secret: "x".repeat(64) } })
  expect(forged.status).toBe(401)
  expect(forged.headers.get("content-range")).toBeNull()
  expect(forged.json).toMatchObject({ status: 401 })
})

test("rangeOf: an empty file has no satisfiable range; If-Range compares strongly", () => {
  const etag = '"abc"'
  expect(rangeOf("bytes=0-0", undefined, etag, 0)).toEqual({ kind: "unsatisfiable" })
  expect(rangeOf("bytes=-5", undefined, etag, 0)).toEqual({ kind: "unsatisfiable" })
  expect(rangeOf(undefined, undefined, etag, 10)).toEqual({ kind: "whole" })
  expect(rangeOf("bytes=0-4", 'W/"abc"', etag, 10)).toEqual({ kind: "whole" })
  expect(rangeOf("bytes=0-4", "Wed, 21 Oct 2015 07:28:00 GMT", etag, 10)).toEqual({ kind: "whole" })
  expect(rangeOf("bytes=0-4", etag, etag, 10)).toEqual({ kind: "partial", start: 0, end: 4 })
  expect(rangeOf("bytes=99999999999999999999999-", undefined, etag, 10)).toEqual({ kind: "unsatisfiable" })
})
