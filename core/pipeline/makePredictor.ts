import { Effect } from "effect"
import { toPeriogtError, type PeriogtError } from "../errors/index.ts"
import type { Engine } from "./engine.ts"
import { finetunedPass, promptPass, type NetworkInput } from "./network.ts"
import type { EmbedOutcome, PredictItem, PredictOutcome, PredictorShape, PropertyInfo, PropertyValue } from "./Predictor.ts"

/**
 * Repeat unit → the network's inputs (graphs, fingerprint, standardized descriptors), or why not: in
 * the main thread, or on the featurization workers (workers/pool.ts) — the same arrays either way.
 */
export type Featurize = (smiles: string) => Promise<NetworkInput | PeriogtError>

const isError = (x: NetworkInput | PeriogtError): x is PeriogtError => "code" in x && "_tag" in x

/** The Python backend rounds predictions to 6 decimals in every response; so does periogt. */
const round6 = (v: number) => Math.round(v * 1e6) / 1e6

/**
 * The Predictor over a loaded engine: featurize each distinct repeat unit once, one prompt pass for
 * all of them, then one finetuned pass per requested property over the units that want it. Network
 * work runs one call at a time (ONNX Runtime's threads already take the cores); featurization of other
 * calls — batch's next chunk, other requests — goes on meanwhile.
 */
export const makePredictor = (engine: Engine, featurize: Featurize, properties: ReadonlyArray<PropertyInfo>, options: { readonly maxPrompt?: number } = {}): PredictorShape => {
  const info = new Map(properties.map((p) => [p.id, p]))
  const passOptions = options.maxPrompt === undefined ? {} : { maxPrompt: options.maxPrompt }

  let network: Promise<unknown> = Promise.resolve()
  const oneAtATime = <T>(run: () => Promise<T>): Promise<T> => {
    const mine = network.then(run)
    network = mine.catch(() => undefined)
    return mine
  }

  const featurizeAll = async (smiles: ReadonlyArray<string>) => {
    const distinct = [...new Set(smiles)]
    // All at once: with a worker pool they featurize in parallel; the map keeps the input's order.
    const done = await Promise.all(distinct.map((s) => featurize(s).catch((e: unknown) => toPeriogtError(e))))
    const features = new Map<string, NetworkInput | PeriogtError>(distinct.map((s, i) => [s, done[i]!]))
    const ok = distinct.filter((s) => !isError(features.get(s)!))
    return { features, ok }
  }

  const promptOf = async (features: Map<string, NetworkInput | PeriogtError>, ok: ReadonlyArray<string>) => {
    const passes = await promptPass(engine.encoder, ok.map((s) => features.get(s) as NetworkInput), passOptions)
    return new Map(ok.map((s, i) => [s, passes[i]!]))
  }

  const predict = async (items: ReadonlyArray<PredictItem>): Promise<ReadonlyArray<PredictOutcome>> => {
    const { features, ok } = await featurizeAll(items.map((i) => i.smiles))
    return oneAtATime(() => predictFeaturized(items, features, ok))
  }

  const predictFeaturized = async (items: ReadonlyArray<PredictItem>, features: Map<string, NetworkInput | PeriogtError>, ok: ReadonlyArray<string>): Promise<ReadonlyArray<PredictOutcome>> => {
    const prompt = await promptOf(features, ok)
    const values = new Map<string, Map<string, number>>()
    const wanted = [...new Set(items.flatMap((i) => i.properties))]
    for (const property of wanted) {
      const session = engine.finetuned.get(property)
      const stats = engine.labelStats.get(property)
      if (session === undefined || stats === undefined) continue
      const units = [...new Set(items.filter((i) => i.properties.includes(property) && prompt.has(i.smiles)).map((i) => i.smiles))]
      const preds = await finetunedPass(session, units.map((s) => features.get(s) as NetworkInput), units.map((s) => prompt.get(s)!), passOptions)
      units.forEach((s, k) => {
        let m = values.get(s)
        if (m === undefined) values.set(s, (m = new Map()))
        m.set(property, round6(preds[k]! * stats.std + stats.mean))
      })
    }
    return items.map((item): PredictOutcome => {
      const f = features.get(item.smiles)!
      if (isError(f)) return { ok: false, smiles: item.smiles, error: f }
      const vs: Array<PropertyValue> = item.properties.map((p) => ({ property: p, value: values.get(item.smiles)!.get(p)!, units: info.get(p)?.units ?? "", checkpoint: info.get(p)?.checkpoint ?? "" }))
      return { ok: true, smiles: item.smiles, values: vs, embedding: item.returnEmbedding ? prompt.get(item.smiles)!.embedding : undefined }
    })
  }

  const embed = async (smiles: ReadonlyArray<string>): Promise<ReadonlyArray<EmbedOutcome>> => {
    const { features, ok } = await featurizeAll(smiles)
    const prompt = await oneAtATime(() => promptOf(features, ok))
    return smiles.map((s): EmbedOutcome => {
      const f = features.get(s)!
      return isError(f) ? { ok: false, smiles: s, error: f } : { ok: true, smiles: s, embedding: prompt.get(s)!.embedding }
    })
  }

  return {
    status: () => ({ state: "ready" }),
    properties: () => properties,
    predict: (items) => Effect.tryPromise({ try: () => predict(items), catch: toPeriogtError }),
    embed: (smiles) => Effect.tryPromise({ try: () => embed(smiles), catch: toPeriogtError }),
  }
}
