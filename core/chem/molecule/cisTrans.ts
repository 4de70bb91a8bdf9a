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
