/**
 * PerioGT's training environment (Python 3.7, RDKit 2021.09.2, mordred 1.2.0): the fixtures that
 * tools/oracle/training_env37.py writes (test/fixtures/trainingEnv/), and the test-set units whose
 * fingerprints follow it rather than the reference oracle (RDKit 2022.09.5).
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"

export const TRAINING_ENV_DIR = join(import.meta.dir, "../../fixtures/trainingEnv")

export interface TrainingEnvMol {
  readonly smiles: string | null
  readonly skipped?: string
  readonly atoms?: number
  readonly h_atoms?: number
  readonly fp?: { readonly n: number; readonly on: readonly number[] }
  readonly raw?: ReadonlyArray<number | string | null>
  readonly errors?: ReadonlyArray<[number, string, string]>
  readonly des?: ReadonlyArray<number | string>
}
export interface TrainingEnvUnit {
  readonly id: string
  readonly smiles: string
  readonly source: string
  readonly mols: Readonly<Record<string, TrainingEnvMol>>
}

export const loadTrainingEnv = (): { units: TrainingEnvUnit[]; manifest: Record<string, unknown> } => ({
  units: (JSON.parse(new TextDecoder().decode(Bun.gunzipSync(readFileSync(join(TRAINING_ENV_DIR, "units.json.gz"))))) as { units: TrainingEnvUnit[] }).units,
  manifest: JSON.parse(readFileSync(join(TRAINING_ENV_DIR, "manifest.json"), "utf8")) as Record<string, unknown>,
})

const REASON_STEREO_H =
  "a capped end keeps its [H] (a wildcard sets the E/Z of its double bond): RDKit 2021.09.2, PerioGT's training environment, does not count that H in its neighbour's Morgan invariant, 2022.09.5 does (issue 22)"
const REASON_D = "deuterium or tritium atoms kept in the capped oligomers: RDKit 2021.09.2 does not count them in their neighbour's Morgan invariant, 2022.09.5 does (issue 22)"

/**
 * Test-set units (test/fixtures/polymers/valid.csv) whose fingerprints periogt computes as PerioGT's
 * training environment does and the reference oracle's fixtures (test/fixtures/featurizer, RDKit
 * 2022.09.5) do not give: their Morgan bits differ between the two RDKit versions. For these, the
 * parity tests against 2022.09.5 compare its bits with `fingerprintOfSpec(…, "rdkit2022")`, and
 * test/chem/trainingEnv.test.ts compares periogt's own bits with RDKit 2021.09.2's.
 */
export const TRAINING_ENV_FP: Readonly<Record<string, string>> = {
  con005: REASON_STEREO_H,
  bst008: REASON_STEREO_H,
  bst013: REASON_STEREO_H,
  bst014: REASON_STEREO_H,
  bst015: REASON_STEREO_H,
  bst016: REASON_STEREO_H,
  bst017: REASON_STEREO_H,
  bst018: REASON_STEREO_H,
  bst020: REASON_STEREO_H,
  iso002: REASON_D,
  iso005: REASON_D,
  iso007: REASON_D,
  iso008: REASON_D,
  iso009: REASON_D,
  iso010: REASON_D,
  iso011: REASON_D,
  iso012: REASON_D,
  iso013: `${REASON_STEREO_H}; ${REASON_D}`,
  iso014: REASON_STEREO_H,
  iso015: REASON_D,
  iso016: `${REASON_STEREO_H}; ${REASON_D}`,
}
