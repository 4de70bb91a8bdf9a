import { describe, expect, test } from "bun:test"
import { waitFor } from "../support/process.ts"
import { postJson, startTestServer } from "./support.ts"

const predict = (url: string, smiles: string, property = "eps") => postJson(`${url}/v1/predict`, { smiles, property })

describe("coalescing", () => {
  test("concurrent requests share Predictor calls, never more than maxBatchItems per call, one call at a time", async () => {
    const s = await startTestServer({ predictor: { batchCostMs: 20 }, limits: { maxBatchItems: 16 }, quiet: true })
    try {
      const n = 64
      const responses = await Promise.all(Array.from({ length: n }, (_, i) => predict(s.url, `*C${"C".repeat(i % 7)}(O${i})*`)))
      expect(responses.map((r) => r.status)).toEqual(Array(n).fill(200))
      const calls = s.control.predictCalls
      expect(calls.reduce((a, b) => a + b, 0)).toBe(n)
      expect(Math.max(...calls)).toBeLessThanOrEqual(16)
      expect(calls.length).toBeLessThanOrEqual(n / 4)
      expect(s.control.maxConcurrentCalls()).toBe(1)
    } finally {
      await s.close()
    }
  })

  test("one SMILES asked for several properties is one Predictor item", async () => {
    const s = await startTestServer({ predictor: { batchCostMs: 10 }, quiet: true })
    try {
      const [a, b] = await Promise.all([predict(s.url, "*CC(C)*", "eps"), predict(s.url, "*CC(C)*", "tg")])
      expect([a!.status, b!.status]).toEqual([200, 200])
      expect(s.control.predictCalls).toEqual([1])
    } finally {
      await s.close()
    }
  })

  test("a lone request waits only the batch window", async () => {
    const s = await startTestServer({ limits: { batchWindowMs: 5 }, quiet: true })
    try {
      await predict(s.url, "*CC*") // warm the connection
      const t0 = performance.now()
      expect((await predict(s.url, "*CCC*")).status).toBe(200)
      expect(performance.now() - t0).toBeLessThan(100)
    } finally {
      await s.close()
    }
  })
})

describe("back-pressure and timeouts", () => {
  test("a full queue answers 503 overloaded with Retry-After; nothing of a refused request is queued", async () => {
    const s = await startTestServer({ predictor: { batchCostMs: 150 }, limits: { queueCapacity: 4, maxBatchItems: 2, batchWindowMs: 1 }, quiet: true })
    try {
      const responses = await Promise.all(Array.from({ length: 24 }, (_, i) => predict(s.url, `*C(${i})*`)))
      const statuses = responses.map((r) => r.status)
      expect(statuses.filter((x) => x === 200).length).toBeGreaterThanOrEqual(4)
      const refused = responses.filter((r) => r.status === 503)
      expect(refused.length).toBeGreaterThan(0)
      expect(statuses.every((x) => x === 200 || x === 503)).toBe(true)
      for (const r of refused) {
        expect(r.headers.get("retry-after")).toBe("1")
        expect(((await r.json()) as { error: { code: string } }).error.code).toBe("overloaded")
      }
      // A batch larger than the whole queue is refused at once.
      const big = await postJson(`${s.url}/v1/predict/batch`, { items: Array.from({ length: 5 }, () => ({ smiles: "*CC*", property: "eps" })) })
      expect(big.status).toBe(503)
      const metrics = await (await fetch(`${s.url}/metrics`)).text()
      expect(metrics).toMatch(/^periogt_requests_rejected_total\{reason="overloaded"\} \d+$/m)
      // The queue drains and the server serves again.
      expect((await predict(s.url, "*CC*")).status).toBe(200)
    } finally {
      await s.close()
    }
  })

  test("a request not answered within the timeout gets 504 timeout; its queued items are dropped", async () => {
    const s = await startTestServer({ predictor: { batchCostMs: 400 }, limits: { requestTimeoutMs: 100, maxBatchItems: 1, batchWindowMs: 0 }, quiet: true })
    try {
      const [first, second] = await Promise.all([predict(s.url, "*CC*"), predict(s.url, "*CCC*")])
      for (const r of [first!, second!]) {
        expect(r.status).toBe(504)
        expect(((await r.json()) as { error: { code: string } }).error.code).toBe("timeout")
      }
      // The first item had started (its result is discarded); the second was dropped before it ran.
      // Once the Predictor is idle and the queue empty, a third request goes through the same FIFO queue:
      // had the second item run, its call would come before the third's.
      const queueDepth = async () => Number(/^periogt_queue_depth (\d+)$/m.exec(await (await fetch(`${s.url}/metrics`)).text())?.[1])
      await waitFor(async () => s.control.runningCalls() === 0 && (await queueDepth()) === 0, 30_000, "the first call to end and the queue to empty")
      expect((await predict(s.url, "*CCCC*")).status).toBe(504)
      // The two timed-out requests were queued concurrently, so either may have been the one that started.
      const [started, ...after] = s.control.predictSmiles
      expect(["*CC*", "*CCC*"]).toContain(started?.[0] ?? "")
      expect(started).toHaveLength(1)
      expect(after).toEqual([["*CCCC*"]])
    } finally {
      await s.close()
    }
  })
})

describe("graceful shutdown", () => {
  test("closing the server finishes requests in flight, refuses new connections, and returns", async () => {
    const s = await startTestServer({ predictor: { batchCostMs: 400 }, quiet: true })
    // A keep-alive connection left idle must not hold the shutdown up.
    expect((await fetch(`${s.url}/v1/health`)).status).toBe(200)
    const inflight = predict(s.url, "*CC*")
    // in flight once the predictor has it, not after a fixed sleep
    await waitFor(() => s.control.predictCalls.length > 0, 30_000, "the request to reach the predictor")
    const t0 = performance.now()
    const closed = s.close()
    // new connections are refused as soon as the listener has closed
    await waitFor(() => fetch(`${s.url}/v1/health`).then(() => false, () => true), 5_000, "new connections to be refused")
    const r = await inflight
    expect(r.status).toBe(200)
    expect(r.headers.get("connection")).toBe("close")
    await closed
    expect(performance.now() - t0).toBeLessThan(2000)
  })
})
