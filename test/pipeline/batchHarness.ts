// Drives runBatch — the real streaming reader, resumable writer and journal — with a deterministic
// stand-in for the network (value = a hash of the SMILES; rows without '*' fail), so the kill/resume
// mechanics can be tested in isolation. It is a test double: never used by the CLI.
import { createHash } from "node:crypto"
import { Result } from "effect"
import { ValidationError } from "../../core/errors/index.ts"
import { runBatch } from "../../core/pipeline/batch.ts"
import type { PredictItem, PredictOutcome } from "../../core/pipeline/Predictor.ts"

const [input, output, chunk, delayMs] = process.argv.slice(2) as [string, string, string, string]
let stop = false
process.on("SIGTERM", () => {
  stop = true
})
const value = (s: string) => createHash("sha256").update(s).digest().readUInt32BE(0) / 2 ** 32
const predict = async (items: ReadonlyArray<PredictItem>): Promise<ReadonlyArray<PredictOutcome>> => {
  await Bun.sleep(Number(delayMs))
  return items.map((it) =>
    it.smiles.includes("*")
      ? { ok: true, smiles: it.smiles, embedding: undefined, values: it.properties.map((p) => ({ property: p, value: value(`${p}:${it.smiles}`), units: "u", checkpoint: "test" })) }
      : { ok: false, smiles: it.smiles, error: new ValidationError({ message: "no '*'", details: { rule: "no_wildcard" } }) },
  )
}
const r = await runBatch({
  input,
  output,
  properties: ["eps", "egc"],
  jobKey: "harness",
  predict,
  chunkRows: Number(chunk),
  progress: { update: () => {}, finish: () => {} },
  shouldStop: () => stop,
})
if (Result.isFailure(r)) {
  process.stderr.write(r.failure.message + "\n")
  process.exit(2)
}
process.stdout.write(JSON.stringify(r.success) + "\n")
process.exit(r.success.interrupted ? 2 : r.success.failedRows > 0 ? 1 : 0)
