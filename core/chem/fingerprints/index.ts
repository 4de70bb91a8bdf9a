/**
 * The fingerprint upstream feeds the model (utils/features.py): MACCS keys (167 bits) followed by
 * Morgan radius 4, 1024 bits (no chirality, bond types on) = 1191 bits, of a capped oligomer.
 */
import type { RDKit } from "../../runtime/rdkit.ts"
import { molFromSpec, type MolSpec, type RDMol } from "../molecule/build.ts"
import { setStereoMode } from "../molecule/parse.ts"

export const MACCS_BITS = 167
export const MORGAN_BITS = 1024
export const MORGAN_RADIUS = 4
export const FP_BITS = MACCS_BITS + MORGAN_BITS

const MORGAN_OPTIONS = JSON.stringify({ radius: MORGAN_RADIUS, nBits: MORGAN_BITS })

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

/** Fingerprint of a SMILES (undefined if RDKit cannot parse it). */
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

/** Fingerprint of a built molecule (e.g. a capped oligomer spec; no SMILES round trip needed). */
export const fingerprintOfSpec = (rdkit: RDKit, spec: MolSpec): Uint8Array | undefined => {
  const mol = molFromSpec(rdkit, spec, false)
  if (mol === null) return undefined
  try {
    return fingerprintOfMol(mol)
  } finally {
    mol.delete()
  }
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
