/**
 * Oligomers of a repeat unit, with upstream's semantics (generate_multimer_smiles): n copies in atom
 * order; the second `*` neighbour of copy i bonds to the first `*` neighbour of copy i+1 with the
 * wildcard bond's type (the new bond appended after every existing one); the inner `*` atoms removed.
 * Capped: the outer two `*` become H and hydrogens are removed (the connection atoms gain an implicit
 * H; RDKit keeps a chiral centre's geometry when it removes that H). Uncapped: the outer `*` stay.
 * Chirality tags are kept as they were (RDKit's EditableMol does the same), relative to the new bond
 * order of each atom.
 *
 * Two ways to an oligomer: `oligomerSpec` (atoms and bonds that MinimalLib builds, sanitizes and writes)
 * and, where the copy of the parsed unit is exact, `oligomerGraph` (the same molecule as RDKit would
 * perceive it, assembled in TypeScript: fingerprints) and `oligomerSmilesWithoutRdkit` (its canonical
 * SMILES written in TypeScript). `oligomerSmiles` takes the TypeScript way where it can.
 */
import { cisTransAfterEdit, cisTransOf, Neighbour } from "../molecule/cisTrans.ts"
import type { RDKit } from "../../runtime/rdkit.ts"
import {
  atomSpecOf,
  invertChiral,
  moveToEndParity,
  specToSmiles,
  type BondSpec,
  type MolSpec,
} from "../molecule/build.ts"
import { canonicalRanks } from "../canon/index.ts"
import type { FingerprintGraph } from "../fingerprints/index.ts"
import { assembleMolecule } from "../molecule/assemble.ts"
import { bondWriter, copiedAtoms } from "../molecule/edit.ts"
import { writeCanonicalSmiles, type WrittenSmiles } from "../molecule/smilesWrite.ts"
import { BondType, type Molecule } from "../molecule/types.ts"
import { cappedHydrogens, upstreamBuilds } from "./caps.ts"
import { atomMapsOf, type RepeatUnit } from "./repeatUnit.ts"
import { unitSupported, withoutRdkit } from "./variants.ts"
import { directionalBondsOf } from "./augment.ts"

export const CAPPED_UNITS = [3, 6, 9] as const
export const UNCAPPED_UNITS = [1, 2, 3] as const

/** Over the n copies' atoms (copy i's atom a at i·N + a): 1 for the `*` atoms the joins remove, every one but copy 0's first and copy n−1's second. */
const innerStars = (u: RepeatUnit, n: number): Uint8Array => {
  const N = u.mol.numAtoms
  const removed = new Uint8Array(n * N)
  for (let i = 0; i < n - 1; i++) {
    removed[i * N + u.stars[1]] = 1
    removed[(i + 1) * N + u.stars[0]] = 1
  }
  return removed
}

/**
 * The oligomer as an atom/bond spec, atoms and bonds in upstream's order; undefined where upstream
 * cannot build it (upstreamBuilds).
 */
export const oligomerSpec = (u: RepeatUnit, n: number, capped: boolean): MolSpec | undefined => {
  if (!upstreamBuilds(u, capped)) return undefined
  const m = u.mol
  const N = m.numAtoms
  const [r0, r1] = u.stars
  const [c0, c1] = u.cnct
  // atoms removed: the inner `*`; capped: the outer two too (below)
  const removed = innerStars(u, n)
  const capAtoms = capped ? [r0, (n - 1) * N + r1] : []
  // '**': a cap's neighbour is an inner `*`, removed with its bonds; the cap stays, an H on its own ([HH])
  const capAlone = capAtoms.map((a, k) => removed[k === 0 ? c0 : (n - 1) * N + c1] === 1)
  // capped ends whose H RDKit 2022.09's RemoveHs keeps (stereoDefiningH): stay as [H] atoms
  const keptH = capped ? keptCapHs(u, n) : [false, false]
  capAtoms.forEach((a, k) => {
    if (!keptH[k] && !capAlone[k]) removed[a] = 1
  })
  const maps = atomMapsOf(u)
  const newIndex = new Int32Array(n * N).fill(-1)
  const atoms = []
  for (let g = 0; g < n * N; g++) {
    if (removed[g]) continue
    newIndex[g] = atoms.length
    const cap = capAtoms.indexOf(g)
    if (cap >= 0 && capAlone[cap]) atoms.push({ z: 1, hs: 1, chg: 0, nRad: 0, iso: 0, chiral: 0 })
    else if (cap >= 0 && keptH[cap]) atoms.push({ z: 1, hs: 0, chg: 0, nRad: 0, iso: 0, chiral: 0 })
    else atoms.push(maps?.[g % N] ? { ...atomSpecOf(m, g % N), map: maps[g % N] } : atomSpecOf(m, g % N))
  }
  // bonds: copies' bonds in order, then the inter-unit bonds
  const bonds: BondSpec[] = []
  const stereoOf = doubleBondStereo(u, n, capped, removed)
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < m.numBonds; b++) {
      const ga = i * N + m.bondBegin[b]!
      const gb = i * N + m.bondEnd[b]!
      if (removed[ga] || removed[gb]) continue
      const spec: BondSpec = { a: newIndex[ga]!, b: newIndex[gb]!, order: m.kekuleOrder[b]! }
      if (m.bondStereo[b] !== 0) {
        const kept = stereoOf(i, b)
        if (kept !== undefined) {
          spec.stereo = kept.stereo
          if (kept.atoms !== undefined) spec.stereoAtoms = [newIndex[kept.atoms[0]]!, newIndex[kept.atoms[1]]!]
        }
      }
      bonds.push(spec)
    }
  }
  for (let i = 0; i < n - 1; i++) {
    const a = newIndex[i * N + c1]!
    const b = newIndex[(i + 1) * N + c0]!
    // a bond to a removed atom ('**': the connection points are inner wildcards) goes with it
    if (a >= 0 && b >= 0) bonds.push({ a, b, order: u.bondOrder })
  }
  if (capped) {
    // each capped connection atom: its H took the *'s place in its bond list and RemoveHs moved it to
    // the end keeping the geometry — flip the tag when that move is an odd permutation
    const caps: [number, number][] = [
      [c0, r0],
      [(n - 1) * N + c1, (n - 1) * N + r1],
    ]
    for (const [k, [gAtom, gStar]] of caps.entries()) {
      if (keptH[k]) continue
      const ni = newIndex[gAtom]!
      const spec = atoms[ni]
      if (spec === undefined) continue
      spec.hs = cappedHydrogens(u)[k]!
      if (spec.chiral === 0) continue
      // the atom's bond list before H removal: its copy's bonds (minus removed inner *), H in place
      const list: number[] = []
      const copy = Math.floor(gAtom / N)
      const local = gAtom % N
      for (let k = m.adjStart[local]!; k < m.adjStart[local + 1]!; k++) {
        const other = copy * N + m.adjAtom[k]!
        if (other === gStar) list.push(-1)
        else if (!removed[other]) list.push(other)
      }
      // sort the copy bonds by bond index (RDKit's per-atom order == bond creation order)
      for (let i = 0; i < n - 1; i++) {
        if (i * N + c1 === gAtom) list.push((i + 1) * N + c0)
        if ((i + 1) * N + c0 === gAtom) list.push(i * N + c1)
      }
      const pos = list.indexOf(-1)
      if (moveToEndParity(pos, list.length)) spec.chiral = invertChiral(spec.chiral)
    }
  }
  if (capAlone.some((x) => x)) return { atoms, bonds, keepHs: true }
  if (!keptH[0] && !keptH[1]) return { atoms, bonds, graph: () => oligomerGraph(u, n, capped) }
  // a kept [H] that is still a stereo atom of its double bond is written `[H]/C=C/…`, and upstream's
  // MolFromSmiles of that SMILES (for the fingerprints) keeps it too: MinimalLib builds the graph with
  // it. One whose bond lost its stereo atoms is written `[H]C=C…` and dropped on that reading: the
  // graph is oligomerGraph's, without it (keptCapHs keeps no H where that graph is unknown).
  const capHs = capAtoms.filter((_, k) => keptH[k]).map((a) => newIndex[a]!)
  const stereoH = bonds.some((b) => b.stereoAtoms !== undefined && capHs.some((h) => b.stereoAtoms!.includes(h)))
  return { atoms, bonds, keepHs: true, graph: () => (stereoH ? undefined : oligomerGraph(u, n, capped)) }
}

/**
 * The double-bond stereo of copy `i`'s bond `b` in the oligomer (atoms as global indices), or undefined
 * where it is lost (cisTransAfterEdit): the bonds to removed inner `*` atoms are gone, the new
 * inter-unit bonds have no direction, and a capped end's bond keeps its direction (RemoveHs moves the
 * direction of a removed H to the atom's other bond, or keeps the H). Where the unit's directions
 * cannot be read, the stereo atoms decide.
 */
const doubleBondStereo = (u: RepeatUnit, n: number, capped: boolean, removed: Uint8Array) => {
  const m = u.mol
  const N = m.numAtoms
  const caps = capped ? new Set([u.stars[0], (n - 1) * N + u.stars[1]]) : new Set<number>()
  return (i: number, b: number): { stereo: "cis" | "trans" | "either"; atoms?: [number, number] } | undefined => {
    const dirs = directionalBondsOf(u)
    if (dirs === undefined) {
      const stereo = cisTransOf(m, b)
      const sa = m.bondStereoAtoms[2 * b]!
      const sb = m.bondStereoAtoms[2 * b + 1]!
      if (stereo === "either") return { stereo }
      if (sa < 0 || sb < 0 || removed[i * N + sa] || removed[i * N + sb]) return undefined
      return { stereo, atoms: [i * N + sa, i * N + sb] }
    }
    const kept = cisTransAfterEdit(m, b, dirs, (nb) => {
      const g = i * N + nb
      return removed[g] === 0 ? Neighbour.Present : caps.has(g) ? Neighbour.GoneKeepingDirection : Neighbour.Gone
    })
    if (kept?.atoms === undefined) return kept
    return { stereo: kept.stereo, atoms: [i * N + kept.atoms[0], i * N + kept.atoms[1]] }
  }
}

/**
 * Which capped ends keep their hydrogen as an atom ([first copy's, last copy's]). RDKit 2022.09's
 * RemoveHs (shouldRemoveH, github #1810) keeps an H whose only neighbour has degree 2 and a double
 * bond with stereo beyond STEREOANY (or whose bond to it has a direction, which a parsed SMILES keeps
 * only beside such a double bond). The capped end's neighbour is the connection atom with the unit's
 * degree (the H takes the *'s place), and each copy's double bonds keep their E/Z flag even where the
 * edit removed their stereo atoms. For a unit without hydrogen atoms, only where oligomerGraph is known
 * when the H would not survive the fingerprint's reading (else the former way: every cap H removed); a
 * unit with hydrogen atoms ([2H], [3H]) has no oligomerGraph, and its fingerprint's molecule is read back
 * from the written SMILES where such an H does not survive the reading (fingerprints/index.ts).
 */
const keptCapHs = (u: RepeatUnit, n: number): [boolean, boolean] => {
  const m = u.mol
  const none: [boolean, boolean] = [false, false]
  if (n < 2) return none
  let hydrogenAtoms = false
  for (let a = 0; a < m.numAtoms; a++) if (m.atomicNum[a] === 1) hydrogenAtoms = true
  const keeps = (c: number): boolean => {
    if (m.atomicNum[c] === 0 || m.adjStart[c + 1]! - m.adjStart[c]! !== 2) return false
    for (let b = 0; b < m.numBonds; b++)
      if ((m.bondBegin[b] === c || m.bondEnd[b] === c) && m.bondType[b] === BondType.Double && m.bondStereo[b]! >= 2) return true
    return false
  }
  const kept: [boolean, boolean] = [keeps(u.cnct[0]), keeps(u.cnct[1])]
  if (!kept[0] && !kept[1]) return none
  if (!hydrogenAtoms && oligomerGraph(u, n, true) === undefined) return none
  return kept
}

/**
 * The oligomer's graph as RDKit would perceive it once built — `oligomerSpec`'s atoms and bonds, with
 * the unit's aromaticity, bond types and rings copied to every copy — where that copy is exact:
 * undefined (build it in RDKit instead) when the unit has hydrogen atoms or a triple (or rarer) bond on
 * an aromatic atom, when a connection point is a
 * wildcard itself, when the wildcard bond is not a single, double or triple bond, or when a connection
 * atom is in a ring and its wildcard bond is not single (an exocyclic double bond that the edit moves can change the ring's aromaticity). The
 * connection atoms keep their hydrogens (the wildcard bond becomes the inter-unit bond) and capped ends
 * get cappedHydrogens' counts, as in the spec.
 */
export const oligomerGraph = (u: RepeatUnit, n: number, capped: boolean): OligomerGraph | undefined => {
  if (!upstreamBuilds(u, capped)) return undefined
  const m = u.mol
  const N = m.numAtoms
  const [r0, r1] = u.stars
  const [c0, c1] = u.cnct
  const bt = u.bondType
  if (bt !== BondType.Single && bt !== BondType.Double && bt !== BondType.Triple) return undefined
  if (bt !== BondType.Single && (m.atomInRing[c0] || m.atomInRing[c1])) return undefined
  // '**' (the connection points are the wildcards themselves): RDKit builds nothing
  if (m.atomicNum[c0] === 0 || m.atomicNum[c1] === 0) return undefined
  for (let a = 0; a < N; a++) if (m.atomicNum[a] === 1) return undefined
  // a triple bond on an aromatic atom (`c1#cc…`, also as the Kekulé form of an aromatic ring): RDKit
  // reads the unit but perceives or refuses the rebuilt oligomer differently
  for (let b = 0; b < m.numBonds; b++) {
    const t = m.bondType[b]!
    const k = m.kekuleOrder[b]!
    if ((m.aromatic[m.bondBegin[b]!] || m.aromatic[m.bondEnd[b]!]) && ((t !== BondType.Single && t !== BondType.Double && t !== BondType.Aromatic) || (k !== 1 && k !== 2)))
      return undefined
  }
  const removed = innerStars(u, n)
  if (capped) {
    removed[r0] = 1
    removed[(n - 1) * N + r1] = 1
  }
  const newIndex = new Int32Array(n * N).fill(-1)
  const source: number[] = []
  for (let g = 0; g < n * N; g++) {
    if (removed[g]) continue
    newIndex[g] = source.length
    source.push(g % N)
  }
  const count = source.length
  const atoms = copiedAtoms(m, source)
  if (capped) {
    const hs = cappedHydrogens(u)
    atoms.totalHs[newIndex[c0]!] = hs[0]
    atoms.totalHs[newIndex[(n - 1) * N + c1]!] = hs[1]
  }
  let nb = n - 1
  for (let i = 0; i < n; i++)
    for (let b = 0; b < m.numBonds; b++) if (!removed[i * N + m.bondBegin[b]!] && !removed[i * N + m.bondEnd[b]!]) nb++
  const w = bondWriter(m, nb)
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < m.numBonds; b++) {
      const ga = i * N + m.bondBegin[b]!
      const gb = i * N + m.bondEnd[b]!
      if (!removed[ga] && !removed[gb]) w.copy(b, newIndex[ga]!, newIndex[gb]!)
    }
  }
  for (let i = 0; i < n - 1; i++) w.add(newIndex[i * N + c1]!, newIndex[(i + 1) * N + c0]!, bt, u.bondOrder)
  const rings: Int32Array[] = []
  for (let i = 0; i < n; i++) for (const r of m.rings) rings.push(r.map((a) => newIndex[i * N + a]!))
  return { numAtoms: count, numBonds: nb, ...atoms, ...w.bonds, rings }
}

/** oligomerGraph's result: the fingerprint graph plus ring flags and the Kekulé form. */
export interface OligomerGraph extends FingerprintGraph {
  readonly atomicNum: Uint8Array
  readonly isotope: Uint16Array
  readonly totalHs: Uint8Array
  readonly formalCharge: Int8Array
  readonly aromatic: Uint8Array
  readonly atomInRing: Uint8Array
  readonly bondBegin: Int32Array
  readonly bondEnd: Int32Array
  readonly bondType: Uint8Array
  readonly kekuleOrder: Uint8Array
  readonly bondInRing: Uint8Array
  readonly rings: Int32Array[]
}

/**
 * The oligomer's canonical SMILES written in TypeScript (molecule/smilesWrite.ts) where that is exact:
 * units whose augmentation variants are (variants.ts `unitSupported`: no stereo, radicals,
 * aromatic metals, atom maps, …) and whose oligomer graph is known (oligomerGraph), of any size. Units
 * with metals (Ge, Sn, …) take this way to be exact: MinimalLib (RDKit ≥ 2025.03) brackets the atoms
 * bonded to a metal (`[CH3][GeH]…`), RDKit 2022.09 does not (smilesWrite.ts). MinimalLib's
 * writer stops at SMILES_WRITE_ATOM_LIMIT (its stack), this one does not; MinimalLib must not read
 * back what is larger than MAX_ATOMS (larger oligomers are described from the TypeScript molecule:
 * pipeline/descriptorInput.ts).
 */
export const oligomerSmilesWithoutRdkit = (u: RepeatUnit, n: number, capped: boolean): string | undefined =>
  writtenOligomer(u, n, capped)?.written.smiles

/**
 * The oligomer assembled in TypeScript (atoms in oligomerGraph's order) with its canonical SMILES and the
 * writer's atom order, where oligomerSmilesWithoutRdkit is exact; undefined elsewhere.
 */
export const writtenOligomer = (u: RepeatUnit, n: number, capped: boolean): { mol: Molecule; written: WrittenSmiles } | undefined => {
  if (!unitSupported(u)) return undefined
  if (capped && keptCapHs(u, n).some((k) => k)) return undefined
  const g = oligomerGraph(u, n, capped)
  if (g === undefined) return undefined
  const mol = assembleMolecule(g, g, g.rings)
  return { mol, written: writeCanonicalSmiles(mol, canonicalRanks(mol)) }
}

/** Canonical SMILES of the oligomer (upstream: for n = 1 the input itself); written in TypeScript where that is exact. */
export const oligomerSmiles = (rdkit: RDKit, u: RepeatUnit, n: number, capped: boolean): string | undefined =>
  n === 1 ? u.smiles : (withoutRdkit(() => oligomerSmilesWithoutRdkit(u, n, capped)) ?? specSmiles(rdkit, oligomerSpec(u, n, capped)))

const specSmiles = (rdkit: RDKit, spec: MolSpec | undefined): string | undefined => (spec === undefined ? undefined : specToSmiles(rdkit, spec))
