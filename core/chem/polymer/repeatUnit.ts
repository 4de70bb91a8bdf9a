/**
 * A validated repeat unit: the parsed molecule and its two connection points. Validation applies the
 * rules of rules.ts in order and fails with the first broken one (ValidationError, details.rule).
 */
import type { ValidationError } from "../../errors/index.ts"
import type { RDKit } from "../../runtime/rdkit.ts"
import { bondBetween, BondType, type Molecule } from "../molecule/types.ts"
import { parseMolecule } from "../molecule/parse.ts"
import { checkRepeatUnitText, ruleError } from "./validateText.ts"
import { parsePattern, type Pattern } from "../graph/pattern.ts"

export interface RepeatUnit {
  readonly smiles: string
  readonly mol: Molecule
  /** the two `*` atoms, in atom order */
  readonly stars: readonly [number, number]
  /** their neighbours (connection points) */
  readonly cnct: readonly [number, number]
  /** the two `*` bonds */
  readonly starBonds: readonly [number, number]
  /** the wildcard bond's BondType and Kekulé order */
  readonly bondType: number
  readonly bondOrder: number
}

const bondTypeName = (t: number): string =>
  Object.entries(BondType).find(([, v]) => v === t)?.[0]?.toUpperCase() ?? String(t)

/** Validate a repeat unit; `ValidationError` names the first rule it breaks. */
export const validateRepeatUnit = (rdkit: RDKit, smiles: string): RepeatUnit | ValidationError => {
  const textError = checkRepeatUnitText(smiles)
  if (textError !== undefined) return textError
  const mol = parseMolecule(rdkit, smiles)
  if (mol === undefined) return ruleError("unparsable", smiles)
  return repeatUnitOf(smiles, mol)
}

/** The molecule-level rules on an already parsed molecule. */
export const repeatUnitOf = (smiles: string, mol: Molecule): RepeatUnit | ValidationError => {
  const stars: number[] = []
  for (let a = 0; a < mol.numAtoms; a++) if (mol.atomicNum[a] === 0) stars.push(a)
  if (stars.length !== 2) return ruleError("wildcard_count", smiles, `found ${stars.length}`)
  for (const s of stars) {
    if (mol.degree[s] !== 1) return ruleError("wildcard_degree", smiles, `atom ${s} has ${mol.degree[s]} neighbours`)
  }
  const [s0, s1] = stars as [number, number]
  const c0 = mol.adjAtom[mol.adjStart[s0]!]!
  const c1 = mol.adjAtom[mol.adjStart[s1]!]!
  // `**`: each wildcard's neighbour is the other wildcard; upstream would cap it to `[HH].[HH]`
  if (c0 === s1) return ruleError("no_atom", smiles)
  const b0 = bondBetween(mol, s0, c0)
  const b1 = bondBetween(mol, s1, c1)
  const t0 = mol.bondType[b0]!
  const t1 = mol.bondType[b1]!
  if (t0 !== t1) return ruleError("wildcard_bond_mismatch", smiles, `${bondTypeName(t0)} and ${bondTypeName(t1)}`)
  return {
    smiles,
    mol,
    stars: [s0, s1],
    cnct: [c0, c1],
    starBonds: [b0, b1],
    bondType: t0,
    bondOrder: mol.kekuleOrder[b0]!,
  }
}

const patterns = new WeakMap<RepeatUnit, Pattern | null>()

/**
 * The unit's SMILES as written (graph/pattern.ts: bracket atoms, atom maps, bond directions), read
 * once per unit; undefined where that reading fails or its atoms and bonds are not the molecule's.
 */
export const patternOf = (u: RepeatUnit): Pattern | undefined => {
  let p = patterns.get(u)
  if (p === undefined) {
    try {
      p = parsePattern(u.smiles)
      if (p.atoms.length !== u.mol.numAtoms || p.bonds.length !== u.mol.numBonds) p = null
    } catch {
      p = null
    }
    patterns.set(u, p)
  }
  return p ?? undefined
}

/** The unit's atom-map numbers (`[*:1]CCO[*:2]`) in atom order, which edited copies keep; undefined when it has none. */
export const atomMapsOf = (u: RepeatUnit): number[] | undefined => (MAPPED.test(u.smiles) ? patternOf(u)?.atoms.map((a) => a.map) : undefined)
const MAPPED = /:\d+\]/

export const isRepeatUnit = (x: RepeatUnit | ValidationError): x is RepeatUnit => "mol" in x && "stars" in x
