/**
 * `periogt featurize`: what the model sees of a repeat unit (validity, oligomers, fingerprints, augmented
 * units and — given canonical ranks — a summary of its prompt graphs: SMILES, nodes, edges, bond ids),
 * as JSON on stdout — one object for --smiles, one JSON line per row for --input CSV.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import { EXIT, ValidationError, fromFsError } from "../errors/index.ts"
import { csvRecords, inputChunks, inputName, inputRows } from "../io/csv/index.ts"
import type { RDKit } from "../runtime/rdkit.ts"
import { rdkit as loadedRDKit } from "../runtime/services.ts"
import { describeFeatures, namedDescriptors } from "../pipeline/describe.ts"
import { featuresOf, featurizeReport, type AtomRanks } from "../pipeline/Featurizer.ts"
import { writeOut } from "../io/stdout.ts"
import { checkInputPath } from "../io/outputFile.ts"

export interface FeaturizeOptions {
  readonly smiles?: string
  readonly input?: string
  /** canonical atom ranks (given the loaded RDKit): with them each result also lists its prompt graphs (graph 0 = base) */
  readonly ranks?: (rdkit: RDKit) => AtomRanks
  /** also the 1613 raw Mordred descriptors of the capped 3-mer (the network's md input, before scaling) */
  readonly descriptors?: boolean
}

const errorJson = (e: ValidationError) => ({ valid: false, error: { code: e.code, message: e.message, rule: (e.details as { rule?: string } | undefined)?.rule ?? null } })

export const featurizeProgram = (o: FeaturizeOptions) =>
  Effect.gen(function* () {
    if ((o.smiles === undefined) === (o.input === undefined)) {
      return yield* new ValidationError({ message: "give exactly one of --smiles or --input", action: "periogt featurize --smiles '*CC(C)*'  or  --input polymers.csv", details: { option: "--smiles/--input" } })
    }
    const rdkit = yield* loadedRDKit
    const ranks = o.ranks?.(rdkit)
    // one Featurizer per unit: the report and the descriptors come from the same computed features
    const featurizeOne = (smiles: string) => {
      const f = featuresOf(rdkit, smiles, ranks === undefined ? {} : { ranks })
      if (f instanceof ValidationError) return f
      const r = featurizeReport(f, ranks !== undefined)
      if (o.descriptors !== true) return r
      const d = describeFeatures(f, { oligomer: 3 })
      if (d instanceof ValidationError) return { ...r, descriptors: { error: { code: d.code, message: d.message } } }
      return { ...r, descriptors: { molecule: d.molecule, values: namedDescriptors(d.values) } }
    }
    if (o.smiles !== undefined) {
      const r = featurizeOne(o.smiles)
      if (r instanceof ValidationError) {
        writeOut(JSON.stringify({ smiles: o.smiles, ...errorJson(r) }, null, 2) + "\n")
        return yield* r
      }
      writeOut(JSON.stringify(r, null, 2) + "\n")
      return EXIT.success
    }
    const file = o.input!
    const badInput = checkInputPath(file, "--input")
    if (badInput !== undefined) return yield* badInput
    // Streamed: one JSON line per row as it is read, whatever the file's size.
    const outcome = yield* Effect.tryPromise({
      try: async () => {
        let failed = 0
        let rows = 0
        for await (const item of inputRows(csvRecords(inputChunks(file)), inputName(file))) {
          if (item.kind === "invalid-file") return item.error
          const r = item.error ?? featurizeOne(item.smiles)
          if (r instanceof ValidationError) {
            failed++
            writeOut(JSON.stringify({ id: item.id, smiles: item.smiles, ...errorJson(r) }) + "\n")
          } else writeOut(JSON.stringify({ id: item.id, ...r }) + "\n")
          // Rows are computed synchronously: let a stop signal's handler run between them, so SIGTERM
          // stops the command within a row or so, not after the whole buffered chunk of input.
          if (++rows % 8 === 0) await new Promise<void>((resolve) => setImmediate(resolve))
        }
        return failed
      },
      catch: fromFsError(file, "--input"),
    })
    if (outcome instanceof ValidationError) return yield* outcome
    const failed = outcome
    return failed === 0 ? EXIT.success : EXIT.partial
  })
