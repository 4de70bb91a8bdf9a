/**
 * CSR adjacency of a molecule's bonds: each atom's neighbours and bonds in bond order — RDKit's per-atom
 * bond order for a molecule whose bonds were added in that order.
 */
export const bondAdjacency = (n: number, begin: ArrayLike<number>, end: ArrayLike<number>) => {
  const nb = begin.length
  const degree = new Uint8Array(n)
  for (let b = 0; b < nb; b++) {
    degree[begin[b]!]!++
    degree[end[b]!]!++
  }
  const adjStart = new Int32Array(n + 1)
  for (let a = 0; a < n; a++) adjStart[a + 1] = adjStart[a]! + degree[a]!
  const fill = adjStart.slice(0, n)
  const adjAtom = new Int32Array(2 * nb)
  const adjBond = new Int32Array(2 * nb)
  for (let b = 0; b < nb; b++) {
    const x = begin[b]!
    const y = end[b]!
    adjAtom[fill[x]!] = y
    adjBond[fill[x]!++] = b
    adjAtom[fill[y]!] = x
    adjBond[fill[y]!++] = b
  }
  return { degree, adjStart, adjAtom, adjBond }
}
