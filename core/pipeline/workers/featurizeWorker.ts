/**
 * A pipeline worker (entry point of its own thread; see pool.ts): loads RDKit once, takes the scaler
 * (if any) once, then answers one request at a time — "featurize" with `featurizeForNetwork`, "describe"
 * with `describe` — the same functions the main thread runs when there are no workers, so the results
 * are the same arrays.
 */
import type { ScalerParams } from "../../chem/descriptors/index.ts"
import { isPeriogtError, toPeriogtError } from "../../errors/index.ts"
import { loadRDKit } from "../../runtime/rdkit.ts"
import { describe, type DescribeOptions } from "../describe.ts"
import { featurizeForNetwork } from "../Featurizer.ts"
import { rdkitRanks } from "../ranks.ts"
import { describedReply, toWire, transferables, type DescriptorFallback, type FromWorker, type ToWorker } from "./protocol.ts"

declare const self: Worker

const post = (m: FromWorker, transfer: Array<ArrayBuffer> = []) => {
  try {
    self.postMessage(m, transfer)
  } catch {
    // a buffer that cannot be transferred: copy instead
    self.postMessage(m)
  }
}

let scaler: ScalerParams | undefined
const loaded = loadRDKit().then((rdkit) => ({ rdkit, ranks: rdkitRanks(rdkit) }))
// A worker whose RDKit cannot load dies before "ready": the pool reports that instead of waiting.
void loaded.then(() => post({ type: "ready" }))

const noScaler = () => new Error("the pipeline worker got a request that needs the descriptor scaler, and it has none")

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const m = event.data
  if (m.type === "init") {
    scaler = m.scaler
    return
  }
  const { rdkit, ranks } = await loaded
  if (m.type === "describe") {
    let out
    try {
      let options: DescribeOptions = { oligomer: m.oligomer }
      if (m.scaled) {
        if (scaler === undefined) throw noScaler()
        options = { oligomer: m.oligomer, scaler }
      }
      out = describe(rdkit, m.smiles, options)
    } catch (e) {
      post({ type: "error", id: m.id, error: toWire(toPeriogtError(e)), fatal: true })
      return
    }
    if (isPeriogtError(out)) post({ type: "error", id: m.id, error: toWire(out), fatal: false })
    else {
      const reply = describedReply(m.id, out)
      post(reply.message, reply.transfer)
    }
    return
  }
  let out
  const fallbacks: Array<DescriptorFallback> = []
  try {
    if (scaler === undefined) throw new Error("the featurization worker got a request before its scaler")
    out = featurizeForNetwork(rdkit, m.smiles, ranks, scaler, (_, n, reason) => fallbacks.push({ n, reason }))
  } catch (e) {
    post({ type: "error", id: m.id, error: toWire(toPeriogtError(e)), fatal: true })
    return
  }
  if (isPeriogtError(out)) post({ type: "error", id: m.id, error: toWire(out), fatal: false })
  else post({ type: "result", id: m.id, input: out, fallbacks }, transferables(out))
}
