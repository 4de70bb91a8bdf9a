/** Shared helpers of the descriptor tests: oracle fixtures, molecules through RDKit MinimalLib, comparison. */
import { join } from "node:path"
import {
  type DescriptorInput,
} from "../../core/chem/descriptors/index.ts"
import { withDescriptorInput } from "../../core/pipeline/descriptorInput.ts"
import { loadRDKit } from "../../core/runtime/rdkit.ts"

/** The committed fixtures; `PERIOGT_DESCRIPTOR_FIXTURES` points elsewhere (e.g. a fresh oracle run in /tmp). */
export const FIXTURES = process.env.PERIOGT_DESCRIPTOR_FIXTURES ?? join(import.meta.dir, "..", "fixtures", "descriptors")

export interface OracleMol {
  readonly polymer: string
  /** the repeat unit's SMILES */
  readonly unit: string
  readonly n: number
  readonly smiles: string
  /** mordred's raw values, NaN where mordred gave an error object or NaN */
  readonly raw: Float64Array
  /** index → mordred's error message */
  readonly errors: ReadonlyMap<number, string>
  /** upstream's standardized md vector (float32), null when sklearn refused it */
  readonly md: Float32Array | null
  readonly seconds: number
}

interface FixtureFile {
  id: string
  smiles: string
  mols: Record<string, { smiles: string | null; skipped?: string; raw?: (number | string | null)[]; errors?: [number, string, string][]; md?: (number | string)[] | null; seconds?: number }>
}

const num = (x: number | string | null): number =>
  x === null ? NaN : typeof x === "number" ? x : x === "Infinity" ? Infinity : x === "-Infinity" ? -Infinity : NaN

export const fixturesPresent = async (): Promise<boolean> => Bun.file(join(FIXTURES, "manifest.json")).exists()

export const loadManifest = async (dir = FIXTURES) =>
  JSON.parse(await Bun.file(join(dir, "manifest.json")).text()) as {
    units: { id: string; file: string }[]
    skipped: string[]
    descriptor_count: number
  }

export const loadNames = async () =>
  JSON.parse(await Bun.file(join(FIXTURES, "names.json")).text()) as { names: string[]; families: string[] }

/** The oracle's molecules (`dir`: another fixture set of the same format, e.g. FIXTURES/large). */
export const loadOracle = async (dir = FIXTURES): Promise<OracleMol[]> => {
  const man = await loadManifest(dir)
  const out: OracleMol[] = []
  for (const u of man.units) {
    const bytes = new Uint8Array(await Bun.file(join(dir, u.file)).arrayBuffer())
    const f = JSON.parse(new TextDecoder().decode(Bun.gunzipSync(bytes))) as FixtureFile
    for (const [n, m] of Object.entries(f.mols)) {
      if (m.raw === undefined || m.smiles === null) continue
      out.push({
        polymer: f.id,
        unit: f.smiles,
        n: Number(n),
        smiles: m.smiles,
        raw: Float64Array.from(m.raw, num),
        errors: new Map((m.errors ?? []).map(([i, , msg]) => [i, msg])),
        md: m.md ? Float32Array.from(m.md, (x) => num(x)) : null,
        seconds: m.seconds ?? NaN,
      })
    }
  }
  return out
}

/** Runs `fn` on the descriptor input of a SMILES through RDKit MinimalLib (the runtime's RDKit); the RDKit
 * molecule (which answers SMARTS queries) lives until `fn` returns. */
let rdkitOfTests: ReturnType<typeof loadRDKit> | undefined
export const withInput = async <T>(smiles: string, fn: (input: DescriptorInput) => T): Promise<T> => {
  const out = withDescriptorInput(await (rdkitOfTests ??= loadRDKit()), smiles, (input) => ({ value: fn(input) }))
  if (out === undefined) throw new Error(`RDKit cannot parse ${smiles}`)
  return out.value
}

/** mordred parity: both NaN, or equal, or |a−b| ≤ 1e-9, or relative error ≤ 1e-6. */
export const same = (ours: number, theirs: number): boolean => {
  if (Number.isNaN(theirs) || Number.isNaN(ours)) return Number.isNaN(theirs) && Number.isNaN(ours)
  if (ours === theirs) return true
  const d = Math.abs(ours - theirs)
  return d <= 1e-9 || d <= 1e-6 * Math.abs(theirs)
}
