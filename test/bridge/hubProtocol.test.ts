import { describe, expect, test } from "bun:test"
import {
  JOB_STATUSES,
  JOB_TRANSITIONS,
  canTransition,
  isTerminal,
  sha256Hex,
  signRequest,
  treeHash,
  verifyRequest,
} from "../../core/bridge/protocol/index.ts"

/**
 * The protocol module's pure parts: the state table, signatures against vectors computed with Python's
 * standard `hmac` (an implementation independent of ours), verification's refusals, the tree hash.
 */
const SECRET = "emx2-shared-secret-of-32-characters!!"
const headerGet = (h: Record<string, string>) => (name: string) => Object.entries(h).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1]

describe("the job state machine", () => {
  test("the protocol's transitions, and nothing out of a terminal state", () => {
    const allowed = JOB_STATUSES.flatMap((from) => JOB_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`))
    expect(allowed.sort()).toEqual(
      [
        "PENDING→CLAIMED",
        "PENDING→CANCELLED",
        "CLAIMED→SUBMITTED",
        "CLAIMED→FAILED",
        "CLAIMED→CANCELLED",
        "SUBMITTED→STARTED",
        "SUBMITTED→FAILED",
        "SUBMITTED→CANCELLED",
        "STARTED→COMPLETED",
        "STARTED→FAILED",
        "STARTED→CANCELLED",
      ].sort(),
    )
    expect(JOB_STATUSES.filter(isTerminal)).toEqual(["COMPLETED", "FAILED", "CANCELLED"])
    for (const s of JOB_STATUSES) expect(canTransition(s, s)).toBe(false)
    expect(Object.keys(JOB_TRANSITIONS)).toEqual([...JOB_STATUSES])
  })
})

describe("signing", () => {
  test("JSON bodies: signature equals Python's hmac over METHOD\\nPATH\\nsha256(body)\\nTIMESTAMP\\nNONCE", () => {
    const h = signRequest({ method: "post", path: "/api/hpc/jobs", body: "{}", secret: "s".repeat(32), timestamp: 1700000000, nonce: "abc", workerId: "w1", requestId: "0f8fad5b-d9cb-469f-a165-70867728950e" })
    expect(h["Authorization"]).toBe("HMAC-SHA256 df522c11af5267c3fafedab1264a6b4d34c6bce198cf1df71fb41a6b995afd11")
    expect(h).toMatchObject({ "X-EMX2-API-Version": "2025-01", "X-Worker-Id": "w1", "X-Timestamp": "1700000000", "X-Nonce": "abc", "Content-Type": "application/json" })
    expect(h["Content-SHA256"]).toBeUndefined()
    const q = signRequest({ method: "GET", path: "/api/hpc/jobs?status=PENDING&processor=periogt&profile=cpu", secret: SECRET, timestamp: 1767225600, nonce: "abc" })
    expect(q["Authorization"]).toBe("HMAC-SHA256 ad91c00010f35677830e5f4cf399aa507a4939ab49665961c328445de0e5443d")
  })

  test("binary bodies are signed by their Content-SHA256", () => {
    const hash = "abcdef1234567890abcdef1234567890abcdef1234567890abcdef1234567890"
    const h = signRequest({ method: "PUT", path: "/api/hpc/artifacts/a1/files/out/result.csv", bodyHash: hash, secret: SECRET, timestamp: 1767225600, nonce: "0f8fad5bd9cb469fa16570867728950e" })
    expect(h["Authorization"]).toBe("HMAC-SHA256 12a21d33ddfbd45a754952b93246a39e9df9fd7f7dc6e7e622bd4f85123429b8")
    expect(h["Content-SHA256"]).toBe(hash)
    expect(h["Content-Type"]).toBe("application/octet-stream")
    const bytes = new Uint8Array([0, 1, 2, 255])
    expect(signRequest({ method: "PUT", path: "/x", body: bytes, secret: SECRET })["Content-SHA256"]).toBe(sha256Hex(bytes))
  })

  test("verification: accepted as signed; refused when stale, tampered, unsigned or without Content-SHA256", () => {
    const now = 1767225600
    const body = new TextEncoder().encode('{"processor":"periogt"}')
    const h = signRequest({ method: "POST", path: "/api/hpc/jobs", body: '{"processor":"periogt"}', secret: SECRET, timestamp: now, nonce: "n1" })
    const base = { method: "POST", path: "/api/hpc/jobs", headers: headerGet(h), body, secret: SECRET, now }
    expect(verifyRequest(base)).toEqual({ ok: true, timestamp: now, nonce: "n1" })
    expect(verifyRequest({ ...base, now: now + 300 }).ok).toBe(true)
    expect(verifyRequest({ ...base, now: now + 301 })).toMatchObject({ ok: false, reason: "timestamp_outside_window" })
    expect(verifyRequest({ ...base, now: now - 301 })).toMatchObject({ ok: false, reason: "timestamp_outside_window" })
    expect(verifyRequest({ ...base, secret: SECRET + "x" })).toMatchObject({ ok: false, reason: "signature_mismatch" })
    expect(verifyRequest({ ...base, body: new TextEncoder().encode('{"processor":"other"}') })).toMatchObject({ ok: false, reason: "signature_mismatch" })
    expect(verifyRequest({ ...base, path: "/api/hpc/jobs?status=PENDING" })).toMatchObject({ ok: false, reason: "signature_mismatch" })
    expect(verifyRequest({ ...base, method: "PUT" })).toMatchObject({ ok: false, reason: "signature_mismatch" })
    expect(verifyRequest({ ...base, headers: headerGet({ ...h, Authorization: "Bearer x" }) })).toMatchObject({ ok: false, reason: "missing_authorization" })
    expect(verifyRequest({ ...base, headers: headerGet({ ...h, "X-Nonce": "n2" }) })).toMatchObject({ ok: false, reason: "signature_mismatch" })
    const { ["X-Nonce"]: _n, ...noNonce } = h
    expect(verifyRequest({ ...base, headers: headerGet(noNonce) })).toMatchObject({ ok: false, reason: "missing_nonce" })
    expect(verifyRequest({ ...base, headers: headerGet({ ...h, "X-Timestamp": "yesterday" }) })).toMatchObject({ ok: false, reason: "invalid_timestamp" })
    const binary = signRequest({ method: "PUT", path: "/f", bodyHash: sha256Hex("x"), secret: SECRET, timestamp: now, nonce: "n3" })
    const { ["Content-SHA256"]: _c, ...noHash } = binary
    expect(verifyRequest({ method: "PUT", path: "/f", headers: headerGet(noHash), body: new Uint8Array(0), bodyPresent: true, secret: SECRET, now })).toMatchObject({ ok: false, reason: "missing_content_sha256" })
    expect(verifyRequest({ method: "PUT", path: "/f", headers: headerGet(binary), body: new Uint8Array(0), bodyPresent: true, secret: SECRET, now }).ok).toBe(true)
  })
})

test("tree hash: one file is its own digest; several, SHA-256 of sorted path:digest", () => {
  expect(treeHash([])).toBeUndefined()
  expect(treeHash([{ path: "a.csv", sha256: sha256Hex("a") }])).toBe(sha256Hex("a"))
  const files = [
    { path: "b/x.txt", sha256: sha256Hex("x") },
    { path: "a.csv", sha256: sha256Hex("a") },
  ]
  expect(treeHash(files)).toBe(sha256Hex(`a.csv:${sha256Hex("a")}b/x.txt:${sha256Hex("x")}`))
})
