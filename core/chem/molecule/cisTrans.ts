import { BondStereo, type Molecule } from "./types.ts"

/**
 * cis/trans of a stereo double bond relative to its stereo atoms — what a rebuilt molecule must be told
 * to keep the bond's geometry. The Molecule stores legacy E/Z (relative to the highest-CIP-rank
 * neighbours) or cis/trans; E/Z is undone here.
 */
export const cisTransOf = (m: Molecule, b: number): "cis" | "trans" | "either" => {
  const st = m.bondStereo[b]!
  if (st === BondStereo.Any) return "either"
  const begin = m.bondBegin[b]!
  const end = m.bondEnd[b]!
  const best = (a: number, other: number): number => {
    let bi = -1
    for (let k = m.adjStart[a]!; k < m.adjStart[a + 1]!; k++) {
      const x = m.adjAtom[k]!
      if (x === other) continue
      if (bi < 0 || m.cipRank[x]! > m.cipRank[bi]!) bi = x
    }
    return bi
  }
  let cis = st === BondStereo.Z || st === BondStereo.Cis
  if (st === BondStereo.Z || st === BondStereo.E) {
    if (best(begin, end) !== m.bondStereoAtoms[2 * b]) cis = !cis
    if (best(end, begin) !== m.bondStereoAtoms[2 * b + 1]) cis = !cis
  }
  return cis ? "cis" : "trans"
}

/** What an edit did to an atom's neighbour: still there, or gone with its bond. */
export const enum Neighbour {
  Gone = 0,
  Present = 1,
  /** gone, but its bond's direction stays on the atom (RDKit's RemoveHs moves it to another bond) */
  GoneKeepingDirection = 2,
}

/**
 * The stereo of double bond `b` once an edit is written, RDKit 2022.09's way: an edit clears the
 * computed stereo and MolToSmiles perceives it again from the bond directions (/ \) left. Each end
 * keeps it while one of its single bonds written with a direction (`directional`, by bond) survives;
 * the reference atoms are the old ones where still there, else another remaining neighbour, with
 * cis/trans flipped. `neighbour` says what the edit did to each neighbour (by atom and bond);
 * undefined where the stereo is lost.
 */
export const cisTransAfterEdit = (
  m: Molecule,
  b: number,
  directional: ArrayLike<boolean> | undefined,
  neighbour: (atom: number, bond: number) => Neighbour,
): { stereo: "cis" | "trans" | "either"; atoms?: [number, number] } | undefined => {
  const stereo = cisTransOf(m, b)
  if (stereo === "either") return { stereo }
  const end = (atom: number, partner: number, old: number): { atom: number; flip: boolean } | undefined => {
    let hasDirection = false
    let keep = -1
    let alt = -1
    for (let k = m.adjStart[atom]!; k < m.adjStart[atom + 1]!; k++) {
      const nb = m.adjAtom[k]!
      const bond = m.adjBond[k]!
      if (nb === partner) continue
      const what = neighbour(nb, bond)
      if (what === Neighbour.Gone) continue
      if (directional?.[bond]) hasDirection = true
      if (what !== Neighbour.Present) continue
      if (nb === old) keep = nb
      else if (alt < 0) alt = nb
    }
    if (!hasDirection) return undefined
    if (keep >= 0) return { atom: keep, flip: false }
    if (alt >= 0) return { atom: alt, flip: true }
    return undefined
  }
  const r0 = end(m.bondBegin[b]!, m.bondEnd[b]!, m.bondStereoAtoms[2 * b]!)
  const r1 = end(m.bondEnd[b]!, m.bondBegin[b]!, m.bondStereoAtoms[2 * b + 1]!)
  if (r0 === undefined || r1 === undefined) return undefined
  return { stereo: (r0.flip !== r1.flip) === (stereo === "cis") ? "trans" : "cis", atoms: [r0.atom, r1.atom] }
}
