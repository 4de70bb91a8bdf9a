/**
 * Knowledge augmentation (the inference stage after the oligomers), with the semantics of upstream's
 * `periodicity_augment_traverse` (utils/aug.py): the backbone is RDKit's BFS shortest path between the
 * two `*` (`GetShortestPath`: neighbours in bond order, first discovery wins); every bond on it except
 * the two end bonds that is not in a ring is cut; the cut ends get new `*` atoms (appended after every
 * atom, bonds appended after every bond: new `*`–begin, new `*`–end with the cut bond's type, then the
 * two old connection atoms joined with the wildcard bond's type); the old `*` atoms are removed. Each
 * variant is written as canonical SMILES; the input string comes first and exact string duplicates are
 * dropped (upstream compares strings, so a non-canonical input yields its canonical form as another
 * unit). Chirality tags are kept as they were (RDKit's EditableMol does the same), relative to the new
 * bond order of each atom; double-bond stereo is what RDKit re-perceives from the bond directions left
 * (an end without a remaining / or \ bond loses it).
 */
import { cisTransAfterEdit, Neighbour } from "../molecule/cisTrans.ts"
import type { RDKit } from "../../runtime/rdkit.ts"
import { atomSpecOf, specToSmiles, type BondSpec, type MolSpec } from "../molecule/build.ts"
import { BondStereo, type Molecule } from "../molecule/types.ts"
import { atomMapsOf, patternOf, type RepeatUnit } from "./repeatUnit.ts"
import { cutEdit, variantWithoutRdkit, withoutRdkit } from "./variants.ts"

/** RDKit MolOps::getShortestPath: atom indices from a to b inclusive (empty when not connected). */
export const shortestPath = (m: Molecule, a: number, b: number): number[] => {
  const pred = new Int32Array(m.numAtoms).fill(-1)
  pred[a] = -2
  pred[b] = -3
  const queue = new Int32Array(m.numAtoms)
  let head = 0
  let tail = 0
  queue[tail++] = a
  let done = false
  while (!done && head < tail) {
    const cur = queue[head++]!
    for (let k = m.adjStart[cur]!; !done && k < m.adjStart[cur + 1]!; k++) {
      const x = m.adjAtom[k]!
      if (pred[x] === -1) {
        pred[x] = cur
        queue[tail++] = x
      } else if (pred[x] === -3) {
        pred[x] = cur
        done = true
      }
    }
  }
  if (!done) return []
  const path = [b]
  for (let x = pred[b]!; x !== a; x = pred[x]!) path.push(x)
  path.push(a)
  return path.reverse()
}

/** The backbone bonds upstream cuts: on the `*`–`*` shortest path, not the end bonds, not in a ring. */
export const backboneBonds = (u: RepeatUnit): number[] => {
  const m = u.mol
  const path = shortestPath(m, u.stars[0], u.stars[1])
  const out: number[] = []
  for (let i = 1; i < path.length - 2; i++) {
    let b = -1
    for (let k = m.adjStart[path[i]!]!; k < m.adjStart[path[i]! + 1]!; k++) if (m.adjAtom[k] === path[i + 1]) b = m.adjBond[k]!
    if (b >= 0 && !m.bondInRing[b]) out.push(b)
  }
  return out
}

/** Which bonds of the unit were written with a direction (/ or \\), from its SMILES; undefined if unknown. */
export const directionalBondsOf = (u: RepeatUnit): boolean[] | undefined => {
  if (directions.has(u)) return directions.get(u)
  const found = readDirections(u)
  directions.set(u, found)
  return found
}

const directions = new WeakMap<RepeatUnit, boolean[] | undefined>()

const readDirections = (u: RepeatUnit): boolean[] | undefined => {
  const p = patternOf(u)
  if (p === undefined) return undefined
  const m = u.mol
  const out: boolean[] = []
  for (let b = 0; b < m.numBonds; b++) {
    const pb = p.bonds[b]!
    const same = (pb.a === m.bondBegin[b] && pb.b === m.bondEnd[b]) || (pb.a === m.bondEnd[b] && pb.b === m.bondBegin[b])
    if (!same) return undefined
    out.push(pb.directional)
  }
  return out
}

/** The repeat unit rewritten with backbone bond `cut` as its connection (upstream's edit, in its order). */
export const augmentSpec = (u: RepeatUnit, cut: number): MolSpec => {
  const m = u.mol
  const { source, newIndex, kept, added } = cutEdit(u, cut)
  const maps = atomMapsOf(u)
  const atoms = source.map((a) =>
    a < 0 ? { z: 0, hs: 0, chg: 0, nRad: 0, iso: 0, chiral: 0 } : maps?.[a] ? { ...atomSpecOf(m, a), map: maps[a] } : atomSpecOf(m, a),
  )
  const bonds: BondSpec[] = []
  for (let b = 0; b < m.numBonds; b++) {
    if (!kept(b)) continue
    const spec: BondSpec = { a: newIndex[m.bondBegin[b]!]!, b: newIndex[m.bondEnd[b]!]!, order: m.kekuleOrder[b]! }
    if (m.bondStereo[b] !== BondStereo.None) {
      const stays = cisTransAfterEdit(m, b, directionalBondsOf(u), (_, bond) => (kept(bond) ? Neighbour.Present : Neighbour.Gone))
      if (stays !== undefined) {
        spec.stereo = stays.stereo
        if (stays.atoms !== undefined) spec.stereoAtoms = [newIndex[stays.atoms[0]]!, newIndex[stays.atoms[1]]!]
      }
    }
    bonds.push(spec)
  }
  for (const [a, b, , order] of added) bonds.push({ a, b, order })
  return { atoms, bonds }
}

/** The molecules of augmented lists built here: augmented SMILES → the molecule parseMolecule would give. */
const augmentedMolecules = new WeakMap<readonly string[], ReadonlyMap<string, Molecule>>()

/**
 * The molecules known for the strings of an augmented list returned by augmentRepeatUnit (the input
 * unit's own and those of the variants built without RDKit), so that the prompt graphs need not parse
 * them again; undefined for any other list.
 */
export const moleculesOfAugmented = (augmented: readonly string[]): ReadonlyMap<string, Molecule> | undefined => augmentedMolecules.get(augmented)

/**
 * `periodicity_augment_traverse`: the input string first, then each cut variant's canonical SMILES,
 * exact string duplicates dropped. A variant is written in TypeScript where that is exact (variants.ts),
 * else built and written by MinimalLib; one MinimalLib cannot write (see specToSmiles) is left out.
 */
export const augmentRepeatUnit = (rdkit: RDKit, u: RepeatUnit): string[] => {
  const out = [u.smiles]
  const mols = new Map<string, Molecule>([[u.smiles, u.mol]])
  for (const b of backboneBonds(u)) {
    const v = withoutRdkit(() => variantWithoutRdkit(u, b))
    const s = v !== undefined ? v.smiles : specToSmiles(rdkit, augmentSpec(u, b))
    if (s === undefined || out.includes(s)) continue
    out.push(s)
    if (v?.mol !== undefined) mols.set(s, v.mol)
  }
  augmentedMolecules.set(out, mols)
  return out
}
