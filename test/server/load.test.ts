import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"

/**
 * Load on loopback: 10 000 requests over 100 concurrent connections against the server (test-double
 * Predictor, in a process of its own), mixing valid predictions, embeddings and batches with invalid
 * SMILES, malformed and mistyped bodies, oversized bodies, unknown routes and requests without the key.
 * Every answer must be the documented one for its kind; the only 5xx allowed is 503 `overloaded`
 * (the queue is made small so back-pressure really happens); the server survives, and its memory after
 * the run stays near where it was after a warm-up.
 */

const TOTAL = Number(process.env["PERIOGT_LOAD_TOTAL"] ?? "10000")
const CONCURRENCY = 100
const KEY = "load-test-key-0123456789abcdef"
const SMILES = Array.from({ length: 40 }, (_, i) => `*C${"C".repeat(i % 9)}(${["O", "N", "F", "Cl", "c1ccccc1"][i % 5]})*`)

const rssMiB = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))
  return m === null ? NaN : Number(m[1]) / 1024
}

type Kind = "predict" | "embed" | "batch" | "invalid_smiles" | "malformed" | "wrong_type" | "oversized" | "no_key" | "not_found"
const EXPECTED: Record<Kind, ReadonlyArray<number>> = {
  predict: [200, 503],
  embed: [200, 503],
  batch: [200, 503],
  invalid_smiles: [422, 503],
  malformed: [422],
  wrong_type: [415],
  oversized: [413],
  no_key: [401],
  not_found: [404],
}

const kindOf = (i: number): Kind => {
  const r = (i * 37) % 100 // interleaves the kinds instead of sending them in runs
  if (r < 50) return "predict"
  if (r < 60) return "embed"
  if (r < 65) return "batch"
  if (r < 75) return "invalid_smiles"
  if (r < 80) return "malformed"
  if (r < 84) return "wrong_type"
  if (r < 88) return "oversized"
  if (r < 96) return "no_key"
  return "not_found"
}

const OVERSIZED = JSON.stringify({ smiles: "*CC*", property: "eps", pad: "x".repeat(1024 * 1024 + 1) })

const send = (url: string, kind: Kind, i: number): Promise<Response> => {
  const h = { "content-type": "application/json", "x-api-key": KEY }
  const post = (p: string, body: string, headers: Record<string, string> = h) => fetch(`${url}${p}`, { method: "POST", headers, body })
  const smiles = SMILES[i % SMILES.length]!
  switch (kind) {
    case "predict":
      return post("/v1/predict", JSON.stringify({ smiles, property: i % 2 === 0 ? "eps" : "tg", return_embedding: i % 7 === 0 }))
    case "embed":
      return post("/v1/embeddings", JSON.stringify({ smiles }))
    case "batch":
      return post("/v1/predict/batch", JSON.stringify({ items: Array.from({ length: 5 }, (_, k) => ({ smiles: SMILES[(i + k) % SMILES.length]!, property: "eps" })) }))
    case "invalid_smiles":
      return post("/v1/predict", JSON.stringify({ smiles: "CCO", property: "eps" }))
    case "malformed":
      return post("/v1/predict", '{"smiles": "*CC*", "property": ')
    case "wrong_type":
      return post("/v1/predict", JSON.stringify({ smiles, property: "eps" }), { "content-type": "text/plain", "x-api-key": KEY })
    case "oversized":
      return post("/v1/predict/batch", OVERSIZED)
    case "no_key":
      return post("/v1/predict", JSON.stringify({ smiles, property: "eps" }), { "content-type": "application/json" })
    case "not_found":
      return fetch(`${url}/v1/nothing-here`, { headers: h })
  }
}

test(`load: ${TOTAL} mixed requests at ${CONCURRENCY} concurrent connections`, async () => {
  const server = Bun.spawn(["bun", path.join(import.meta.dir, "fixtures/testServerProcess.ts")], {
    env: {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      HOME: process.env["HOME"] ?? "/tmp",
      PERIOGT_TEST_SERVER: JSON.stringify({ apiKey: KEY, predictor: { batchCostMs: 2, itemCostMs: 0.02, embeddingDim: 2304 }, limits: { queueCapacity: 64 } }),
    },
    stdout: "pipe",
    stderr: "pipe",
  })
  try {
    const reader = server.stdout.getReader()
    let out = ""
    const nextLine = async (prefix: string) => {
      for (;;) {
        const m = new RegExp(`^${prefix} (.*)$`, "m").exec(out)
        if (m !== null) {
          out = out.slice(m.index + m[0].length)
          return m[1]!
        }
        const { value, done } = await reader.read()
        if (done) throw new Error(`server exited: ${await new Response(server.stderr).text()}`)
        out += new TextDecoder().decode(value)
      }
    }
    const url = await nextLine("listening")
    /** The server's JS heap after a full collection: [MiB, live objects]. */
    const heap = async () => {
      server.kill("SIGUSR2")
      const [bytes, objects] = (await nextLine("heap")).split(" ").map(Number)
      return [bytes! / 2 ** 20, objects!] as const
    }

    const counts = new Map<string, number>()
    const unexpected: Array<string> = []
    const latencies: Array<number> = []
    let networkErrors = 0
    const run = async (from: number, to: number, record: boolean) => {
      let next = from
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let i = next++; i < to; i = next++) {
            const kind = kindOf(i)
            const started = performance.now()
            try {
              const r = await send(url, kind, i)
              await r.arrayBuffer()
              if (!record) continue
              latencies.push(performance.now() - started)
              const key = `${kind} ${r.status}`
              counts.set(key, (counts.get(key) ?? 0) + 1)
              if (!EXPECTED[kind].includes(r.status)) unexpected.push(key)
              if (r.status === 503 && r.headers.get("retry-after") === null) unexpected.push(`${kind} 503 without Retry-After`)
            } catch (e) {
              networkErrors++
              if (networkErrors <= 5) unexpected.push(`${kind}: ${String(e)}`)
            }
          }
        }),
      )
    }

    // Warm-up (the allocator and JIT settle), then the measured run in two halves: memory must level off.
    await run(0, 2000, false)
    const rssWarm = rssMiB(server.pid)
    const [heapWarm, objectsWarm] = await heap()
    const t0 = performance.now()
    await run(0, TOTAL / 2, true)
    const rssHalf = rssMiB(server.pid)
    await run(TOTAL / 2, TOTAL, true)
    const seconds = (performance.now() - t0) / 1000
    const rssAfter = rssMiB(server.pid)
    const [heapAfter, objectsAfter] = await heap()
    latencies.sort((a, b) => a - b)
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1)
    const summary = [...counts].sort().map(([k, v]) => `${k}: ${v}`)
    console.log(
      `load: ${TOTAL} requests in ${seconds.toFixed(1)} s (${(TOTAL / seconds).toFixed(0)} req/s), p50 ${pct(50)} ms, p99 ${pct(99)} ms; ` +
        `server RSS ${rssWarm.toFixed(0)} MiB after warm-up, ${rssHalf.toFixed(0)} MiB halfway, ${rssAfter.toFixed(0)} MiB at the end; ` +
        `live JS heap ${heapWarm.toFixed(1)} → ${heapAfter.toFixed(1)} MiB, ${objectsWarm} → ${objectsAfter} objects\n  ${summary.join("\n  ")}`,
    )

    expect(unexpected).toEqual([])
    expect(networkErrors).toBe(0)
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(TOTAL)
    expect(counts.get("predict 200") ?? 0).toBeGreaterThan(TOTAL * 0.25)
    // The server is alive and well.
    expect(server.exitCode).toBeNull()
    expect((await fetch(`${url}/v1/health`, { headers: { "x-api-key": KEY } })).status).toBe(200)
    const metrics = await (await fetch(`${url}/metrics`, { headers: { "x-api-key": KEY } })).text()
    expect(metrics).toMatch(/^periogt_queue_depth 0$/m)
    expect(metrics).toMatch(/^periogt_http_requests_in_flight 1$/m) // this very request
    // Nothing is retained per request: the live heap is what it was after the warm-up. RSS also holds
    // allocator slack (1 MiB bodies, 2304-number embeddings), so it only has to stay bounded.
    expect(objectsAfter).toBeLessThan(objectsWarm * 1.05)
    expect(heapAfter).toBeLessThan(heapWarm + 5)
    expect(rssAfter).toBeLessThan(rssWarm + 200)
  } finally {
    server.kill("SIGTERM")
    const code = await server.exited
    expect(code).toBe(0)
  }
}, 90_000)
