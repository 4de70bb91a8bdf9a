/**
 * HTTP server throughput: coalesced Predictor batches vs one request at a time, on loopback.
 *
 *   bun bench/server.ts [--requests N] [--concurrency C] [--batch-cost-ms B] [--item-cost-ms I] [--max-batch M]
 *
 * The Predictor is the TEST DOUBLE (test/server/TestPredictor.ts) with a fixed cost model: every call
 * costs B ms plus I ms per item — the shape of a padded network pass, whose fixed part batching
 * amortizes. The numbers measure the HTTP layer and the coalescing queue, not PerioGT inference.
 * "one at a time" is the same server with maxBatchItems 1: each request is its own Predictor call.
 * Client and server share this process (and its cores).
 */
import { parseArgs } from "node:util"
import { startTestServer } from "../test/server/support.ts"

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "4000" },
    concurrency: { type: "string", default: "100" },
    "batch-cost-ms": { type: "string", default: "20" },
    "item-cost-ms": { type: "string", default: "0.5" },
    "max-batch": { type: "string", default: "64" },
  },
})
const REQUESTS = Number(args.requests)
const CONCURRENCY = Number(args.concurrency)
const BATCH_COST = Number(args["batch-cost-ms"])
const ITEM_COST = Number(args["item-cost-ms"])
const MAX_BATCH = Number(args["max-batch"])
const SMILES = Array.from({ length: 200 }, (_, i) => `*C${"C".repeat(i % 11)}(${["O", "N", "F", "Cl", "c1ccccc1"][i % 5]}${i})*`)

const run = async (label: string, maxBatchItems: number, requests: number) => {
  const s = await startTestServer({
    predictor: { batchCostMs: BATCH_COST, itemCostMs: ITEM_COST },
    limits: { maxBatchItems, queueCapacity: 100_000 },
    quiet: true,
  })
  try {
    const latencies: Array<number> = []
    let failures = 0
    let next = 0
    const t0 = performance.now()
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < requests; i = next++) {
          const started = performance.now()
          const r = await fetch(`${s.url}/v1/predict`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ smiles: SMILES[i % SMILES.length], property: i % 2 === 0 ? "eps" : "tg" }),
          })
          await r.arrayBuffer()
          if (r.status !== 200) failures++
          latencies.push(performance.now() - started)
        }
      }),
    )
    const seconds = (performance.now() - t0) / 1000
    latencies.sort((a, b) => a - b)
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!
    const calls = s.control.predictCalls
    return {
      label,
      requests,
      seconds,
      rps: requests / seconds,
      p50: pct(50),
      p99: pct(99),
      calls: calls.length,
      meanBatch: calls.reduce((a, b) => a + b, 0) / Math.max(1, calls.length),
      failures,
    }
  } finally {
    await s.close()
  }
}

console.log(`periogt server benchmark — loopback, ${CONCURRENCY} concurrent clients, POST /v1/predict`)
console.log(`Predictor: TEST DOUBLE with a fixed cost model: ${BATCH_COST} ms per call + ${ITEM_COST} ms per item (not PerioGT inference)`)
// One at a time can only do ~1000/B requests per second: give it fewer requests so it ends in reasonable time.
const serialRequests = Math.min(REQUESTS, Math.max(CONCURRENCY * 2, Math.round(20_000 / Math.max(1, BATCH_COST + ITEM_COST))))
const results = [await run(`coalesced (window 5 ms, ≤${MAX_BATCH} items)`, MAX_BATCH, REQUESTS), await run("one request at a time", 1, serialRequests)]
const pad = (s: string, n: number) => s.padEnd(n)
console.log()
console.log(`${pad("mode", 36)} ${pad("requests", 9)} ${pad("req/s", 9)} ${pad("p50 ms", 9)} ${pad("p99 ms", 9)} ${pad("calls", 7)} ${pad("items/call", 11)} failures`)
for (const r of results) {
  console.log(
    `${pad(r.label, 36)} ${pad(String(r.requests), 9)} ${pad(r.rps.toFixed(0), 9)} ${pad(r.p50.toFixed(1), 9)} ${pad(r.p99.toFixed(1), 9)} ${pad(String(r.calls), 7)} ${pad(r.meanBatch.toFixed(1), 11)} ${r.failures}`,
  )
}
console.log()
console.log(`coalescing: ${(results[0]!.rps / results[1]!.rps).toFixed(1)}× the throughput, p50 ${results[0]!.p50.toFixed(0)} ms vs ${results[1]!.p50.toFixed(0)} ms`)
