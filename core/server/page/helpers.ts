/**
 * The web page's helper routes: `POST /v1/validate` (a repeat unit validated by the pipeline's
 * Featurizer — `featuresOf` of core/pipeline/Featurizer.ts, whose first step is validation and whose
 * other members are computed only when asked for — with the rule broken, and a depiction by
 * RDKit MinimalLib's `get_svg`), `GET /v1/examples` (the demo's example polymers, depicted) and
 * `GET /v1/info` (version, whether this is the demonstration model, job limits).
 * RDKit is loaded in the server's thread on first use; validating one unit takes milliseconds.
 */
import { Effect } from "effect"
// the rules' wording only (a table of constants); validation itself goes through core/pipeline
import { VALIDATION_RULES, type ValidationRule } from "../../chem/polymer/rules.ts"
import { ValidationError } from "../../errors/index.ts"
import { featuresOf } from "../../pipeline/Featurizer.ts"
import { DEMO_ASSETS } from "../../demo/assets.ts"
import { DEMO_MODEL_NAME } from "../../demo/demoModel.ts"
import { csvRecords, inputRows } from "../../io/csv/index.ts"
import type { RDKit } from "../../runtime/rdkit.ts"
import { rdkit as loadedRDKit } from "../../runtime/services.ts"
import { PERIOGT_VERSION } from "../../version/version.ts"
import { ValidateRequest, type ExamplesResponse, type InfoResponse, type ValidateResponse } from "../domain/Api.ts"
import { decodeJsonBody } from "../http/body.ts"
import { jsonResponse } from "../http/Problem.ts"
import type { Handler } from "../http/Route.ts"
import { Jobs } from "../jobs/Jobs.ts"
import { ServerConfig } from "../ServerConfig.ts"

/** RDKit's SVG of a molecule, or null when it cannot be read (a depiction is never worth a failure). */
export const depict = (rdkit: RDKit, smiles: string, width = 280, height = 200): string | null => {
  if (smiles.trim() === "" || smiles.length > 2000) return null
  let mol: ReturnType<RDKit["get_mol"]> = null
  try {
    mol = rdkit.get_mol(smiles)
    if (mol === null || !mol.is_valid()) return null
    return mol.get_svg(width, height)
  } catch {
    return null
  } finally {
    mol?.delete()
  }
}

export const validateUnit = (rdkit: RDKit, smiles: string): Omit<ValidateResponse, "svg"> => {
  const unit = featuresOf(rdkit, smiles)
  if (!(unit instanceof ValidationError)) return { smiles, valid: true, rule: null, rule_text: null, message: null }
  const rule = typeof unit.details?.["rule"] === "string" ? (unit.details["rule"] as string) : null
  return { smiles, valid: false, rule, rule_text: rule !== null && rule in VALIDATION_RULES ? VALIDATION_RULES[rule as ValidationRule] : null, message: unit.message }
}

/** `POST /v1/validate` {smiles}: valid or the rule broken, and a depiction. */
export const validate: Handler = () =>
  Effect.gen(function* () {
    const { limits } = yield* ServerConfig
    const body = yield* decodeJsonBody(ValidateRequest, limits.maxBodyBytes)
    const rdkit = yield* loadedRDKit
    const verdict = validateUnit(rdkit, body.smiles)
    const response: ValidateResponse = { ...verdict, svg: verdict.rule === "too_long" || verdict.rule === "too_many_atoms" ? null : depict(rdkit, body.smiles) }
    return jsonResponse(response)
  })

const examplesOf = (rdkit: RDKit): Promise<ExamplesResponse> =>
    (async () => {
      const out: Array<ExamplesResponse["examples"][number]> = []
      for await (const item of inputRows(csvRecords(Bun.file(DEMO_ASSETS.examplesCsv).stream() as unknown as AsyncIterable<Uint8Array>), "examples.csv")) {
        if (item.kind === "invalid-file") break
        out.push({ id: item.id, smiles: item.smiles, svg: depict(rdkit, item.smiles, 200, 140) })
      }
      return { examples: out }
    })()

/** `GET /v1/examples`: the demo's twelve example polymers (core/demo/assets/examples.csv), depicted. */
export const examples: Handler = () =>
  loadedRDKit.pipe(
    Effect.flatMap((rdkit) => Effect.promise(() => examplesOf(rdkit))),
    Effect.map((body) => jsonResponse(body)),
  )

/** `GET /v1/info`: what the page shows in its header and needs for uploads. */
export const info: Handler = () =>
  Effect.gen(function* () {
    const config = yield* ServerConfig
    const jobs = yield* Jobs
    const body: InfoResponse = {
      version: PERIOGT_VERSION,
      demo: config.demo === true,
      model: config.demo === true ? DEMO_MODEL_NAME : "PerioGT",
      jobs: jobs.store !== undefined,
      max_upload_bytes: config.limits.maxUploadBytes,
      max_active_jobs_per_client: config.limits.maxActiveJobsPerClient,
    }
    return jsonResponse(body)
  })
