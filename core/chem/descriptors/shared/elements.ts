/**
 * Element data (facts): RDKit 2022.09's periodic table and mordred 1.2.0's data/*.txt tables, indexed by
 * atomic number. elements.json is written by `tools/oracle/descriptors.py --emit-tables` — do not edit.
 */
import data from "./elements.json" with { type: "json" }

type Col = readonly (number | null)[]
const nums = (c: Col): Float64Array => Float64Array.from(c, (x) => (x === null ? NaN : x))

export const SYMBOL: readonly string[] = data.symbol
export const RDKIT_ATOMIC_WEIGHT = nums(data.rdkit_atomic_weight)
export const RDKIT_EXACT_MASS = nums(data.rdkit_most_common_isotope_mass)
export const OUTER_ELECTRONS = nums(data.rdkit_outer_electrons)
export const DEFAULT_VALENCE = nums(data.rdkit_default_valence)
/** RDKit's Rb0 (bond radius used by Labute's ASA) */
export const RB0 = nums(data.rdkit_rb0)
export const MORDRED = {
  mass: nums(data.mordred_mass),
  vdwVolume: nums(data.mordred_vdw_volume),
  sanderson: nums(data.mordred_sanderson),
  pauling: nums(data.mordred_pauling),
  allredRocow: nums(data.mordred_allred_rocow),
  polarizability94: nums(data.mordred_polarizability94),
  polarizability78: nums(data.mordred_polarizability78),
  ionizationPotential: nums(data.mordred_ionization_potential),
  period: nums(data.mordred_period),
  mcGowanVolume: nums(data.mordred_mc_gowan_volume),
} as const

const ISOTOPE_MASS: readonly ReadonlyMap<number, number>[] = data.rdkit_isotope_mass.map(
  (pairs) => new Map(pairs.map(([i, m]) => [i!, m!] as const)),
)

/** RDKit's exact mass of an atom: the isotope's mass when labelled, else the most common isotope's. */
export const exactAtomMass = (z: number, isotope: number): number =>
  isotope > 0 ? (ISOTOPE_MASS[z]?.get(isotope) ?? 0) : RDKIT_EXACT_MASS[z]!

/** RDKit's MolWt contribution of an atom: the isotope's mass when labelled, else the standard atomic weight. */
export const averageAtomMass = (z: number, isotope: number): number =>
  isotope > 0 ? (ISOTOPE_MASS[z]?.get(isotope) ?? 0) : RDKIT_ATOMIC_WEIGHT[z]!

/** RDKit's allowed valences per element (-1: any) */
export const VALENCE_LIST: readonly (readonly number[])[] = data.rdkit_valence_list

/** RDKit isEarlyAtom: elements "to the left of carbon" (hydrogen adds to them as H⁻) */
export const isEarlyAtom = (z: number): boolean => {
  if (z <= 1) return false
  const n = OUTER_ELECTRONS[z]!
  if (n >= 1 && n <= 3) return true
  if (n === 4) return z > 14
  if (n === 5) return z > 33
  return false
}

/**
 * RDKit's implicit hydrogen count of a non-aromatic atom with this explicit valence (calcImplicitValence);
 * null when the valence is not allowed (sanitization fails).
 */
export const implicitHydrogens = (z: number, charge: number, explicitValence: number): number | null => {
  if (DEFAULT_VALENCE[z] === -1) return 0
  let chg = charge
  if (isEarlyAtom(z)) chg = -chg
  if (z === 6 && chg > 0) chg = -chg
  for (const v of VALENCE_LIST[z] ?? []) {
    if (v < 0) break
    const tot = v + chg
    if (explicitValence <= tot) return tot - explicitValence
  }
  return null
}

export const HALOGENS: ReadonlySet<number> = new Set([9, 17, 35, 53, 85, 117])
