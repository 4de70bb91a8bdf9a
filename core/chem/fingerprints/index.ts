/**
 * The fingerprint upstream feeds the model (utils/features.py): MACCS keys (167 bits) followed by
 * Morgan radius 4, 1024 bits (no chirality, bond types on) = 1191 bits, of a capped oligomer.
 *
 * Two ways to the same bits: in TypeScript from a molecule's graph (`fingerprintOfGraph`: maccs.ts,
 * morgan.ts — what the featurizer uses, the oligomer built from the parsed repeat unit), or through
 * MinimalLib (`fingerprintOfMol`, `fingerprintOfSmiles`). `fingerprintOfSpec` takes the TypeScript way
 * for a spec that `oligomerSpec` built (it knows the oligomer's graph), MinimalLib otherwise.
 *
 * The bits are those of PerioGT's training environment (RDKit 2021.09.2). They differ from RDKit
 * 2022.09.5's (and MinimalLib's) only in the Morgan part of a molecule that keeps a hydrogen atom bonded
 * to another atom (`[2H]`, or an `[H]` setting a double bond's E/Z): see morgan.ts `MorganInvariant`.
 * Where MinimalLib builds such a molecule, its Morgan bits are computed here in TypeScript, from the
 * graph MinimalLib perceived (`fingerprintOfSpec`).
 */
import type { RDKit } from "../../runtime/rdkit.ts"
import { molFromSpec, specToSmiles, type MolSpec, type RDMol } from "../molecule/build.ts"
import { bondAdjacency } from "../molecule/adjacency.ts"
import { ATOMIC_WEIGHT } from "../molecule/elements.ts"
import { moleculeWithoutStereo, setStereoMode } from "../molecule/parse.ts"
import { MACCS_BITS, writeMaccs, type MaccsTarget } from "./maccs.ts"
import { writeMorgan, type MorganInvariant, type MorganTarget } from "./morgan.ts"

export type { MorganInvariant } from "./morgan.ts"

export { MACCS_BITS } from "./maccs.ts"
export const MORGAN_BITS = 1024
export const MORGAN_RADIUS = 4
export const FP_BITS = MACCS_BITS + MORGAN_BITS

const MORGAN_OPTIONS = JSON.stringify({ radius: MORGAN_RADIUS, nBits: MORGAN_BITS })

/**
 * A sanitized molecule's graph as the fingerprints read it (a `Molecule` is one): atoms with their
 * RDKit hydrogen counts (explicit + implicit, hydrogen atoms not included), aromatic flags and masses;
 * bonds with their RDKit bond types; RDKit's ring list as atom cycles.
 */
export interface FingerprintGraph {
  readonly numAtoms: number
  readonly numBonds: number
  readonly atomicNum: ArrayLike<number>
  readonly totalHs: ArrayLike<number>
  readonly formalCharge: ArrayLike<number>
  readonly mass: ArrayLike<number>
  readonly aromatic: ArrayLike<number>
  readonly bondBegin: ArrayLike<number>
  readonly bondEnd: ArrayLike<number>
  readonly bondType: ArrayLike<number>
  readonly rings: readonly ArrayLike<number>[]
}

type Target = MaccsTarget & MorganTarget

const targetOf = (g: FingerprintGraph): Target => {
  const n = g.numAtoms
  const nb = g.numBonds
  const atomicNum = Uint8Array.from(g.atomicNum)
  const { adjStart, adjAtom, adjBond } = bondAdjacency(n, g.bondBegin, g.bondEnd)
  const hCount = new Uint8Array(n)
  const totalHs = Uint8Array.from(g.totalHs)
  const deltaMass = new Int32Array(n)
  const formalCharge = Int8Array.from(g.formalCharge)
  for (let a = 0; a < n; a++) {
    let h = g.totalHs[a]!
    for (let k = adjStart[a]!; k < adjStart[a + 1]!; k++) if (atomicNum[adjAtom[k]!] === 1) h++
    hCount[a] = h
    deltaMass[a] = Math.trunc(g.mass[a]! - (ATOMIC_WEIGHT[atomicNum[a]!] ?? 0))
  }
  const bondOf = (x: number, y: number): number => {
    for (let k = adjStart[x]!; k < adjStart[x + 1]!; k++) if (adjAtom[k] === y) return adjBond[k]!
    return -1
  }
  const atomRings = new Uint8Array(n)
  const bondInRing = new Uint8Array(nb)
  const ringBonds: Int32Array[] = []
  for (const r of g.rings) {
    const bonds = new Int32Array(r.length)
    for (let k = 0; k < r.length; k++) {
      atomRings[r[k]!]!++
      const b = bondOf(r[k]!, r[(k + 1) % r.length]!)
      bonds[k] = b
      if (b >= 0) bondInRing[b] = 1
    }
    ringBonds.push(bonds)
  }
  // fragments (union-find)
  const parent = Int32Array.from({ length: n }, (_, i) => i)
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!
    return x
  }
  let numFragments = n
  for (let b = 0; b < nb; b++) {
    const x = find(g.bondBegin[b]!)
    const y = find(g.bondEnd[b]!)
    if (x !== y) {
      parent[x] = y
      numFragments--
    }
  }
  return {
    numAtoms: n,
    numBonds: nb,
    atomicNum,
    aromatic: Uint8Array.from(g.aromatic),
    hCount,
    totalHs,
    formalCharge,
    deltaMass,
    atomRings,
    bondType: Uint8Array.from(g.bondType),
    bondInRing,
    adjStart,
    adjAtom,
    adjBond,
    ringBonds,
    numFragments,
  }
}

/**
 * 1191 bits (0/1) of a molecule's graph, computed in TypeScript; the Morgan invariant of the training
 * environment (RDKit 2021.09.2) unless `invariant` says 2022.09's.
 */
export const fingerprintOfGraph = (g: FingerprintGraph, invariant: MorganInvariant = "rdkit2021"): Uint8Array => {
  const t = targetOf(g)
  const out = new Uint8Array(FP_BITS)
  writeMaccs(t, out, 0)
  writeMorgan(t, MORGAN_RADIUS, MORGAN_BITS, out, MACCS_BITS, invariant)
  return out
}

/** Whether a spec keeps a hydrogen atom bonded to another atom: the only molecules whose Morgan bits RDKit 2021.09 and 2022.09 disagree on. */
const keepsBondedHydrogen = (spec: MolSpec): boolean => {
  const isH = spec.atoms.map((a) => a.z === 1)
  return spec.bonds.some((b) => isH[b.a] || isH[b.b])
}

/**
 * Whether the spec keeps a plain hydrogen atom ([H], written as upstream's capped SMILES writes it) that
 * is no stereo atom of a double bond: upstream's MolFromSmiles of that SMILES drops it (RemoveHs).
 */
const dropsHydrogenOnReading = (spec: MolSpec): boolean => {
  if (spec.keepHs !== true) return false
  const stereoAtoms = new Set<number>()
  for (const b of spec.bonds) if (b.stereoAtoms !== undefined) for (const a of b.stereoAtoms) stereoAtoms.add(a)
  const bonded = new Set<number>()
  for (const b of spec.bonds) bonded.add(b.a).add(b.b)
  return spec.atoms.some((a, i) => a.z === 1 && a.iso === 0 && bonded.has(i) && !stereoAtoms.has(i))
}

/** The spec's molecule as upstream's fingerprint reads it: its SMILES written and read back (MolFromSmiles). */
const molReadBack = (rdkit: RDKit, spec: MolSpec): RDMol | null => {
  const smiles = specToSmiles(rdkit, spec)
  if (smiles === undefined) return null
  setStereoMode(rdkit, true)
  try {
    const mol = rdkit.get_mol(smiles)
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
 * MinimalLib's MACCS keys (RDKit 2021.09 and 2022.09 agree on them) and the Morgan bits of the graph
 * MinimalLib perceived, computed in TypeScript with the training environment's invariant.
 */
const fingerprintOfMolWithTrainingMorgan = (mol: RDMol): Uint8Array => {
  const out = fingerprintOfMol(mol)
  const t = targetOf(moleculeWithoutStereo(mol, ""))
  out.fill(0, MACCS_BITS)
  writeMorgan(t, MORGAN_RADIUS, MORGAN_BITS, out, MACCS_BITS, "rdkit2021")
  return out
}

/** 1191 bits (0/1) of a live MinimalLib molecule. */
export const fingerprintOfMol = (mol: RDMol): Uint8Array => {
  const maccs = mol.get_maccs_fp()
  const morgan = mol.get_morgan_fp(MORGAN_OPTIONS)
  if (maccs.length !== MACCS_BITS || morgan.length !== MORGAN_BITS) {
    throw new Error(`unexpected fingerprint lengths ${maccs.length}, ${morgan.length}`)
  }
  const out = new Uint8Array(FP_BITS)
  for (let i = 0; i < MACCS_BITS; i++) out[i] = maccs.charCodeAt(i) === 49 ? 1 : 0
  for (let i = 0; i < MORGAN_BITS; i++) out[MACCS_BITS + i] = morgan.charCodeAt(i) === 49 ? 1 : 0
  return out
}

/** Fingerprint of a SMILES through MinimalLib (undefined if RDKit cannot parse it). */
export const fingerprintOfSmiles = (rdkit: RDKit, smiles: string): Uint8Array | undefined => {
  setStereoMode(rdkit, false)
  const mol = rdkit.get_mol(smiles)
  if (mol === null) return undefined
  try {
    return mol.is_valid() ? fingerprintOfMol(mol) : undefined
  } finally {
    mol.delete()
  }
}

/**
 * Fingerprint of a built molecule built through MinimalLib (no SMILES round trip); where it keeps a
 * hydrogen atom bonded to another atom, the Morgan part is the training environment's (computed in
 * TypeScript from MinimalLib's graph), unless `invariant` asks for 2022.09's (MinimalLib's own bits).
 */
export const fingerprintOfSpecInRdkit = (
  rdkit: RDKit,
  spec: MolSpec | undefined,
  invariant: MorganInvariant = "rdkit2021",
): Uint8Array | undefined => {
  if (spec === undefined) return undefined
  const mol = dropsHydrogenOnReading(spec) ? molReadBack(rdkit, spec) : molFromSpec(rdkit, spec, false)
  if (mol === null) return undefined
  try {
    return invariant === "rdkit2021" && keepsBondedHydrogen(spec) ? fingerprintOfMolWithTrainingMorgan(mol) : fingerprintOfMol(mol)
  } finally {
    mol.delete()
  }
}

/**
 * Fingerprint of a built molecule (e.g. a capped oligomer spec): in TypeScript where the spec carries
 * its graph (`spec.graph`, set by oligomerSpec where the oligomer is a plain copy of the parsed unit's
 * atoms, rings and aromaticity), else through MinimalLib (`fingerprintOfSpecInRdkit`); none for no
 * molecule (one upstream cannot build). The training environment's bits (RDKit 2021.09.2) by default;
 * `invariant: "rdkit2022"` gives 2022.09.5's (tests compare with both oracles).
 */
export const fingerprintOfSpec = (
  rdkit: RDKit,
  spec: MolSpec | undefined,
  invariant: MorganInvariant = "rdkit2021",
): Uint8Array | undefined => {
  if (spec === undefined) return undefined
  let fp: Uint8Array | undefined
  try {
    const g = spec.graph?.()
    if (g !== undefined) fp = fingerprintOfGraph(g, invariant)
  } catch {
    // a bug in the TypeScript way must not cost the molecule: MinimalLib's way below
  }
  return fp ?? fingerprintOfSpecInRdkit(rdkit, spec, invariant)
}

/** Indices of the set bits. */
export const onBits = (fp: Uint8Array): number[] => {
  const r: number[] = []
  for (let i = 0; i < fp.length; i++) if (fp[i]) r.push(i)
  return r
}

export const bitString = (fp: Uint8Array): string => {
  let s = ""
  for (let i = 0; i < fp.length; i++) s += fp[i] ? "1" : "0"
  return s
}
