import type { Family } from "../family.ts"
import type { Graph } from "../shared/graph.ts"
import { tpsa as rdkitTPSA } from "../shared/tpsa.ts"

/** bond-type census of atom i: [single, double, triple, aromatic] (aromatic flag wins, as mordred) */
const census = (g: Graph, i: number): [number, number, number, number] => {
  const c: [number, number, number, number] = [0, 0, 0, 0]
  for (let k = g.nbrStart[i]!; k < g.nbrStart[i + 1]!; k++) {
    const b = g.nbrBond[k]!
    if (g.bondAromatic[b]) c[3]++
    else if (g.order[b] === 1) c[0]++
    else if (g.order[b] === 2) c[1]++
    else if (g.order[b] === 3) c[2]++
  }
  return c
}
const is = (c: readonly number[], s: number, d: number, t: number, a: number): boolean =>
  c[0] === s && c[1] === d && c[2] === t && c[3] === a

const hydrogens = (g: Graph, i: number): number => {
  let h = g.hCount[i]!
  for (let k = g.nbrStart[i]!; k < g.nbrStart[i + 1]!; k++) if (g.z[g.nbrAtom[k]!] === 1) h++
  return h
}

const phosphorus = (g: Graph, i: number): number => {
  const nH = hydrogens(g, i)
  const c = census(g, i)
  if (g.charge[i] !== 0 || g.aromatic[i]) return 0
  if (nH === 1 && is(c, 3, 1, 0, 0)) return 23.47
  if (nH === 0) {
    if (is(c, 3, 0, 0, 0)) return 13.59
    if (is(c, 1, 1, 0, 0)) return 34.14
    if (is(c, 3, 1, 0, 0)) return 9.81
  }
  return 0
}

const sulfur = (g: Graph, i: number): number => {
  const nH = hydrogens(g, i)
  const c = census(g, i)
  if (g.charge[i] !== 0) return 0
  if (g.aromatic[i]) {
    if (nH === 0) {
      if (is(c, 0, 0, 0, 2)) return 28.24
      if (is(c, 0, 1, 0, 2)) return 21.7
    }
  } else {
    if (nH === 1 && is(c, 2, 0, 0, 0)) return 38.8
    if (nH === 0) {
      if (is(c, 2, 0, 0, 0)) return 25.3
      if (is(c, 0, 1, 0, 0)) return 32.09
      if (is(c, 2, 1, 0, 0)) return 19.21
      if (is(c, 2, 2, 0, 0)) return 8.38
    }
  }
  return 0
}

export const TopoPSA: Family = {
  name: "TopoPSA",
  names: ["TopoPSA(NO)", "TopoPSA"],
  compute(ctx, out, o) {
    // mordred runs RDKit's CalcTPSA (N and O only) on the explicit-H molecule; RDKit's value does not depend
    // on whether H are explicit. S and P contributions are mordred's own.
    const tpsa = rdkitTPSA(ctx)
    const g = ctx.graph(true)
    let sp = 0
    for (let i = 0; i < g.n; i++) {
      if (g.z[i] === 15) sp += phosphorus(g, i)
      else if (g.z[i] === 16) sp += sulfur(g, i)
    }
    out[o] = tpsa
    out[o + 1] = tpsa + sp
  },
}
