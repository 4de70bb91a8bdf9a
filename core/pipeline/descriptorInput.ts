/**
 * The descriptor engine's view of a molecule, as RDKit's `MolFromSmiles` holds it, and mordred's 1613 raw
 * values of it. The one way periogt reads a molecule for its descriptors.
 *
 * Two ways to the view:
 * - a capped oligomer of a repeat unit is built in TypeScript (`oligomerDescriptorInput`): the oligomer
 *   assembled from the unit (core/chem/polymer/oligomer.ts), its atoms and bonds renumbered as RDKit
 *   numbers them when it reads the oligomer's canonical SMILES (atoms in the writer's output order, bonds
 *   in the parser's order), SMARTS answered by the TypeScript matcher. No size limit: this is how
 *   oligomers larger than MinimalLib can read are described.
 * - any SMILES is read by MinimalLib (`withDescriptorInput`), the SMARTS the TypeScript matcher cannot
 *   decide answered on the live MinimalLib molecule; up to MAX_ATOMS atoms (MinimalLib's WebAssembly
 *   stack overflows reading chains of ~860 atoms). Oligomers the TypeScript way does not cover take it.
 */
import { computeDescriptors, fromMolecule, rdkitSmarts, type DescriptorInput, type MoleculeLike, type SmartsCounter } from "../chem/descriptors/index.ts"
import { parsePattern } from "../chem/graph/pattern.ts"
import { moleculeWithoutStereo } from "../chem/molecule/parse.ts"
import { bondBetween } from "../chem/molecule/types.ts"
import { oligomerSmiles, writtenOligomer } from "../chem/polymer/oligomer.ts"
import type { RepeatUnit } from "../chem/polymer/repeatUnit.ts"
import { MAX_ATOMS } from "../chem/polymer/rules.ts"
import { withoutRdkit } from "../chem/polymer/variants.ts"
import { countSmilesAtoms } from "../chem/polymer/validateText.ts"
import type { RDKit } from "../runtime/rdkit.ts"

/**
 * Runs `fn` on the descriptor engine's view of `smiles`. The view answers SMARTS queries through the
 * live MinimalLib molecule, so it is valid only inside `fn`; the molecule is deleted afterwards.
 * Undefined where the SMILES cannot be parsed or is larger than MinimalLib can hold (rules.ts MAX_ATOMS).
 */
export const withDescriptorInput = <T>(rdkit: RDKit, smiles: string, fn: (input: DescriptorInput) => T): T | undefined => {
  if (countSmilesAtoms(smiles) > MAX_ATOMS) return undefined
  const mol = rdkit.get_mol(smiles)
  if (mol === null) return undefined
  try {
    // the molecule layer's perception is RDKit 2022.09's (mordred's): MinimalLib 2026 calls a
    // hypervalent `=[SH]-` SP3 where 2022.09 says SP2, which moves the Gasteiger charges
    return fn(fromMolecule(moleculeWithoutStereo(mol, smiles), { smarts: rdkitSmarts(rdkit as never, mol as never) }))
  } finally {
    mol.delete()
  }
}

/** mordred's 1613 raw values of a molecule given as SMILES (upstream: `Calculator(descriptors, ignore_3D=True)(MolFromSmiles(s))`). */
export const descriptorsOfSmiles = (rdkit: RDKit, smiles: string): Float64Array | undefined => withDescriptorInput(rdkit, smiles, computeDescriptors)

/** A SMARTS question the TypeScript matcher could not decide on a molecule built in TypeScript. */
export class NeedsRdkitSmarts extends Error {
  constructor(readonly smarts: string) {
    super(`SMARTS ${smarts} is not decided by the TypeScript matcher on this molecule`)
  }
}

/** The SMARTS service of a molecule without a MinimalLib handle: every question reaching it throws NeedsRdkitSmarts. */
const typescriptOnly: SmartsCounter = {
  count: (smarts) => {
    throw new NeedsRdkitSmarts(smarts)
  },
  atoms: (smarts) => {
    throw new NeedsRdkitSmarts(smarts)
  },
}

/**
 * The capped n-mer of a repeat unit as RDKit holds it after reading the oligomer's canonical SMILES (what
 * upstream hands mordred), built in TypeScript: the assembled oligomer renumbered — atom i is the i-th atom
 * of the written SMILES, bonds in the order RDKit's parser creates them (core/chem/graph/pattern.ts:
 * chain and branch bonds as their second atom is read, then ring closures by ring number), each bond begun
 * where RDKit begins it (a chain bond at its first atom, a ring closure at its closing atom unless its opening
 * digit carries the bond symbol). Its SMARTS service throws NeedsRdkitSmarts (the matcher of
 * core/chem/descriptors/shared/smartsLocal.ts answers everything the families ask on molecules it knows
 * fully). A string says why the unit's oligomer cannot be built this way.
 */
export const oligomerDescriptorInput = (u: RepeatUnit, n: number): { input: DescriptorInput; smiles: string } | string => {
  const built = withoutRdkit(() => writtenOligomer(u, n, true))
  if (built === undefined) return "the unit's oligomers are not written in TypeScript (stereo, hydrogen atoms, metals or bonds it does not copy)"
  const { mol, written } = built
  const order = written.atomOrder
  const na = mol.numAtoms
  if (order.length !== na) return "the written SMILES does not hold every atom"
  const inv = new Int32Array(na)
  for (let i = 0; i < na; i++) inv[order[i]!] = i
  const pick = <A extends Uint8Array | Int8Array | Uint16Array>(src: A, make: (k: number) => A): A => {
    const out = make(na)
    for (let i = 0; i < na; i++) out[i] = src[order[i]!]!
    return out
  }
  const parsed = parsePattern(written.smiles).bonds
  const nb = parsed.length
  if (nb !== mol.numBonds) return "the written SMILES does not hold every bond"
  const bondBegin = new Int32Array(nb)
  const bondEnd = new Int32Array(nb)
  const kekuleOrder = new Uint8Array(nb)
  const bondType = new Uint8Array(nb)
  for (let k = 0; k < nb; k++) {
    const { a, b, openedWithBond } = parsed[k]!
    const src = bondBetween(mol, order[a]!, order[b]!)
    if (src < 0) return "the written SMILES has a bond the oligomer lacks"
    bondBegin[k] = openedWithBond ? b : a
    bondEnd[k] = openedWithBond ? a : b
    kekuleOrder[k] = mol.kekuleOrder[src]!
    bondType[k] = mol.bondType[src]!
  }
  const m: MoleculeLike = {
    numAtoms: na,
    numBonds: nb,
    atomicNum: pick(mol.atomicNum, (k) => new Uint8Array(k)),
    isotope: pick(mol.isotope, (k) => new Uint16Array(k)),
    formalCharge: pick(mol.formalCharge, (k) => new Int8Array(k)),
    radicalElectrons: pick(mol.radicalElectrons, (k) => new Uint8Array(k)),
    totalHs: pick(mol.totalHs, (k) => new Uint8Array(k)),
    aromatic: pick(mol.aromatic, (k) => new Uint8Array(k)),
    hybridization: pick(mol.hybridization, (k) => new Uint8Array(k)),
    bondBegin,
    bondEnd,
    kekuleOrder,
    bondType,
    rings: mol.rings.map((r) => r.map((a) => inv[a]!)),
  }
  return { input: fromMolecule(m, { smarts: typescriptOnly }), smiles: written.smiles }
}

/** mordred's raw values of a capped oligomer; `fallback`: why MinimalLib read the molecule instead of TypeScript. */
export interface OligomerDescriptors {
  readonly values: Float64Array
  readonly fallback?: string
}

/** Why a capped oligomer cannot be described. */
export interface OligomerDescriptorRefusal {
  readonly refused: "oligomer" | "too_many_atoms" | "unparsable"
  readonly message: string
}

/**
 * mordred's 1613 raw values of the capped n-mer of a repeat unit (upstream: `Calculator(descriptors,
 * ignore_3D=True)(MolFromSmiles(generate_multimer_smiles(n, unit)))`): built in TypeScript where
 * `oligomerDescriptorInput` can (any size), else — or where a SMARTS question needs RDKit — read by
 * MinimalLib from the capped SMILES, up to MAX_ATOMS atoms, with the reason in `fallback`.
 */
export const descriptorsOfOligomer = (rdkit: RDKit, u: RepeatUnit, n: number): OligomerDescriptors | OligomerDescriptorRefusal => {
  const ts = oligomerDescriptorInput(u, n)
  let fallback: string
  let smiles: string | undefined
  if (typeof ts === "string") fallback = ts
  else {
    try {
      return { values: computeDescriptors(ts.input) }
    } catch (e) {
      if (!(e instanceof NeedsRdkitSmarts)) throw e
      fallback = e.message
      smiles = ts.smiles
    }
  }
  smiles ??= oligomerSmiles(rdkit, u, n, true)
  if (smiles === undefined) return { refused: "oligomer", message: `the capped ${n}-mer of this repeat unit cannot be written` }
  if (countSmilesAtoms(smiles) > MAX_ATOMS)
    return {
      refused: "too_many_atoms",
      message: `the capped ${n}-mer has more than ${MAX_ATOMS} atoms, more than this build's RDKit (WebAssembly) can describe, and cannot be built in TypeScript: ${fallback}`,
    }
  const values = descriptorsOfSmiles(rdkit, smiles)
  if (values === undefined) return { refused: "unparsable", message: `the capped ${n}-mer cannot be parsed for its descriptors` }
  return { values, fallback }
}
