/**
 * Capping, as upstream's generate_multimer_smiles does it on RDKit 2022.09: the outer `*` atoms become H
 * (keeping their bond, whatever its order) and RemoveHs removes them. Whether that can be done at all,
 * and the hydrogen counts it leaves on the capped atoms (oligomer.ts builds the rest).
 */
import { implicitHydrogens, VALENCE_LIST } from "../descriptors/shared/elements.ts"
import { ChiralTag } from "../molecule/types.ts"
import { patternOf, type RepeatUnit } from "./repeatUnit.ts"

/**
 * Whether RDKit 2022.09 builds the oligomer at all. Capping a unit whose wildcard bond is double (or
 * triple) on an aromatic atom (`*=c1ccc(=*)cc1`, whose ring RDKit reads as aromatic) leaves that ring
 * aromatic without its exocyclic double bond: RemoveHs' sanitization cannot kekulize it and upstream's
 * generate_multimer_smiles raises (KekulizeException, for every such unit tried), so there is no capped
 * oligomer, fingerprint or descriptor.
 */
export const upstreamBuilds = (u: RepeatUnit, capped: boolean): boolean =>
  !capped || u.bondOrder < 2 || (u.mol.aromatic[u.cnct[0]] === 0 && u.mol.aromatic[u.cnct[1]] === 0)

const cappedHs = new WeakMap<RepeatUnit, readonly [number, number]>()

/**
 * The hydrogen counts of the two capped connection atoms, as RDKit 2022.09 leaves them: upstream puts
 * an H in the `*`'s place (keeping its bond, whatever its order) and RemoveHs removes it (molRemoveH).
 * An atom written in brackets (its H count fixed) or chiral gets one explicit H, even for a double
 * wildcard bond (`[13C](=*)` → `[13CH]`); any other atom has its hydrogens recomputed from its
 * remaining bonds, after one explicit H where its valence was not the element's default (`*=S…`,
 * S(IV) → `S…`). An aromatic atom gains the bond order (a single wildcard bond, in practice: upstream
 * cannot cap a double one there).
 */
export const cappedHydrogens = (u: RepeatUnit): readonly [number, number] => {
  const known = cappedHs.get(u)
  if (known !== undefined) return known
  const m = u.mol
  // a single wildcard bond: every rule below gives the old count plus one
  if (u.bondOrder === 1) return [m.totalHs[u.cnct[0]]! + 1, m.totalHs[u.cnct[1]]! + 1]
  const bracket = patternOf(u)?.atoms.map((a) => a.bracket)
  const one = (c: number): number => {
    const old = m.totalHs[c]!
    const bo = u.bondOrder
    if (m.aromatic[c] || bracket === undefined) return old + Math.max(1, bo)
    if (bracket[c] || m.chiralTag[c] !== ChiralTag.Unspecified) return old + 1
    let bonds = 0
    for (let k = m.adjStart[c]!; k < m.adjStart[c + 1]!; k++) bonds += m.kekuleOrder[m.adjBond[k]!]!
    const after = bonds - bo
    const valences = VALENCE_LIST[m.atomicNum[c]!] ?? []
    const explicit = valences.indexOf(bonds + old) > 0 ? 1 : 0
    return explicit + (implicitHydrogens(m.atomicNum[c]!, m.formalCharge[c]!, after + explicit) ?? 0)
  }
  const out = [one(u.cnct[0]), one(u.cnct[1])] as const
  cappedHs.set(u, out)
  return out
}
