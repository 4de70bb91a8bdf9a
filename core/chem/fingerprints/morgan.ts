/**
 * Morgan (ECFP-like) bit fingerprint as RDKit computes it without chirality, bond types on, redundant
 * environments dropped (`GetMorganFingerprintAsBitVect(mol, r, nBits)` in 2021.09 and 2022.09; MinimalLib's
 * `get_morgan_fp` runs the Morgan generator, which gives the same bits):
 *
 * - round 0: each atom's connectivity invariant, `hash_range` of [atomic number, total degree, total H
 *   count, formal charge, int(mass − average atomic weight), 1 if in a ring] (32-bit boost hash). The
 *   H count is where RDKit versions differ, for an atom bonded to a hydrogen atom that the molecule keeps
 *   (`[2H]`, or an `[H]` that sets a double bond's E/Z): RDKit 2021.09.2, PerioGT's training environment,
 *   counts `getTotalNumHs()` — that neighbour is not counted, as a heavy neighbour would not be — and
 *   2022.09 counts `getTotalNumHs(true)`, the neighbour included. `MorganInvariant` picks one; the
 *   default is the training environment's (README, "RDKit behaviour");
 * - round r: invariant = hash_combine(r − 1, own invariant, then each (bond type, neighbour invariant)
 *   pair sorted); an atom's environment is the set of bonds within r bonds; among the atoms whose
 *   environment was not seen in an earlier round, equal environments keep the smallest
 *   (invariant, atom) only; atoms whose environment was seen before drop out of later rounds;
 * - bit = invariant mod nBits.
 */

/** What the Morgan fingerprint reads of a molecule. */
export interface MorganTarget {
  readonly numAtoms: number
  readonly numBonds: number
  readonly atomicNum: Uint8Array
  /** RDKit's getTotalNumHs(): implicit and explicit counts, hydrogen atoms bonded to the atom not included */
  readonly totalHs: Uint8Array
  readonly formalCharge: Int8Array
  /** int(getMass() − average atomic weight) */
  readonly deltaMass: Int32Array
  readonly atomRings: Uint8Array
  readonly bondType: Uint8Array
  readonly adjStart: Int32Array
  readonly adjAtom: Int32Array
  readonly adjBond: Int32Array
}

/** boost's hash_combine on a 32-bit seed with a 32-bit value */
const combine = (seed: number, v: number): number => (seed ^ ((v + 0x9e3779b9 + (seed << 6) + (seed >>> 2)) >>> 0)) >>> 0

/** hash of a (bond type, invariant) pair: hash_combine(hash_combine(0, first), second) */
const pairHash = (first: number, second: number): number => combine(combine(0, first), second)

/**
 * Which H count the round-0 invariant hashes for an atom bonded to hydrogen atoms: `"rdkit2021"`
 * (2021.09.2, PerioGT's training environment: getTotalNumHs(), hydrogen-atom neighbours not counted)
 * or `"rdkit2022"` (2022.09: getTotalNumHs(true), counted). Equal for every atom without a
 * hydrogen-atom neighbour.
 */
export type MorganInvariant = "rdkit2021" | "rdkit2022"

/** Round-0 invariants (getConnectivityInvariants, ring membership included). */
export const connectivityInvariants = (t: MorganTarget, invariant: MorganInvariant = "rdkit2021"): Uint32Array => {
  const out = new Uint32Array(t.numAtoms)
  for (let a = 0; a < t.numAtoms; a++) {
    const degree = t.adjStart[a + 1]! - t.adjStart[a]!
    let h = combine(0, t.atomicNum[a]!)
    // getTotalDegree: the degree (hydrogen atoms included) plus getTotalNumHs()
    h = combine(h, degree + t.totalHs[a]!)
    h = combine(h, invariant === "rdkit2021" ? t.totalHs[a]! : t.totalHs[a]! + hydrogenNeighbours(t, a))
    h = combine(h, t.formalCharge[a]! >>> 0)
    h = combine(h, t.deltaMass[a]! >>> 0)
    if (t.atomRings[a]! > 0) h = combine(h, 1)
    out[a] = h
  }
  return out
}

/** hydrogen atoms bonded to a */
const hydrogenNeighbours = (t: MorganTarget, a: number): number => {
  let n = 0
  for (let k = t.adjStart[a]!; k < t.adjStart[a + 1]!; k++) if (t.atomicNum[t.adjAtom[k]!] === 1) n++
  return n
}

/** 32-bit FNV-1a over an environment's words */
const envHash = (words: Uint32Array, off: number, len: number): number => {
  let h = 0x811c9dc5
  for (let w = 0; w < len; w++) h = Math.imul(h ^ words[off + w]!, 16777619)
  return h >>> 0
}

const sameWords = (a: Uint32Array, ao: number, b: Uint32Array, bo: number, len: number): boolean => {
  for (let w = 0; w < len; w++) if (a[ao + w] !== b[bo + w]) return false
  return true
}

/** Sets the fingerprint's bits (0/1) at out[offset .. offset + nBits). */
export const writeMorgan = (
  t: MorganTarget,
  radius: number,
  nBits: number,
  out: Uint8Array,
  offset = 0,
  invariant: MorganInvariant = "rdkit2021",
): void => {
  const n = t.numAtoms
  const words = Math.max(1, Math.ceil(t.numBonds / 32))
  let invariants: Uint32Array = connectivityInvariants(t, invariant)
  for (let a = 0; a < n; a++) out[offset + (invariants[a]! % nBits)] = 1
  // environments (bond sets) per atom, as bit words
  let env = new Uint32Array(n * words)
  let next = new Uint32Array(n * words)
  /** environments added in earlier rounds, by hash */
  const seen = new Map<number, Uint32Array[]>()
  const dead = new Uint8Array(n)
  let nextInv: Uint32Array = new Uint32Array(n)
  let maxDegree = 0
  for (let a = 0; a < n; a++) maxDegree = Math.max(maxDegree, t.adjStart[a + 1]! - t.adjStart[a]!)
  const pt = new Int32Array(maxDegree)
  const pv = new Uint32Array(maxDegree)
  const hashes = new Uint32Array(n)
  const alive: number[] = []
  const seenHas = (h: number, a: number): boolean => {
    const list = seen.get(h)
    if (list === undefined) return false
    for (const w of list) if (sameWords(w, 0, next, a * words, words)) return true
    return false
  }
  for (let layer = 0; layer < radius; layer++) {
    next.set(env)
    // atoms out of consideration carry invariant 0 into the next round (as RDKit's round vector)
    nextInv.fill(0)
    alive.length = 0
    for (let a = 0; a < n; a++) {
      if (dead[a]) continue
      const s = t.adjStart[a]!
      const e = t.adjStart[a + 1]!
      if (s === e) {
        dead[a] = 1
        continue
      }
      const base = a * words
      let m = 0
      for (let k = s; k < e; k++) {
        const b = t.adjBond[k]!
        const o = t.adjAtom[k]!
        next[base + (b >>> 5)]! |= 1 << (b & 31)
        for (let w = 0; w < words; w++) next[base + w]! |= env[o * words + w]!
        // insert the (bond type, invariant) pair in order
        const x0 = t.bondType[b]!
        const x1 = invariants[o]!
        let j = m - 1
        while (j >= 0 && (pt[j]! > x0 || (pt[j] === x0 && pv[j]! > x1))) {
          pt[j + 1] = pt[j]!
          pv[j + 1] = pv[j]!
          j--
        }
        pt[j + 1] = x0
        pv[j + 1] = x1
        m++
      }
      let h = combine(layer, invariants[a]!)
      for (let i = 0; i < m; i++) h = combine(h, pairHash(pt[i]!, pv[i]!))
      nextInv[a] = h
      hashes[a] = envHash(next, base, words)
      alive.push(a)
    }
    // equal environments: the smallest (invariant, atom) is added, the others die; environments seen
    // in an earlier round die
    const best = new Map<number, number[]>()
    for (const a of alive) {
      const h = hashes[a]!
      if (seenHas(h, a)) {
        dead[a] = 1
        continue
      }
      let reps = best.get(h)
      if (reps === undefined) best.set(h, (reps = []))
      let placed = false
      for (let r = 0; r < reps.length && !placed; r++) {
        const b = reps[r]!
        if (!sameWords(next, a * words, next, b * words, words)) continue
        placed = true
        if (nextInv[a]! < nextInv[b]! || (nextInv[a] === nextInv[b] && a < b)) {
          dead[b] = 1
          reps[r] = a
        } else dead[a] = 1
      }
      if (!placed) reps.push(a)
    }
    for (const [h, reps] of best) {
      for (const a of reps) {
        let list = seen.get(h)
        if (list === undefined) seen.set(h, (list = []))
        list.push(next.slice(a * words, a * words + words))
        out[offset + (nextInv[a]! % nBits)] = 1
      }
    }
    const swap = invariants
    invariants = nextInv
    nextInv = swap
    const tmp = env
    env = next
    next = tmp
  }
}
