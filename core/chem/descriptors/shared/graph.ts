/**
 * The molecular graphs mordred works on. mordred keeps up to four RDKit molecules per input
 * (`Context.from_query`): hydrogens explicit (`Chem.AddHs`) or not, Kekulé form (`Chem.Kekulize`, aromatic
 * flags kept) or not. `Graph` is one of those, as plain typed arrays.
 */
import type { DescriptorInput } from "./input.ts"

export interface Graph {
  readonly n: number
  readonly nb: number
  readonly explicitH: boolean
  readonly kekulize: boolean
  readonly z: Uint8Array
  readonly charge: Int8Array
  readonly isotope: Uint16Array
  /** `GetTotalNumHs()` (0 on heavy atoms of the explicit-H graph: their H are atoms there). */
  readonly hCount: Uint8Array
  readonly aromatic: Uint8Array
  readonly begin: Int32Array
  readonly end: Int32Array
  /** `GetBondTypeAsDouble()`: 1, 1.5 (aromatic, only when not kekulized), 2, 3. */
  readonly order: Float64Array
  readonly bondAromatic: Uint8Array
  /** CSR adjacency: neighbours of atom i are nbrAtom[nbrStart[i] .. nbrStart[i+1]), bonds in nbrBond. */
  readonly nbrStart: Int32Array
  readonly nbrAtom: Int32Array
  readonly nbrBond: Int32Array
  /** Number of heavy atoms (the first `heavy` atoms; explicit H are appended after them, as `Chem.AddHs`). */
  readonly heavy: number
  /** index of the heavy atom an explicit H hangs on (-1 for heavy atoms). */
  readonly parent: Int32Array
}

export const degree = (g: Graph, i: number): number => g.nbrStart[i + 1]! - g.nbrStart[i]!

/**
 * mordred's molecule as a graph. `kekule`: the Kekulé bond orders to use when `kekulize` (RDKit 2022.09's,
 * from kekulize2022.ts); defaults to the input's.
 */
export const buildGraph = (
  inp: DescriptorInput,
  explicitH: boolean,
  kekulize: boolean,
  kekule: Uint8Array = inp.bondKekule,
): Graph => {
  const heavy = inp.atomicNum.length
  let nH = 0
  if (explicitH) for (let i = 0; i < heavy; i++) nH += inp.hCount[i]!
  const n = heavy + nH
  const nb0 = inp.bondBegin.length
  const nb = nb0 + nH
  const z = new Uint8Array(n)
  const charge = new Int8Array(n)
  const isotope = new Uint16Array(n)
  const hCount = new Uint8Array(n)
  const aromatic = new Uint8Array(n)
  const parent = new Int32Array(n).fill(-1)
  z.set(inp.atomicNum)
  charge.set(inp.formalCharge)
  isotope.set(inp.isotope)
  aromatic.set(inp.aromaticAtom)
  if (!explicitH) hCount.set(inp.hCount)
  const begin = new Int32Array(nb)
  const end = new Int32Array(nb)
  const order = new Float64Array(nb)
  const bondAromatic = new Uint8Array(nb)
  begin.set(inp.bondBegin)
  end.set(inp.bondEnd)
  bondAromatic.set(inp.bondAromatic)
  for (let b = 0; b < nb0; b++) order[b] = !kekulize && inp.bondAromatic[b] ? 1.5 : kekule[b]!
  if (explicitH) {
    // Chem.AddHs: for each heavy atom in index order, its H atoms appended, each bonded to it
    let k = heavy
    let b = nb0
    for (let i = 0; i < heavy; i++) {
      for (let h = 0; h < inp.hCount[i]!; h++) {
        z[k] = 1
        parent[k] = i
        begin[b] = i
        end[b] = k
        order[b] = 1
        k++
        b++
      }
    }
  }
  const deg = new Int32Array(n)
  for (let b = 0; b < nb; b++) {
    deg[begin[b]!]!++
    deg[end[b]!]!++
  }
  const nbrStart = new Int32Array(n + 1)
  for (let i = 0; i < n; i++) nbrStart[i + 1] = nbrStart[i]! + deg[i]!
  const fill = nbrStart.slice(0, n)
  const nbrAtom = new Int32Array(2 * nb)
  const nbrBond = new Int32Array(2 * nb)
  // neighbour order = bond order, as RDKit's atom bond list
  for (let b = 0; b < nb; b++) {
    const u = begin[b]!
    const v = end[b]!
    nbrAtom[fill[u]!] = v
    nbrBond[fill[u]!++] = b
    nbrAtom[fill[v]!] = u
    nbrBond[fill[v]!++] = b
  }
  return {
    n,
    nb,
    explicitH,
    kekulize,
    z,
    charge,
    isotope,
    hCount,
    aromatic,
    begin,
    end,
    order,
    bondAromatic,
    nbrStart,
    nbrAtom,
    nbrBond,
    heavy,
    parent,
  }
}

/** Topological distance matrix (`Chem.GetDistanceMatrix`, unweighted): n×n row-major; 1e8 between fragments. */
export const distanceMatrix = (g: Graph): Float64Array => {
  const n = g.n
  const D = new Float64Array(n * n).fill(1e8)
  const queue = new Int32Array(n)
  const dist = new Int32Array(n)
  for (let s = 0; s < n; s++) {
    dist.fill(-1)
    dist[s] = 0
    let head = 0
    let tail = 0
    queue[tail++] = s
    while (head < tail) {
      const u = queue[head++]!
      const du = dist[u]!
      D[s * n + u] = du
      for (let k = g.nbrStart[u]!; k < g.nbrStart[u + 1]!; k++) {
        const v = g.nbrAtom[k]!
        if (dist[v] === -1) {
          dist[v] = du + 1
          queue[tail++] = v
        }
      }
    }
  }
  return D
}

/** Connected components (atom → component id); count in `.count`. */
export const components = (g: Graph): { id: Int32Array; count: number } => {
  const id = new Int32Array(g.n).fill(-1)
  const stack: number[] = []
  let c = 0
  for (let s = 0; s < g.n; s++) {
    if (id[s] !== -1) continue
    id[s] = c
    stack.push(s)
    while (stack.length) {
      const u = stack.pop()!
      for (let k = g.nbrStart[u]!; k < g.nbrStart[u + 1]!; k++) {
        const v = g.nbrAtom[k]!
        if (id[v] === -1) {
          id[v] = c
          stack.push(v)
        }
      }
    }
    c++
  }
  return { id, count: c }
}
