/** mordred `_atomic_property` getters over a graph (NaN where mordred's table has no value). */
import type { Graph } from "./graph.ts"
import { MORDRED, OUTER_ELECTRONS } from "./elements.ts"

export type PropKey = "Z" | "m" | "v" | "se" | "pe" | "are" | "p" | "i"

/** the non-charge, non-valence properties in mordred's getter order (get_properties()) */
export const BASIC_PROPS: readonly PropKey[] = ["Z", "m", "v", "se", "pe", "are", "p", "i"]

const TABLES: Readonly<Record<Exclude<PropKey, "Z">, Float64Array>> = {
  m: MORDRED.mass,
  v: MORDRED.vdwVolume,
  se: MORDRED.sanderson,
  pe: MORDRED.pauling,
  are: MORDRED.allredRocow,
  p: MORDRED.polarizability94,
  i: MORDRED.ionizationPotential,
}

export const propTable = (k: PropKey): Float64Array | null => (k === "Z" ? null : TABLES[k])

export const propOf = (k: PropKey, z: number): number => {
  if (k === "Z") return z
  return z < 1 ? NaN : (propTable(k)![z] ?? NaN)
}

/** property vector of all atoms; null when an atom has none (mordred: "missing … for [...]" → every user NaN) */
export const atomicProperty = (g: Graph, k: PropKey): Float64Array | null => {
  const out = new Float64Array(g.n)
  for (let i = 0; i < g.n; i++) {
    const v = propOf(k, g.z[i]!)
    if (Number.isNaN(v)) return null
    out[i] = v
  }
  return out
}

/** mordred get_valence_electrons (δv) of atom i */
export const valenceElectrons = (g: Graph, i: number): number => {
  const N = g.z[i]!
  if (N === 1) return 0
  const Zv = OUTER_ELECTRONS[N]! - g.charge[i]!
  const Z = N - g.charge[i]!
  let he = 0
  for (let k = g.nbrStart[i]!; k < g.nbrStart[i + 1]!; k++) if (g.z[g.nbrAtom[k]!] === 1) he++
  const h = g.hCount[i]! + he
  return (Zv - h) / (Z - Zv - 1)
}

/** mordred get_sigma_electrons (δ) of atom i: heavy neighbours */
export const sigmaElectrons = (g: Graph, i: number): number => {
  let d = 0
  for (let k = g.nbrStart[i]!; k < g.nbrStart[i + 1]!; k++) if (g.z[g.nbrAtom[k]!] !== 1) d++
  return d
}

/** mordred get_intrinsic_state (E-state I) of atom i: ((2/period)² δv + 1) / δ; NaN when δ = 0 */
export const intrinsicState = (g: Graph, i: number): number => {
  const d = sigmaElectrons(g, i)
  if (d === 0) return NaN
  const dv = valenceElectrons(g, i)
  return ((2 / MORDRED.period[g.z[i]!]!) ** 2 * dv + 1) / d
}

export type ValenceProp = "dv" | "d" | "s" | PropKey

/** mordred's atomic property vector (δv, δ, intrinsic state or a table property); null when any atom lacks it */
export const atomicVector = (g: Graph, k: ValenceProp): Float64Array | null => {
  if (k === "dv" || k === "d" || k === "s") {
    const f = k === "dv" ? valenceElectrons : k === "d" ? sigmaElectrons : intrinsicState
    const out = new Float64Array(g.n)
    for (let i = 0; i < g.n; i++) {
      const v = f(g, i)
      if (Number.isNaN(v)) return null
      out[i] = v
    }
    return out
  }
  return atomicProperty(g, k)
}
