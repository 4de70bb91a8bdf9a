/**
 * Morgan (ECFP-like) bit fingerprint as RDKit computes it without chirality, bond types on, redundant
 * environments dropped (`GetMorganFingerprintAsBitVect(mol, r, nBits)` in 2022.09; MinimalLib's
 * `get_morgan_fp` runs the Morgan generator, which gives the same bits):
 *
 * - round 0: each atom's connectivity invariant, `hash_range` of [atomic number, total degree, total H
 *   count, formal charge, int(mass − average atomic weight), 1 if in a ring] (32-bit boost hash);
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
  /** total hydrogen count, explicit hydrogen neighbours included */
  readonly hCount: Uint8Array
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

/** Round-0 invariants (getConnectivityInvariants, ring membership included). */
export const connectivityInvariants = (t: MorganTarget): Uint32Array => {
  const out = new Uint32Array(t.numAtoms)
  for (let a = 0; a < t.numAtoms; a++) {
    const degree = t.adjStart[a + 1]! - t.adjStart[a]!
    let h = combine(0, t.atomicNum[a]!)
    h = combine(h, degree + t.hCount[a]! - hydrogenNeighbours(t, a))
    h = combine(h, t.hCount[a]!)
    h = combine(h, t.formalCharge[a]! >>> 0)
    h = combine(h, t.deltaMass[a]! >>> 0)
    if (t.atomRings[a]! > 0) h = combine(h, 1)
    out[a] = h
  }
  return out
}

/** explicit hydrogen atoms bonded to a (counted in both the degree and hCount) */
const hydrogenNeighbours = (t: MorganTarget, a: number): number => {
  let n = 0
  for (let k = t.adjStart[a]!; k < t.adjStart[a + 1]!; k++) if (t.atomicNum[t.adjAtom[k]!] === 1) n++
  return n
}

/** Sets the fingerprint's bits (0/1) at out[offset .. offset + nBits). */
export const writeMorgan = (t: MorganTarget, radius: number, nBits: number, out: Uint8Array, offset = 0): void => {
  const n = t.numAtoms
  const words = Math.max(1, Math.ceil(t.numBonds / 32))
  let invariants = connectivityInvariants(t)
  for (let a = 0; a < n; a++) out[offset + (invariants[a]! % nBits)] = 1
  // environments (bond sets) per atom, as bit words
  let env = new Uint32Array(n * words)
  let next = new Uint32Array(n * words)
  const seen = new Set<string>()
  const dead = new Uint8Array(n)
  const nextInv = new Uint32Array(n)
  const pairs: number[] = []
  const keys: string[] = new Array(n)
  for (let layer = 0; layer < radius; layer++) {
    next.set(env)
    // atoms out of consideration carry invariant 0 into the next round (as RDKit's round vector)
    nextInv.fill(0)
    const alive: number[] = []
    for (let a = 0; a < n; a++) {
      if (dead[a]) continue
      const s = t.adjStart[a]!
      const e = t.adjStart[a + 1]!
      if (s === e) {
        dead[a] = 1
        continue
      }
      pairs.length = 0
      for (let k = s; k < e; k++) {
        const b = t.adjBond[k]!
        const o = t.adjAtom[k]!
        next[a * words + (b >>> 5)]! |= 1 << (b & 31)
        for (let w = 0; w < words; w++) next[a * words + w]! |= env[o * words + w]!
        pairs.push(t.bondType[b]!, invariants[o]!)
      }
      // sort the (bond type, invariant) pairs
      const m = pairs.length >> 1
      for (let i = 1; i < m; i++) {
        const x0 = pairs[2 * i]!
        const x1 = pairs[2 * i + 1]!
        let j = i - 1
        while (j >= 0 && (pairs[2 * j]! > x0 || (pairs[2 * j] === x0 && pairs[2 * j + 1]! > x1))) {
          pairs[2 * j + 2] = pairs[2 * j]!
          pairs[2 * j + 3] = pairs[2 * j + 1]!
          j--
        }
        pairs[2 * j + 2] = x0
        pairs[2 * j + 3] = x1
      }
      let h = combine(layer, invariants[a]!)
      for (let i = 0; i < m; i++) h = combine(h, pairHash(pairs[2 * i]!, pairs[2 * i + 1]!))
      nextInv[a] = h
      let key = ""
      for (let w = 0; w < words; w++) key += next[a * words + w]!.toString(36) + ","
      keys[a] = key
      alive.push(a)
    }
    // equal environments: the smallest (invariant, atom) is added, the others die
    alive.sort((x, y) => (keys[x]! < keys[y]! ? -1 : keys[x]! > keys[y]! ? 1 : nextInv[x]! - nextInv[y]! || x - y))
    for (const a of alive) {
      const key = keys[a]!
      if (seen.has(key)) dead[a] = 1
      else {
        seen.add(key)
        out[offset + (nextInv[a]! % nBits)] = 1
      }
    }
    invariants = nextInv.slice()
    const tmp = env
    env = next
    next = tmp
  }
}
