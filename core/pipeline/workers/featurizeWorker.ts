/**
 * A featurization worker (entry point of its own thread; see pool.ts): loads RDKit once, takes the
 * scaler once, then answers one repeat unit at a time with `featurizeForNetwork` — the same function
 * the main thread runs when there are no workers, so the results are the same arrays.
 */
import type { ScalerParams } from "../../chem/descriptors/index.ts"
import { isPeriogtError, toPeriogtError } from "../../errors/index.ts"
import { loadRDKit } from "../../runtime/rdkit.ts"
import { featurizeForNetwork } from "../featurize.ts"
import { rdkitRanks } from "../ranks.ts"
import { toWire, transferables, type FromWorker, type ToWorker } from "./protocol.ts"

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

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const m = event.data
  if (m.type === "init") {
    scaler = m.scaler
    return
  }
  const { rdkit, ranks } = await loaded
  let out
  try {
    if (scaler === undefined) throw new Error("the featurization worker got a request before its scaler")
    out = featurizeForNetwork(rdkit, m.smiles, ranks, scaler)
  } catch (e) {
    post({ type: "error", id: m.id, error: toWire(toPeriogtError(e)), fatal: true })
    return
  }
  if (isPeriogtError(out)) post({ type: "error", id: m.id, error: toWire(out), fatal: false })
  else post({ type: "result", id: m.id, input: out }, transferables(out))
}
