import { Context } from "effect"

/**
 * The server's Prometheus metrics, kept in plain maps and rendered in the text exposition format
 * (version 0.0.4) at `GET /metrics`. Labels are bounded: routes are the route table's paths (or
 * `unmatched`), statuses are numbers, batch kinds are `predict` and `embed`.
 */

const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256]

class Histogram {
  readonly counts: Array<number>
  sum = 0
  count = 0
  constructor(readonly buckets: ReadonlyArray<number>) {
    this.counts = buckets.map(() => 0)
  }
  observe(v: number) {
    this.sum += v
    this.count++
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) this.counts[i]!++
  }
}

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')
const labelText = (labels: Record<string, string>) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`)
  return parts.length === 0 ? "" : `{${parts.join(",")}}`
}
const num = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? "+Inf" : n < 0 ? "-Inf" : "NaN")

export interface Gauges {
  readonly queueDepth: () => number
  readonly queueCapacity: () => number
  readonly inflightBatches: () => number
  readonly modelLoaded: () => boolean
  /** Batch jobs by state (none when jobs are disabled). */
  readonly jobs?: () => ReadonlyMap<string, number>
}

export class ServerMetrics {
  private readonly requests = new Map<string, { labels: Record<string, string>; value: number }>()
  private readonly latency = new Map<string, { labels: Record<string, string>; h: Histogram }>()
  private readonly batchItems = new Map<string, Histogram>()
  private readonly batchSeconds = new Map<string, Histogram>()
  private readonly rejected = new Map<string, number>()
  private inflightRequests = 0
  private gauges: Gauges | undefined

  setGauges(g: Gauges) {
    this.gauges = g
  }

  requestStarted() {
    this.inflightRequests++
  }

  requestFinished(route: string, method: string, status: number, seconds: number) {
    this.inflightRequests--
    const key = `${route}\u0000${method}\u0000${status}`
    const entry = this.requests.get(key)
    if (entry === undefined) this.requests.set(key, { labels: { route, method, status: String(status) }, value: 1 })
    else entry.value++
    const lkey = `${route}\u0000${method}`
    let h = this.latency.get(lkey)
    if (h === undefined) {
      h = { labels: { route, method }, h: new Histogram(LATENCY_BUCKETS_S) }
      this.latency.set(lkey, h)
    }
    h.h.observe(seconds)
  }

  batchRan(kind: "predict" | "embed", items: number, seconds: number) {
    let hi = this.batchItems.get(kind)
    if (hi === undefined) this.batchItems.set(kind, (hi = new Histogram(BATCH_SIZE_BUCKETS)))
    hi.observe(items)
    let hs = this.batchSeconds.get(kind)
    if (hs === undefined) this.batchSeconds.set(kind, (hs = new Histogram(LATENCY_BUCKETS_S)))
    hs.observe(seconds)
  }

  rejectedRequest(reason: "overloaded" | "timeout" | "model_loading") {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1)
  }

  render(): string {
    const out: Array<string> = []
    const header = (name: string, type: string, help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
    const histogram = (name: string, labels: Record<string, string>, h: Histogram) => {
      h.buckets.forEach((b, i) => out.push(`${name}_bucket${labelText({ ...labels, le: num(b) })} ${h.counts[i]}`))
      out.push(`${name}_bucket${labelText({ ...labels, le: "+Inf" })} ${h.count}`)
      out.push(`${name}_sum${labelText(labels)} ${num(h.sum)}`, `${name}_count${labelText(labels)} ${h.count}`)
    }

    header("periogt_http_requests_total", "counter", "HTTP requests answered, by route, method and status.")
    for (const { labels, value } of this.requests.values()) out.push(`periogt_http_requests_total${labelText(labels)} ${value}`)
    header("periogt_http_request_duration_seconds", "histogram", "Time from request to response, by route and method.")
    for (const { labels, h } of this.latency.values()) histogram("periogt_http_request_duration_seconds", labels, h)
    header("periogt_http_requests_in_flight", "gauge", "Requests being handled now.")
    out.push(`periogt_http_requests_in_flight ${this.inflightRequests}`)
    header("periogt_batch_items", "histogram", "Items per Predictor call (coalesced from concurrent requests), by kind.")
    for (const [kind, h] of this.batchItems) histogram("periogt_batch_items", { kind }, h)
    header("periogt_batch_duration_seconds", "histogram", "Duration of Predictor calls, by kind.")
    for (const [kind, h] of this.batchSeconds) histogram("periogt_batch_duration_seconds", { kind }, h)
    header("periogt_requests_rejected_total", "counter", "Requests refused for back-pressure, timeout or loading, by reason.")
    for (const [reason, v] of this.rejected) out.push(`periogt_requests_rejected_total${labelText({ reason })} ${v}`)
    if (this.gauges !== undefined) {
      header("periogt_queue_depth", "gauge", "Items waiting for the Predictor.")
      out.push(`periogt_queue_depth ${this.gauges.queueDepth()}`)
      header("periogt_queue_capacity", "gauge", "Most items that may wait for the Predictor.")
      out.push(`periogt_queue_capacity ${this.gauges.queueCapacity()}`)
      header("periogt_batches_in_flight", "gauge", "Predictor calls running now.")
      out.push(`periogt_batches_in_flight ${this.gauges.inflightBatches()}`)
      header("periogt_model_loaded", "gauge", "1 when the Predictor is ready.")
      out.push(`periogt_model_loaded ${this.gauges.modelLoaded() ? 1 : 0}`)
      const jobs = this.gauges.jobs?.()
      if (jobs !== undefined) {
        header("periogt_jobs", "gauge", "Batch jobs in the job store, by state.")
        for (const [state, n] of jobs) out.push(`periogt_jobs${labelText({ state })} ${n}`)
      }
    }
    return out.join("\n") + "\n"
  }
}

export class Metrics extends Context.Service<Metrics, ServerMetrics>()("periogt/server/Metrics") {}
