/**
 * `periogt demo`: the main job on embedded defaults, with no network and no downloaded weights —
 * featurization, Mordred descriptors and a prediction from the bundled demonstration model, for twelve
 * well-known polymers (or --smiles / --input). Every line says it is a demonstration.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import { DEMO_ASSETS } from "../demo/assets.ts"
import { DEMO_MODEL_NAME, DEMO_PROPERTY } from "../demo/demoModel.ts"
import { demoPredictorLayerWith, readDemoScaler } from "../pipeline/demoPredictor.ts"
import { featuresOf, onBitCount, type UnitFeatures } from "../pipeline/Featurizer.ts"
import { EXIT, fromFsError, toPeriogtError, ValidationError, type PeriogtError } from "../errors/index.ts"
import { csvRecords, inputChunks, inputName, inputRows } from "../io/csv/index.ts"
import { descriptorIndex, describeFeatures } from "../pipeline/describe.ts"
import { Predictor } from "../pipeline/Predictor.ts"
import { rdkitRanks } from "../pipeline/ranks.ts"
import { rdkit as loadedRDKit } from "../runtime/services.ts"
import { writeOut } from "../io/stdout.ts"
import { checkInputPath } from "../io/outputFile.ts"

export interface DemoOptions {
  readonly smiles?: string
  readonly input?: string
  readonly format?: string
}

/** A few descriptors a polymer scientist recognizes, shown beside the 1613 the network gets. */
const SHOWN = ["MW", "SLogP", "TopoPSA", "nHeavyAtom"] as const

const BANNER = "DEMONSTRATION: untrained synthetic weights; the demo_output column is NOT a PerioGT prediction.\nFor real predictions: periogt setup, then periogt predict --smiles S --property P.\n"

interface Unit {
  readonly id: string
  readonly smiles: string
}

const readUnits = (file: string) =>
  Effect.tryPromise({
    try: async (): Promise<ReadonlyArray<Unit> | ValidationError> => {
      const units: Array<Unit> = []
      // Bun.file, not fs: the embedded examples live inside the executable's own filesystem
      const chunks = file === DEMO_ASSETS.examplesCsv ? (Bun.file(file).stream() as unknown as AsyncIterable<Uint8Array>) : inputChunks(file)
      for await (const item of inputRows(csvRecords(chunks), inputName(file))) {
        if (item.kind === "invalid-file") return item.error
        units.push({ id: item.id, smiles: item.smiles })
      }
      return units
    },
    catch: fromFsError(file, "--input"),
  })

const fmt = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(digits))

export const demoProgram = (o: DemoOptions) =>
  Effect.gen(function* () {
    const format = o.format ?? "table"
    if (format !== "table" && format !== "json") {
      return yield* new ValidationError({ message: `--format ${format} is not valid; expected table or json`, action: "use --format table or --format json", details: { option: "--format", value: format } })
    }
    if (o.smiles !== undefined && o.input !== undefined) {
      return yield* new ValidationError({ message: "give at most one of --smiles or --input", action: "periogt demo, or periogt demo --smiles '*CC(C)*'", details: { option: "--smiles/--input" } })
    }
    const badInput = o.input === undefined ? undefined : checkInputPath(o.input, "--input")
    if (badInput !== undefined) return yield* badInput
    const read = o.smiles !== undefined ? [{ id: "1", smiles: o.smiles }] : yield* readUnits(o.input ?? DEMO_ASSETS.examplesCsv)
    if (read instanceof ValidationError) return yield* read
    const units = read
    const rdkit = yield* loadedRDKit
    const scaler = yield* Effect.tryPromise({ try: () => readDemoScaler(), catch: toPeriogtError })
    const ranks = rdkitRanks(rdkit)
    // one Featurizer per unit, shared by the network and the table: every number shown is the one used
    const features = new Map<string, UnitFeatures | ValidationError>()
    const featuresFor = (smiles: string) => {
      let f = features.get(smiles)
      if (f === undefined) features.set(smiles, (f = featuresOf(rdkit, smiles, { ranks, scaler })))
      return f
    }
    const outcomes = yield* Effect.gen(function* () {
      const predictor = yield* Predictor
      return yield* predictor.predict(units.map((u) => ({ smiles: u.smiles, properties: [DEMO_PROPERTY.id], returnEmbedding: false })))
    }).pipe(Effect.provide(demoPredictorLayerWith(featuresFor)))

    const rows = units.map((u, i) => {
      const outcome = outcomes[i]!
      if (!outcome.ok) return { id: u.id, smiles: u.smiles, demonstration: true as const, ok: false as const, error: outcome.error }
      // a unit the network took has features (an invalid one fails in predict above)
      const f = featuresFor(u.smiles) as UnitFeatures
      const d = describeFeatures(f, { oligomer: 3 })
      const shown = Object.fromEntries(SHOWN.map((name) => [name, "code" in d ? null : d.values[descriptorIndex(name)!]!]))
      const prompt = f.prompt()
      const fp = f.fingerprint(3)
      return {
        id: u.id,
        smiles: u.smiles,
        demonstration: true as const,
        ok: true as const,
        capped_3mer: f.cappedSmiles(3) ?? null,
        prompt_graphs: prompt.kind === "ok" ? prompt.graphs.length : null,
        fingerprint_on_bits: fp === undefined ? null : onBitCount(fp),
        descriptors: shown,
        demo_output: { value: outcome.values[0]!.value, units: DEMO_PROPERTY.units },
        model: DEMO_MODEL_NAME,
      }
    })

    if (format === "json") {
      for (const r of rows) writeOut(JSON.stringify(r.ok ? r : { ...r, error: { code: r.error.code, message: r.error.message } }) + "\n")
    } else {
      writeOut(BANNER + "\n")
      const table = [["id", "valid", "prompt graphs", "MW", "SLogP", "TPSA", "demo_output"]]
      for (const r of rows) {
        if (!r.ok) table.push([r.id, `no: ${(r.error as PeriogtError).code}`, "", "", "", "", ""])
        else table.push([r.id, "yes", String(r.prompt_graphs ?? "—"), fmt(r.descriptors["MW"]), fmt(r.descriptors["SLogP"]), fmt(r.descriptors["TopoPSA"]), fmt(r.demo_output.value, 4)])
      }
      const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)))
      for (const row of table) writeOut(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ") + "\n")
      writeOut("\n" + "(demo_output: " + DEMO_MODEL_NAME + ")\n")
    }
    return rows.every((r) => r.ok) ? EXIT.success : EXIT.partial
  })
