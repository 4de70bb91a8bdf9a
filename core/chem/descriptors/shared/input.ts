/**
 * What the descriptor engine needs to know about one molecule, as RDKit holds it after `MolFromSmiles`
 * (sanitized, hydrogens implicit, aromaticity perceived). Plain typed arrays, heavy atoms only.
 *
 * This is a *view*, not a molecule layer: it is filled from the project's molecule layer
 * (`core/chem/molecule/`) or, until that exposes every field, from RDKit MinimalLib's `get_json()`
 * (see `fromRDKitJson`). Everything else the families need (explicit-H graph, distance matrices, rings…)
 * is derived from it in `shared/` and cached per molecule by `DescriptorContext`.
 */

export interface MatchOptions {
  /** drop matches covering the same atom set (RDKit default true) */
  readonly uniquify?: boolean
  /** RDKit's Python default is 1000: mordred's counts stop there, so ours do too unless told otherwise */
  readonly maxMatches?: number
}

export interface SmartsCounter {
  /** Number of matches of `smarts`, as RDKit's `len(mol.GetSubstructMatches(q))` with these options. */
  count(smarts: string, opts?: MatchOptions): number
  /** Distinct atom indices matched by the first atom of `smarts` (ascending), with these options. */
  atoms(smarts: string, opts?: MatchOptions): Int32Array
}

export interface DescriptorInput {
  readonly atomicNum: Uint8Array
  readonly formalCharge: Int8Array
  readonly isotope: Uint16Array
  /** Total hydrogens on each atom (implicit + explicit count), as RDKit's `GetTotalNumHs()`. */
  readonly hCount: Uint8Array
  readonly radicals: Uint8Array
  readonly aromaticAtom: Uint8Array
  readonly bondBegin: Int32Array
  readonly bondEnd: Int32Array
  /** Bond order in a Kekulé form: 1, 2 or 3 (aromatic bonds get 1 or 2). */
  readonly bondKekule: Uint8Array
  readonly bondAromatic: Uint8Array
  /** RDKit's ring information (`RingInfo.AtomRings()`, the symmetrized SSSR), atom indices in ring order. */
  readonly atomRings: readonly Int32Array[]
  /** RDKit's own hybridization (0 unknown/other, 1 SP, 2 SP2, 3 SP3, 4 SP3D, 5 SP3D2); null when unknown. */
  readonly hybridization: Uint8Array | null
  /** SMARTS matching on the same molecule; null when the caller has no RDKit handle. */
  readonly smarts: SmartsCounter | null
}

interface RDKitJsonAtom {
  z?: number
  impHs?: number
  chg?: number
  nRad?: number
  isotope?: number
}
interface RDKitJsonBond {
  bo?: number
  atoms: [number, number]
}
interface RDKitJsonMol {
  atoms: RDKitJsonAtom[]
  bonds?: RDKitJsonBond[]
  extensions?: { name: string; aromaticAtoms?: number[]; aromaticBonds?: number[]; atomRings?: number[][] }[]
}
interface RDKitJson {
  defaults?: { atom?: RDKitJsonAtom; bond?: { bo?: number } }
  molecules: RDKitJsonMol[]
}

/** Minimal structural view of an RDKit MinimalLib molecule (`JSMol`) and module, as far as this file uses them. */
export interface RDKitMolLike {
  get_json(): string
  get_substruct_matches(q: unknown, details: string): string
}
export interface RDKitLike {
  get_qmol(smarts: string): { delete(): void } | null
}

/**
 * Reads RDKit MinimalLib's `get_json()` (rdkitjson v10+: Kekulé bond orders, implicit H counts,
 * `aromaticAtoms`, `aromaticBonds`, `atomRings` in the `rdkitRepresentation` extension). Explicit H atoms
 * must already be removed (MinimalLib's `get_mol` does so by default).
 */
export const fromRDKitJson = (
  json: string,
  opts: {
    hybridization?: Uint8Array | null
    smarts?: SmartsCounter | null
  } = {},
): DescriptorInput => {
  const doc = JSON.parse(json) as RDKitJson
  const m = doc.molecules[0]
  if (m === undefined) throw new Error("RDKit JSON holds no molecule")
  const da = doc.defaults?.atom ?? {}
  const n = m.atoms.length
  const atomicNum = new Uint8Array(n)
  const formalCharge = new Int8Array(n)
  const isotope = new Uint16Array(n)
  const hCount = new Uint8Array(n)
  const radicals = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const a = m.atoms[i]!
    atomicNum[i] = a.z ?? da.z ?? 6
    formalCharge[i] = a.chg ?? da.chg ?? 0
    isotope[i] = a.isotope ?? da.isotope ?? 0
    hCount[i] = a.impHs ?? da.impHs ?? 0
    radicals[i] = a.nRad ?? da.nRad ?? 0
  }
  const bonds = m.bonds ?? []
  const nb = bonds.length
  const bondBegin = new Int32Array(nb)
  const bondEnd = new Int32Array(nb)
  const bondKekule = new Uint8Array(nb)
  const dbo = doc.defaults?.bond?.bo ?? 1
  for (let b = 0; b < nb; b++) {
    const bd = bonds[b]!
    bondBegin[b] = bd.atoms[0]
    bondEnd[b] = bd.atoms[1]
    bondKekule[b] = bd.bo ?? dbo
  }
  const ext = (m.extensions ?? []).find((e) => e.name === "rdkitRepresentation")
  const aromaticAtom = new Uint8Array(n)
  for (const i of ext?.aromaticAtoms ?? []) aromaticAtom[i] = 1
  const bondAromatic = new Uint8Array(nb)
  for (const b of ext?.aromaticBonds ?? []) bondAromatic[b] = 1
  const atomRings = (ext?.atomRings ?? []).map((r) => Int32Array.from(r))
  return {
    atomicNum,
    formalCharge,
    isotope,
    hCount,
    radicals,
    aromaticAtom,
    bondBegin,
    bondEnd,
    bondKekule,
    bondAromatic,
    atomRings,
    hybridization: opts.hybridization ?? null,
    smarts: opts.smarts ?? null,
  }
}

/**
 * SMARTS counting through MinimalLib (queries compiled once per process; each answer kept for the molecule, so
 * a pattern several families ask for costs one round trip).
 */
export const rdkitSmarts = (rd: RDKitLike, mol: RDKitMolLike): SmartsCounter => {
  const memo = new Map<string, number[][]>()
  const matches = (smarts: string, opts: MatchOptions = {}): number[][] => {
    const uniquify = opts.uniquify ?? true
    const maxMatches = opts.maxMatches ?? 1000
    const key = `${uniquify ? 1 : 0} ${maxMatches} ${smarts}`
    const known = memo.get(key)
    if (known !== undefined) return known
    let queries = queryCaches.get(rd)
    if (queries === undefined) queryCaches.set(rd, (queries = new Map()))
    const q = queries.get(smarts) ?? rd.get_qmol(smarts)
    if (q === null) throw new Error(`invalid SMARTS ${smarts}`)
    queries.set(smarts, q)
    const s = mol.get_substruct_matches(q, JSON.stringify({ uniquify, maxMatches }))
    // MinimalLib answers "{}" (not "[]") when nothing matches
    const parsed = JSON.parse(s === "" ? "{}" : s) as unknown
    const out = Array.isArray(parsed) ? (parsed as { atoms?: number[] }[]).flatMap((x) => (x.atoms ? [x.atoms] : [])) : []
    memo.set(key, out)
    return out
  }
  return {
    count: (smarts, opts) => matches(smarts, opts).length,
    atoms: (smarts, opts) => {
      const seen = new Set<number>()
      for (const m of matches(smarts, opts)) if (m[0] !== undefined) seen.add(m[0])
      return Int32Array.from([...seen].sort((a, b) => a - b))
    },
  }
}
// compiled queries belong to the RDKit instance that compiled them: a molecule of another instance cannot take them
const queryCaches = new WeakMap<RDKitLike, Map<string, { delete(): void }>>()

/**
 * RDKit's hybridization through MinimalLib's SMARTS primitives `[^1]`…`[^5]` (there is no JSON field), in three
 * queries: the code is read in binary from [^1,^3,^5] (1), [^2,^3] (2) and [^4,^5] (4).
 */
export const rdkitHybridization = (smarts: SmartsCounter, n: number): Uint8Array => {
  const h = new Uint8Array(n)
  const bits: readonly [string, number][] = [["[^1,^3,^5]", 1], ["[^2,^3]", 2], ["[^4,^5]", 4]]
  for (const [q, bit] of bits) for (const i of smarts.atoms(q, { maxMatches: 1 << 30 })) h[i] = h[i]! | bit
  return h
}

/**
 * The fields of the project's molecule layer (`core/chem/molecule` `Molecule`) this engine reads; declared
 * structurally so the engine does not depend on the layer's module. Hybridization uses RDKit's
 * Atom::HybridizationType values (SP 2, SP2 3, SP3 4, SP3D 5, SP3D2 6).
 */
export interface MoleculeLike {
  readonly numAtoms: number
  readonly numBonds: number
  readonly atomicNum: Uint8Array
  readonly isotope: Uint16Array
  readonly formalCharge: Int8Array
  readonly radicalElectrons: Uint8Array
  readonly totalHs: Uint8Array
  readonly aromatic: Uint8Array
  readonly hybridization: Uint8Array
  readonly bondBegin: Int32Array
  readonly bondEnd: Int32Array
  readonly kekuleOrder: Uint8Array
  /** RDKit BondType: Aromatic = 12 */
  readonly bondType: Uint8Array
  readonly rings: readonly Int32Array[]
}

/**
 * The descriptor input of a molecule-layer `Molecule`. The layer keeps no RDKit handle, so the SMARTS service
 * the local matcher falls back to comes from the caller (a live MinimalLib molecule of the same SMILES, or one
 * that refuses: core/pipeline/descriptorInput.ts), or is absent — then the families that need it give NaN.
 */
export const fromMolecule = (m: MoleculeLike, rdkit: { smarts?: SmartsCounter | null } = {}): DescriptorInput => {
  const hyb = new Uint8Array(m.numAtoms)
  // RDKit HybridizationType (SP 2 … SP3D2 6) → this engine's codes (SP 1 … SP3D2 5); S/unspecified/other → 0
  for (let i = 0; i < m.numAtoms; i++) {
    const h = m.hybridization[i]!
    hyb[i] = h >= 2 && h <= 6 ? h - 1 : 0
  }
  const bondAromatic = new Uint8Array(m.numBonds)
  for (let b = 0; b < m.numBonds; b++) bondAromatic[b] = m.bondType[b] === 12 ? 1 : 0
  return {
    atomicNum: m.atomicNum,
    formalCharge: m.formalCharge,
    isotope: m.isotope,
    hCount: m.totalHs,
    radicals: m.radicalElectrons,
    aromaticAtom: m.aromatic,
    bondBegin: m.bondBegin,
    bondEnd: m.bondEnd,
    bondKekule: m.kekuleOrder,
    bondAromatic,
    atomRings: m.rings,
    hybridization: hyb,
    smarts: rdkit.smarts ?? null,
  }
}
