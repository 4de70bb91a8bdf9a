/**
 * The network alone, as `periogt batch` runs it (benches only): the converted models that `setup`
 * wrote, sessions as `batch` creates them (weights prepacked, `threads` intra-op threads), and the
 * units in chunks of `chunkRows` (batch's CHUNK_ROWS), each chunk one prompt pass (runs of ≤ 64 graphs)
 * and one finetuned pass — exactly the calls makePredictor makes, without featurization, I/O or loading.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { tmpdir } from "node:os"
import { createSession, type ModelSession } from "../../core/model/inference/index.ts"
import { finetunedPass, promptPass, type NetworkInput } from "../../core/pipeline/network.ts"
import type { OnnxRuntime } from "../../core/runtime/onnxRuntime.ts"
import { readProfileRuns, runFlops } from "./profile.ts"

/** periogt batch's repeat units per network call (core/commands/batch.ts). */
export const CHUNK_ROWS = 32

export const chunks = <T>(xs: ReadonlyArray<T>, n: number): Array<Array<T>> => {
  const out: Array<Array<T>> = []
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n))
  return out
}

/** The network over all `inputs` in batch's chunks: both passes per chunk. */
export const runNetwork = async (enc: ModelSession, ft: ModelSession, inputs: ReadonlyArray<NetworkInput>, chunkRows = CHUNK_ROWS): Promise<{ prompt: number; finetuned: number }> => {
  let prompt = 0
  let finetuned = 0
  for (const c of chunks(inputs, chunkRows)) {
    const t0 = performance.now()
    const p = await promptPass(enc, c)
    const t1 = performance.now()
    await finetunedPass(ft, c, p)
    finetuned += (performance.now() - t1) / 1000
    prompt += (t1 - t0) / 1000
  }
  return { prompt, finetuned }
}

/** Sessions over the converted models, as `batch` creates them. */
export const batchSessions = async (ort: OnnxRuntime, encoder: string, finetuned: string, threads: number, profileFilePrefix?: string) => {
  const cfg = { provider: "cpu" as const, prepackWeights: true, intraOpThreads: threads }
  const enc = await createSession(ort, encoder, { ...cfg, name: "pretrained encoder", ...(profileFilePrefix === undefined ? {} : { profileFilePrefix: `${profileFilePrefix}-enc`, prepackWeights: false }) })
  const ft = await createSession(ort, finetuned, { ...cfg, name: "finetuned", ...(profileFilePrefix === undefined ? {} : { profileFilePrefix: `${profileFilePrefix}-ft`, prepackWeights: false }) })
  return { enc, ft }
}

/** Matrix-product FLOPs of both passes over `inputs` (profiler shapes; bench/support/profile.ts). */
export const networkFlops = async (ort: OnnxRuntime, encoder: string, finetuned: string, inputs: ReadonlyArray<NetworkInput>, threads: number): Promise<{ prompt: number; finetuned: number }> => {
  const dir = fs.mkdtempSync(path.join(tmpdir(), "periogt-netflops-"))
  try {
    const { enc, ft } = await batchSessions(ort, encoder, finetuned, threads, path.join(dir, "p"))
    await runNetwork(enc, ft, inputs)
    enc.endProfiling()
    ft.endProfiling()
    await enc.release()
    await ft.release()
    const sum = (prefix: string) => {
      const file = fs.readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith(".json"))!
      return readProfileRuns(path.join(dir, file)).reduce((s, r) => s + runFlops(r), 0)
    }
    return { prompt: sum("p-enc"), finetuned: sum("p-ft") }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
