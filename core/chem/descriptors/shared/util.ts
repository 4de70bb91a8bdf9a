import type { Graph } from "./graph.ts"

/** mordred's `rethrow_zerodiv` around a division: x / 0 is an error (NaN), not ±Infinity. */
export const div = (a: number, b: number): number => (b === 0 ? NaN : a / b)

/** `np.log` under `rethrow_zerodiv` (errstate divide+invalid raise): log(0) and log(<0) are errors → NaN. */
export const logChecked = (x: number): number => (x > 0 ? Math.log(x) : x === Infinity ? Infinity : NaN)

/** Number of explicit neighbours of atom i that are not hydrogen. */
export const heavyDegree = (g: Graph, i: number): number => {
  let d = 0
  for (let k = g.nbrStart[i]!; k < g.nbrStart[i + 1]!; k++) if (g.z[g.nbrAtom[k]!] !== 1) d++
  return d
}

/** Vertex degrees in the graph (explicit neighbours). */
export const degrees = (g: Graph): Float64Array => {
  const d = new Float64Array(g.n)
  for (let i = 0; i < g.n; i++) d[i] = g.nbrStart[i + 1]! - g.nbrStart[i]!
  return d
}

/** Eccentricity (max distance per atom) of a distance matrix. */
export const eccentricity = (D: Float64Array, n: number): Float64Array => {
  const e = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let m = -Infinity
    for (let j = 0; j < n; j++) if (D[i * n + j]! > m) m = D[i * n + j]!
    e[i] = m
  }
  return e
}
