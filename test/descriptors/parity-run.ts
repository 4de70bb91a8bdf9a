/**
 * Runs our implemented families on every oracle molecule and compares with mordred, per descriptor.
 * Used by the parity test and by parity-table.ts (which writes core/chem/descriptors/PARITY.md).
 */
import { computeDescriptors, DESCRIPTOR_NAMES, REGISTRY } from "../../core/chem/descriptors/index.ts"
import { RUNTIME_UNPARSABLE } from "./known-differences.ts"
import { loadOracle, same, withInput, type OracleMol } from "./support.ts"

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
  /** molecules skipped because the runtime's RDKit cannot parse them (known-differences.ts) */
  readonly skipped: readonly string[]
}

let cached: Promise<ParityResult> | undefined

export const runParity = (): Promise<ParityResult> => (cached ??= run())

const run = async (): Promise<ParityResult> => {
  const all: OracleMol[] = await loadOracle()
  const skipped = all.filter((m) => RUNTIME_UNPARSABLE.includes(`${m.polymer}/${m.n}`)).map((m) => `${m.polymer}/${m.n}`)
  const mols = all.filter((m) => !RUNTIME_UNPARSABLE.includes(`${m.polymer}/${m.n}`))
  const matches = new Int32Array(DESCRIPTOR_NAMES.length)
  const mismatches: Mismatch[] = []
  const implemented = REGISTRY.filter((f) => f.impl !== null)
  let seconds = 0
  const values: { mol: OracleMol; ours: Float64Array }[] = []
  for (const m of mols) {
    const t0 = performance.now()
    const ours = await withInput(m.smiles, (input) => computeDescriptors(input))
    seconds += (performance.now() - t0) / 1000
    values.push({ mol: m, ours })
    for (const f of implemented)
      for (let k = 0; k < f.names.length; k++) {
        if (f.impl!.pending?.has(f.names[k]!)) continue
        const i = f.offset + k
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
  return { molecules: mols.length, matches, mismatches, seconds, skipped, values }
}
