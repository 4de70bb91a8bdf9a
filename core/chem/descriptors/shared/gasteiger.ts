/**
 * Gasteiger–Marsili partial charges as RDKit 2022.09 computes them (`ComputeGasteigerCharges`, 12 iterations,
 * damping 0.5 halved each iteration), with RDKit's parameter table (facts) and its conjugation perception for
 * spreading formal charges over conjugated atoms of the same element. Written for this project from the
 * published algorithm (Gasteiger & Marsili, Tetrahedron 36, 3219 (1980)) and RDKit's documented behaviour.
 * mordred's property "c" is `_GasteigerCharge + _GasteigerHCharge` (the charge of the atom plus its implicit H).
 */
import type { DescriptorContext } from "../context.ts"
import { DEFAULT_VALENCE, OUTER_ELECTRONS, SYMBOL } from "./elements.ts"
import type { Graph } from "./graph.ts"

// RDKit GasteigerParams: element, mode → [a, b, c] (defaultParamData + additionalParamData)
const PARAMS: ReadonlyMap<string, readonly [number, number, number]> = new Map([
  ["H *", [7.17, 6.24, -0.56]], ["C sp3", [7.98, 9.18, 1.88]], ["C sp2", [8.79, 9.32, 1.51]],
  ["C sp", [10.39, 9.45, 0.73]], ["N sp3", [11.54, 10.82, 1.36]], ["N sp2", [12.87, 11.15, 0.85]],
  ["N sp", [15.68, 11.7, -0.27]], ["O sp3", [14.18, 12.92, 1.39]], ["O sp2", [17.07, 13.79, 0.47]],
  ["F sp3", [14.66, 13.85, 2.31]], ["Cl sp3", [11.0, 9.69, 1.35]], ["Br sp3", [10.08, 8.47, 1.16]],
  ["I sp3", [9.9, 7.96, 0.96]], ["S sp3", [10.14, 9.13, 1.38]], ["S so", [10.14, 9.13, 1.38]],
  ["S so2", [12.0, 10.81, 1.2]], ["S sp2", [10.88, 9.49, 1.33]], ["P sp3", [8.9, 8.24, 0.96]],
  ["X *", [0, 0, 0]], ["P sp2", [9.665, 8.53, 0.735]], ["Si sp3", [7.3, 6.567, 0.657]],
  ["Si sp2", [7.905, 6.748, 0.443]], ["Si sp", [9.065, 7.027, -0.002]], ["B sp3", [5.98, 6.82, 1.605]],
  ["B sp2", [6.42, 6.807, 1.322]], ["Be sp3", [3.845, 6.755, 3.165]], ["Be sp2", [4.005, 6.725, 3.035]],
  ["Mg sp2", [3.565, 5.572, 2.197]], ["Mg sp3", [3.3, 5.587, 2.447]], ["Mg sp", [4.04, 5.472, 1.823]],
  ["Al sp3", [5.375, 4.953, 0.867]], ["Al sp2", [5.795, 5.02, 0.695]],
])
const IONXH = 20.02
const DAMP = 0.5
const DAMP_SCALE = 0.5

const totalHs = (g: Graph, i: number): number => g.hCount[i]!
const degree = (g: Graph, i: number): number => g.nbrStart[i + 1]! - g.nbrStart[i]!

/** RDKit countAtomElec: electrons an atom can donate to a π system (−1: cannot) */
const countAtomElec = (g: Graph, i: number): number => {
  const z = g.z[i]!
  const dv = DEFAULT_VALENCE[z]!
  if (dv <= 1) return -1
  const deg = degree(g, i) + totalHs(g, i)
  if (deg > 3) return -1
  const nlp = Math.max(OUTER_ELECTRONS[z]! - dv - g.charge[i]!, 0)
  let res = dv - deg + nlp // radicals: none in our input
  if (res > 1) {
    let explicitValence = totalHs(g, i) * 0 // explicit valence from bonds (aromatic 1.5, rounded)
    let v = 0
    for (let x = g.nbrStart[i]!; x < g.nbrStart[i + 1]!; x++) v += g.order[g.nbrBond[x]!]!
    explicitValence = Math.round(v)
    if (explicitValence - degree(g, i) > 1) res = 1
  }
  return res
}

const isConjugCand = (g: Graph, i: number): boolean => {
  const z = g.z[i]!
  const nouter = OUTER_ELECTRONS[z]!
  const totalDegree = degree(g, i) + totalHs(g, i)
  return (z <= 10 || (nouter !== 5 && nouter !== 6) || (nouter === 6 && totalDegree < 2)) && countAtomElec(g, i) > 0
}

/** RDKit MolOps::setConjugation on a graph with non-Kekulé bond orders (aromatic 1.5) */
export const conjugatedBonds = (g: Graph): Uint8Array => {
  const conj = Uint8Array.from(g.bondAromatic)
  for (let a = 0; a < g.n; a++) {
    if (!isConjugCand(g, a)) continue
    const sbo = degree(g, a) + totalHs(g, a)
    if (sbo < 2 || sbo > 3) continue
    for (let x = g.nbrStart[a]!; x < g.nbrStart[a + 1]!; x++) {
      const b1 = g.nbrBond[x]!
      if (g.order[b1]! < 1.5) continue
      for (let y = g.nbrStart[a]!; y < g.nbrStart[a + 1]!; y++) {
        const b2 = g.nbrBond[y]!
        if (b1 === b2) continue
        const a2 = g.nbrAtom[y]!
        if (degree(g, a2) + totalHs(g, a2) > 3) continue
        if (isConjugCand(g, a2)) conj[b1] = conj[b2] = 1
      }
    }
  }
  return conj
}

/**
 * mordred's "c" for every atom of the graph: Gasteiger charge + charge of its implicit H. null when the
 * hybridization is unknown (no RDKit handle).
 */
export const gasteigerCharges = (ctx: DescriptorContext, explicitH: boolean): Float64Array | null => {
  const r = gasteiger(ctx, explicitH)
  if (r === null) return null
  const c = new Float64Array(r.q.length)
  for (let i = 0; i < c.length; i++) c[i] = r.q[i]! + r.hq[i]!
  return c
}

/** RDKit's `_GasteigerCharge` (q) and `_GasteigerHCharge` (hq, the implicit H) of every atom */
export const gasteiger = (ctx: DescriptorContext, explicitH: boolean): { q: Float64Array; hq: Float64Array } | null =>
  ctx.cached(`gasteiger:${explicitH}`, () => {
    const hyb = ctx.input.hybridization
    if (hyb === null) return null
    const g = ctx.graph(explicitH)
    const n = g.n
    const q = new Float64Array(n)
    // formal charges spread over conjugated same-element atoms
    let anyCharge = false
    for (let i = 0; i < n; i++) if (g.charge[i] !== 0) anyCharge = true
    if (anyCharge) {
      const conj = conjugatedBonds(g)
      for (let a = 0; a < n; a++) {
        let formal = g.charge[a]!
        if (Math.abs(formal) <= 1e-12 || Math.abs(q[a]!) >= 1e-12) continue
        const marker = [a]
        for (let x = g.nbrStart[a]!; x < g.nbrStart[a + 1]!; x++) {
          const b1 = g.nbrBond[x]!
          if (!conj[b1]) continue
          const aa = g.nbrAtom[x]!
          for (let y = g.nbrStart[aa]!; y < g.nbrStart[aa + 1]!; y++) {
            const b2 = g.nbrBond[y]!
            if (b2 === b1 || !conj[b2]) continue
            const ya = g.nbrAtom[y]!
            if (g.z[ya] === g.z[a]) {
              formal += g.charge[ya]!
              marker.push(ya)
            }
          }
        }
        for (const m of marker) q[m] = formal / marker.length
      }
    }
    const P: (readonly [number, number, number])[] = []
    const ionX = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const z = g.z[i]!
      // explicit H atoms (appended after the heavy atoms) have no SP/SP2/SP3 hybridization in RDKit
      const h = i < g.heavy ? hyb[i]! : 0
      let mode = h === 3 ? "sp3" : h === 2 ? "sp2" : h === 1 ? "sp" : ""
      if (mode === "") {
        if (z === 1) mode = "*"
        else if (z === 16) {
          let no = 0
          for (let x = g.nbrStart[i]!; x < g.nbrStart[i + 1]!; x++) if (g.z[g.nbrAtom[x]!] === 8) no++
          mode = no === 2 ? "so2" : no === 1 ? "so" : "sp3"
        }
      }
      const p = PARAMS.get(`${SYMBOL[z]} ${mode}`) ?? PARAMS.get("X *")!
      P.push(p)
      ionX[i] = z === 1 ? IONXH : p[0] + p[1] + p[2]
    }
    const hP = PARAMS.get("H *")!
    const hChrg = new Float64Array(n)
    const energ = new Float64Array(n)
    let damp = DAMP
    for (let it = 0; it < 12; it++) {
      for (let i = 0; i < n; i++) {
        const p = P[i]!
        energ[i] = p[0] + q[i]! * (p[1] + p[2] * q[i]!)
      }
      for (let i = 0; i < n; i++) {
        let dq = 0
        for (let x = g.nbrStart[i]!; x < g.nbrStart[i + 1]!; x++) {
          const nb = g.nbrAtom[x]!
          const dx = energ[nb]! - energ[i]!
          const sgn = dx < 0 ? 0 : 1
          dq += dx / (sgn * (ionX[i]! - ionX[nb]!) + ionX[nb]!)
        }
        const niHs = g.hCount[i]!
        if (niHs > 0) {
          const qHs = hChrg[i]! / niHs
          const enr = hP[0] + qHs * (hP[1] + hP[2] * qHs)
          const dx = enr - energ[i]!
          const sgn = dx < 0 ? 0 : 1
          const dqH = dx / (sgn * (ionX[i]! - IONXH) + IONXH)
          dq += niHs * dqH
          hChrg[i] = hChrg[i]! - niHs * dqH * damp
        }
        q[i] = q[i]! + damp * dq
      }
      damp *= DAMP_SCALE
    }
    return { q, hq: hChrg }
  })
