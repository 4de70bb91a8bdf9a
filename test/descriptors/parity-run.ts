/**
 * Runs the descriptors on every oracle molecule the way production does (core/pipeline/descriptorInput.ts
 * `descriptorsOfOligomer`: the capped oligomer built in TypeScript where it can, else read by MinimalLib) and
 * compares with mordred, per descriptor. Used by the parity test and by parity-table.ts (which writes
 * core/chem/descriptors/PARITY.md).
 */
import { DESCRIPTOR_NAMES } from "../../core/chem/descriptors/index.ts"
import { isRepeatUnit, validateRepeatUnit, type RepeatUnit } from "../../core/chem/polymer/repeatUnit.ts"
import { descriptorsOfOligomer, descriptorsOfSmiles } from "../../core/pipeline/descriptorInput.ts"
import { loadRDKit } from "../../core/runtime/rdkit.ts"
import { FIXTURES, loadOracle, same, type OracleMol } from "./support.ts"

export interface Mismatch {
  readonly descriptor: string
  readonly polymer: string
  readonly n: number
  readonly ours: number
  readonly theirs: number
  readonly error: string | undefined
}

export interface ParityResult {
  readonly molecules: number
  /** per descriptor index: number of molecules where ours matches mordred */
  readonly matches: Int32Array
  readonly mismatches: Mismatch[]
  readonly seconds: number
  /** our raw values per molecule, with the oracle molecule they belong to */
  readonly values: readonly { readonly mol: OracleMol; readonly ours: Float64Array }[]
  /** molecules production refuses to describe, with why */
  readonly refused: readonly string[]
  /** molecules read by MinimalLib rather than built in TypeScript, with why */
  readonly fallbacks: readonly string[]
}

const cache = new Map<string, Promise<ParityResult>>()

/** The parity of the oracle set in `dir` (default: the committed set). */
export const runParity = (dir = FIXTURES): Promise<ParityResult> => {
  let r = cache.get(dir)
  if (r === undefined) cache.set(dir, (r = run(dir)))
  return r
}

const run = async (dir: string): Promise<ParityResult> => {
  const rd = await loadRDKit()
  const mols: OracleMol[] = []
  const matches = new Int32Array(DESCRIPTOR_NAMES.length)
  const mismatches: Mismatch[] = []
  const refused: string[] = []
  const fallbacks: string[] = []
  const units = new Map<string, RepeatUnit | undefined>()
  let seconds = 0
  const values: { mol: OracleMol; ours: Float64Array }[] = []
  for (const m of await loadOracle(dir)) {
    const key = `${m.polymer}/${m.n}`
    if (!units.has(m.unit)) {
      const u = validateRepeatUnit(rd, m.unit)
      units.set(m.unit, isRepeatUnit(u) ? u : undefined)
    }
    const unit = units.get(m.unit)
    const t0 = performance.now()
    // a unit production refuses (e.g. `**`, which upstream still caps): its oligomer read from the oracle's SMILES
    const r =
      unit !== undefined
        ? descriptorsOfOligomer(rd, unit, m.n)
        : (() => {
            const values = descriptorsOfSmiles(rd, m.smiles)
            return values === undefined
              ? { refused: "unparsable" as const, message: "MinimalLib cannot read the oracle's SMILES" }
              : { values, fallback: "not a valid repeat unit: the oracle's capped SMILES read by MinimalLib" }
          })()
    seconds += (performance.now() - t0) / 1000
    if ("refused" in r) {
      refused.push(`${key}: ${r.message}`)
      continue
    }
    if (r.fallback !== undefined) fallbacks.push(`${key}: ${r.fallback}`)
    const ours = r.values
    mols.push(m)
    values.push({ mol: m, ours })
    for (let i = 0; i < ours.length; i++) {
      if (same(ours[i]!, m.raw[i]!)) matches[i]!++
      else
        mismatches.push({
          descriptor: DESCRIPTOR_NAMES[i]!,
          polymer: m.polymer,
          n: m.n,
          ours: ours[i]!,
          theirs: m.raw[i]!,
          error: m.errors.get(i),
        })
    }
  }
  return { molecules: mols.length, matches, mismatches, seconds, values, refused, fallbacks }
}
