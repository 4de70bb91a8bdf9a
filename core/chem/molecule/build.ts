/**
 * Build molecules from an edited atom/bond list and hand them to RDKit MinimalLib as rdkitjson
 * (its JSON reader keeps the given atom order, bond order and chirality tags; sanitization then
 * perceives aromaticity and stereo as for a parsed SMILES). This is how RDKit "EditableMol" edits
 * (combine, add bond, remove atom, replace atom) are reproduced without an editing API.
 */
import type { RDKit } from "../../runtime/rdkit.ts"
import type { FingerprintGraph } from "../fingerprints/index.ts"
import { ChiralTag, type Molecule } from "./types.ts"
import { SMILES_WRITE_ATOM_LIMIT, setStereoMode, LEGACY_ATOM_LIMIT } from "./parse.ts"
import { parsePattern } from "../graph/pattern.ts"

export type RDMol = NonNullable<ReturnType<RDKit["get_mol"]>>

export interface AtomSpec {
  z: number
  hs: number
  chg: number
  nRad: number
  iso: number
  chiral: number
  /** atom-map number (`[*:1]`); RDKit's JSON reader has none, so specToSmiles writes it into the SMILES */
  map?: number
}
export interface BondSpec {
  a: number
  b: number
  /** Kekulé order: 0..3 */
  order: number
  /** "cis" | "trans" relative to stereoAtoms, or undefined */
  stereo?: "cis" | "trans" | "either"
  stereoAtoms?: [number, number]
}
export interface MolSpec {
  atoms: AtomSpec[]
  bonds: BondSpec[]
  /** the built molecule's graph as RDKit would perceive it, where the builder knows it exactly (lets the fingerprint skip RDKit) */
  graph?: () => FingerprintGraph | undefined
  /** its hydrogen atoms are written as [H] (RDKit 2022.09 kept them): not removed when the SMILES is read back */
  keepHs?: boolean
}

export const atomSpecOf = (m: Molecule, a: number): AtomSpec => ({
  z: m.atomicNum[a]!,
  hs: m.totalHs[a]!,
  chg: m.formalCharge[a]!,
  nRad: m.radicalElectrons[a]!,
  iso: m.isotope[a]!,
  chiral: m.chiralTag[a]!,
})

const chiralName = (t: number): string | undefined =>
  t === ChiralTag.CW ? "cw" : t === ChiralTag.CCW ? "ccw" : undefined

export const specToJson = (s: MolSpec): string => {
  const atoms = s.atoms.map((a) => {
    const o: Record<string, unknown> = { z: a.z, impHs: a.hs }
    if (a.chg) o.chg = a.chg
    if (a.nRad) o.nRad = a.nRad
    if (a.iso) o.isotope = a.iso
    const c = chiralName(a.chiral)
    if (c !== undefined) o.stereo = c
    return o
  })
  const bonds = s.bonds.map((b) => {
    const o: Record<string, unknown> = { bo: b.order, atoms: [b.a, b.b] }
    if (b.stereo !== undefined) {
      o.stereo = b.stereo
      if (b.stereoAtoms !== undefined) o.stereoAtoms = b.stereoAtoms
    }
    return o
  })
  return JSON.stringify({
    rdkitjson: { version: 11 },
    defaults: {
      atom: { z: 6, impHs: 0, chg: 0, nRad: 0, isotope: 0, stereo: "unspecified" },
      bond: { bo: 1, stereo: "unspecified" },
    },
    molecules: [{ atoms, bonds }],
  })
}

const NO_STEREO_PERCEPTION = JSON.stringify({ assignStereo: false })

/** A sanitized MinimalLib molecule from a spec (the caller deletes it), or null. */
export const molFromSpec = (rdkit: RDKit, s: MolSpec, legacy: boolean): RDMol | null => {
  setStereoMode(rdkit, legacy && s.atoms.length <= LEGACY_ATOM_LIMIT)
  try {
    // upstream's edited molecules keep their stereo flags as set (RDKit marks them stereo-perceived
    // already); a fresh legacy perception would drop bond stereo given as cis/trans
    const mol = rdkit.get_mol(specToJson(s), NO_STEREO_PERCEPTION)
    if (mol === null) return null
    if (!mol.is_valid()) {
      mol.delete()
      return null
    }
    return mol
  } catch {
    return null
  } finally {
    setStereoMode(rdkit, false)
  }
}

/**
 * RDKit's canonical SMILES of a molecule (legacy stereo, as 2022.09 writes it), or undefined where
 * MinimalLib cannot write it (above SMILES_WRITE_ATOM_LIMIT atoms its writer overflows the stack).
 */
export const canonicalSmiles = (rdkit: RDKit, mol: RDMol): string | undefined => {
  if (mol.get_num_atoms() > SMILES_WRITE_ATOM_LIMIT) return undefined
  setStereoMode(rdkit, true)
  try {
    return mol.get_smiles()
  } finally {
    setStereoMode(rdkit, false)
  }
}

/**
 * Spec → canonical SMILES (undefined if RDKit rejects the molecule or it is too large to write).
 * The built molecule is written once as plain SMILES and read back, so that stereo is perceived
 * (and cleaned from centres that are no longer stereogenic) as RDKit does when it writes a SMILES.
 */
export const specToSmiles = (rdkit: RDKit, s: MolSpec): string | undefined => {
  if (s.atoms.length > SMILES_WRITE_ATOM_LIMIT) return undefined
  const mol = molFromSpec(rdkit, s, false)
  if (mol === null) return undefined
  let raw: string
  try {
    raw = mol.get_smiles(NON_CANONICAL)
    if (s.atoms.some((a) => a.map)) raw = withAtomMaps(raw, mol.get_prop("_smilesAtomOutputOrder"), s.atoms)
  } finally {
    mol.delete()
  }
  setStereoMode(rdkit, true)
  const again = rdkit.get_mol(raw, s.keepHs === true ? KEEP_HS : "")
  try {
    if (again === null || !again.is_valid()) return undefined
    return again.get_smiles()
  } finally {
    again?.delete()
    setStereoMode(rdkit, false)
  }
}

const NON_CANONICAL = JSON.stringify({ canonical: false })

/**
 * A SMILES written from a spec, with the spec's atom-map numbers put in: `order` is the writer's
 * `_smilesAtomOutputOrder` (the spec atom of each written atom). A mapped atom is written in brackets,
 * with its H count where it had none (`C` → `[CH2:1]`).
 */
const withAtomMaps = (smiles: string, order: string, atoms: readonly AtomSpec[]): string => {
  const written = (order.match(/\d+/g) ?? []).map(Number)
  const spans = parsePattern(smiles).atoms.map((a) => a.span!)
  if (written.length !== spans.length) throw new Error("atom output order does not match the SMILES")
  let out = ""
  let at = 0
  spans.forEach(([start, end], i) => {
    const a = atoms[written[i]!]!
    if (!a.map) return
    const text = smiles.slice(start, end)
    const bracketed = text.startsWith("[") ? text.slice(0, -1) : text === "*" || a.hs === 0 ? `[${text}` : `[${text}H${a.hs > 1 ? a.hs : ""}`
    out += smiles.slice(at, start) + `${bracketed}:${a.map}]`
    at = end
  })
  return out + smiles.slice(at)
}
const KEEP_HS = JSON.stringify({ removeHs: false })

/** Parity (0 even, 1 odd) of moving element at position `from` to the end of a list of length n. */
export const moveToEndParity = (from: number, n: number): number => (n - 1 - from) & 1

export const invertChiral = (t: number): number =>
  t === ChiralTag.CW ? ChiralTag.CCW : t === ChiralTag.CCW ? ChiralTag.CW : t
