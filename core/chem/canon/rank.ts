/**
 * RDKit's canonical atom ranking (`Chem.CanonicalRankAtoms(mol)`, defaults breakTies, includeChirality,
 * includeIsotopes) as RDKit 2022.09.5 computes it: the partition-refinement scheme of Schneider, Sayle
 * & Landrum, "Get Your Atoms in Order" (JCIM 2015), as `Code/GraphMol/new_canon.{h,cpp}` of that
 * release implements it.
 *
 * Outline
 *  - Every atom starts in one class (class id = the position of the class's first atom in `order`).
 *  - Classes are refined by sorting each active class with a merge sort over runs ("hanoi" sort) under
 *    an atom comparison: current class, degree, atomic number, isotope, H count, formal charge
 *    (compared as an unsigned number, so anions sort after cations), chirality (tag set?; then the
 *    parity of the tag against the neighbours' classes), a ring-stereo neighbour code, and finally
 *    the atom's bonds sorted by (bond type, bond stereo, neighbour class). A split class re-activates
 *    the classes of the split atoms' neighbours.
 *  - When ties remain: a pass with the ring-chirality comparison (parity of chiral ring neighbours
 *    seen from this atom), then, for highly symmetric ring systems, a pass with BFS shell invariants.
 *  - Ties are broken by moving the last atom of the first tied class into a class of its own and
 *    refining again, until every atom is alone.
 *
 * Details that decide the exact output and are therefore kept as RDKit has them:
 *  - the comparison is only evaluated when one of the two atoms is flagged "changed" (otherwise the
 *    pair counts as equal), so the exact merge order of the run-merging sort matters;
 *  - each atom's bond list is re-sorted (stable insertion sort, as libstdc++'s std::sort is for lists
 *    of at most 16) only when that atom takes part in a comparison; the ring-chirality pass reads the
 *    neighbours' lists in whatever order they were last left.
 */
import { ChiralTag, Cip, type Molecule } from "../molecule/types.ts"

export interface CanonOptions {
  /** atom-map numbers (`molAtomMapNumber`, 0 = none); the Molecule type does not carry them */
  readonly atomMapNumbers?: ArrayLike<number>
}

const STEREO_NONE = 0
const STEREO_ANY = 1
const STEREO_Z = 2
const STEREO_E = 3
const STEREO_CIS = 4
const STEREO_TRANS = 5

type Compare = (i: number, j: number) => number

/** Parity (0 even, 1 odd) of the permutation that sorts `v` (distinct values). */
const sortParity = (v: number[]): number => {
  const a = v.slice()
  let swaps = 0
  for (let i = 0; i < a.length; i++) {
    let m = i
    for (let k = i + 1; k < a.length; k++) if (a[k]! < a[m]!) m = k
    if (m !== i) {
      const t = a[i]!
      a[i] = a[m]!
      a[m] = t
      swaps++
    }
  }
  return swaps & 1
}

/** Parity of the permutation turning `probe` into `ref` (same elements, distinct). */
const swapParity = (ref: ArrayLike<number>, probe: number[]): number => {
  const p = probe.slice()
  let swaps = 0
  for (let k = 0; k < ref.length; k++) {
    const want = ref[k]!
    if (p[k] === want) continue
    let q = k + 1
    while (q < p.length && p[q] !== want) q++
    if (q === p.length) throw new Error("canonicalRanks: inconsistent neighbour lists")
    p[q] = p[k]!
    p[k] = want
    swaps++
  }
  return swaps & 1
}

/** Lexicographic comparison of two integer sequences (std::vector's operator<). */
const lexCompare = (a: readonly number[], b: readonly number[]): number => {
  const n = Math.min(a.length, b.length)
  for (let k = 0; k < n; k++) if (a[k] !== b[k]) return a[k]! < b[k]! ? -1 : 1
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

export const canonicalRanksOf = (m: Molecule, opts: CanonOptions = {}): Int32Array => {
  const n = m.numAtoms
  const res = new Int32Array(n)
  if (n === 0) return res
  const { adjStart, adjAtom, adjBond, chiralTag } = m
  const mapNum = opts.atomMapNumbers

  // ---------------------------------------------------------------- per-atom invariants
  const numRings = new Int32Array(n)
  for (const r of m.rings) for (let k = 0; k < r.length; k++) numRings[r[k]!]!++
  // RDKit keeps a tetrahedral tag on an atom without a CIP code only when it is a ring-stereo atom
  // (it then carries `_ringStereoAtoms`); the tag is cleared otherwise.
  const ringStereo = new Uint8Array(n)
  for (let a = 0; a < n; a++) {
    const t = chiralTag[a]!
    if ((t === ChiralTag.CW || t === ChiralTag.CCW) && m.cip[a] !== Cip.R && m.cip[a] !== Cip.S) ringStereo[a] = 1
  }
  const hasRingNbr = new Uint8Array(n)
  for (let a = 0; a < n; a++) {
    for (let k = adjStart[a]!; k < adjStart[a + 1]!; k++) {
      if (ringStereo[adjAtom[k]!]) {
        hasRingNbr[a] = 1
        break
      }
    }
  }

  // ---------------------------------------------------------------- bond holders (one per adjacency slot)
  const slots = adjStart[n]!
  const hType = new Int32Array(slots)
  const hStereo = new Int32Array(slots)
  const hNbr = new Int32Array(slots)
  const hSym = new Int32Array(slots) // neighbour's class, refreshed on demand
  const hCtl = new Int32Array(4 * slots).fill(-1) // controlling atoms of a cis/trans bond
  for (let a = 0; a < n; a++) {
    for (let s = adjStart[a]!; s < adjStart[a + 1]!; s++) {
      const b = adjBond[s]!
      hNbr[s] = adjAtom[s]!
      hType[s] = m.bondType[b]! // aromatic bonds are BondType.Aromatic already
      const st = m.bondStereo[b]!
      hStereo[s] = st
      if (st === STEREO_CIS || st === STEREO_TRANS) {
        const beg = m.bondBegin[b]!
        const end = m.bondEnd[b]!
        const s0 = m.bondStereoAtoms[2 * b]!
        const s1 = m.bondStereoAtoms[2 * b + 1]!
        hCtl[4 * s] = s0
        hCtl[4 * s + 2] = s1
        if (m.degree[beg]! > 2) {
          for (let k = adjStart[beg]!; k < adjStart[beg + 1]!; k++) {
            const x = adjAtom[k]!
            if (x !== end && x !== s0) hCtl[4 * s + 1] = x
          }
        }
        if (m.degree[end]! > 2) {
          for (let k = adjStart[end]!; k < adjStart[end + 1]!; k++) {
            const x = adjAtom[k]!
            if (x !== beg && x !== s1) hCtl[4 * s + 3] = x
          }
        }
      }
    }
  }
  /** current order of each atom's bond holders: slot ids within [adjStart[a], adjStart[a+1]) */
  const perm = new Int32Array(slots)
  for (let s = 0; s < slots; s++) perm[s] = s

  // ---------------------------------------------------------------- partition state
  const cls = new Int32Array(n) // atoms[i].index
  const order = new Int32Array(2 * n) // [0, n): order; [n, 2n): merge scratch
  const count = new Int32Array(n)
  const next = new Int32Array(n)
  const changed = new Uint8Array(n)
  const touched = new Uint8Array(n)
  const touchedList: number[] = []

  const flipped = (st: number, s: number): number => {
    let flip = false
    const c0 = hCtl[4 * s]!
    const c1 = hCtl[4 * s + 1]!
    const c2 = hCtl[4 * s + 2]!
    const c3 = hCtl[4 * s + 3]!
    if (c1 >= 0 && cls[c1]! > cls[c0]!) flip = !flip
    if (c3 >= 0 && cls[c3]! > cls[c2]!) flip = !flip
    if (!flip) return st
    return st === STEREO_CIS ? STEREO_TRANS : st === STEREO_TRANS ? STEREO_CIS : st
  }
  const compareStereo = (s: number, t: number): number => {
    let st1 = hStereo[s]!
    let st2 = hStereo[t]!
    if (st1 === STEREO_NONE) return st2 === STEREO_NONE ? 0 : -1
    if (st2 === STEREO_NONE) return 1
    if (st1 === STEREO_ANY) return st2 === STEREO_ANY ? 0 : -1
    if (st2 === STEREO_ANY) return 1
    const abs1 = st1 === STEREO_E || st1 === STEREO_Z
    const abs2 = st2 === STEREO_E || st2 === STEREO_Z
    if (abs1 && abs2) return st1 < st2 ? -1 : st1 > st2 ? 1 : 0
    st1 = flipped(st1, s)
    st2 = flipped(st2, t)
    return st1 < st2 ? -1 : st1 > st2 ? 1 : 0
  }
  const compareHolder = (s: number, t: number): number => {
    if (hType[s] !== hType[t]) return hType[s]! < hType[t]! ? -1 : 1
    if (hStereo[s] !== hStereo[t]) return hStereo[s]! < hStereo[t]! ? -1 : 1
    const d = hSym[s]! - hSym[t]!
    if (d !== 0) return d
    if (hStereo[s] && hStereo[t]) return compareStereo(s, t)
    return 0
  }
  /** stable insertion sort of atom a's bond holders, greatest first */
  const sortHolders = (a: number): void => {
    const lo = adjStart[a]!
    const hi = adjStart[a + 1]!
    for (let i = lo + 1; i < hi; i++) {
      const v = perm[i]!
      let k = i
      while (k > lo && compareHolder(v, perm[k - 1]!) > 0) {
        perm[k] = perm[k - 1]!
        k--
      }
      perm[k] = v
    }
  }
  const updateNbrClasses = (a: number): void => {
    for (let s = adjStart[a]!; s < adjStart[a + 1]!; s++) hSym[s] = cls[hNbr[s]!]!
    sortHolders(a)
  }
  // initial sort (neighbour classes all 0)
  for (let a = 0; a < n; a++) sortHolders(a)

  /** compare the sorted bond lists of i and j position by position (shorter common prefix) */
  const compareHolderLists = (i: number, j: number): number => {
    const li = adjStart[i]!
    const lj = adjStart[j]!
    const len = Math.min(adjStart[i + 1]! - li, adjStart[j + 1]! - lj)
    for (let k = 0; k < len; k++) {
      const c = compareHolder(perm[li + k]!, perm[lj + k]!)
      if (c) return c
    }
    return 0
  }
  const degreeOf = (a: number): number => adjStart[a + 1]! - adjStart[a]!

  const chiralRank = (a: number): number => {
    const ranks: number[] = []
    for (let k = adjStart[a]!; k < adjStart[a + 1]!; k++) {
      const r = cls[adjAtom[k]!]!
      if (ranks.includes(r)) break
      ranks.push(r)
    }
    if (ranks.length !== degreeOf(a)) return 0
    const t = chiralTag[a]!
    if (t !== ChiralTag.CW && t !== ChiralTag.CCW) return 0
    let r = t === ChiralTag.CW ? 2 : 1
    if (sortParity(ranks)) r = r === 2 ? 1 : 2
    return r
  }
  const ringNbrCode = (a: number): number => {
    if (!hasRingNbr[a]) return 0
    let code = 0
    for (let k = adjStart[a]!; k < adjStart[a + 1]!; k++) {
      const x = adjAtom[k]!
      if (ringStereo[x]) code = (code + cls[x]! * 10000 + 1) >>> 0
    }
    return code
  }
  const cmpNum = (x: number, y: number): number => (x < y ? -1 : x > y ? 1 : 0)

  const baseCompare = (i: number, j: number): number => {
    let c = cmpNum(cls[i]!, cls[j]!)
    if (c) return c
    if (mapNum !== undefined) {
      c = cmpNum(mapNum[i] ?? 0, mapNum[j] ?? 0)
      if (c) return c
    }
    c = cmpNum(degreeOf(i), degreeOf(j))
    if (c) return c
    c = cmpNum(m.atomicNum[i]!, m.atomicNum[j]!)
    if (c) return c
    c = cmpNum(m.isotope[i]!, m.isotope[j]!)
    if (c) return c
    c = cmpNum(m.totalHs[i]!, m.totalHs[j]!)
    if (c) return c
    // RDKit reads the formal charge into an unsigned int: negative charges compare as huge values
    c = cmpNum(m.formalCharge[i]! >>> 0, m.formalCharge[j]! >>> 0)
    if (c) return c
    const ti = chiralTag[i] !== ChiralTag.Unspecified ? 1 : 0
    const tj = chiralTag[j] !== ChiralTag.Unspecified ? 1 : 0
    c = cmpNum(ti, tj)
    if (c) return c
    if (ti && tj) {
      c = cmpNum(chiralRank(i), chiralRank(j))
      if (c) return c
    }
    return cmpNum(ringNbrCode(i), ringNbrCode(j))
  }

  const atomCompare: Compare = (i, j) => {
    const v = baseCompare(i, j)
    if (v) return v
    updateNbrClasses(i)
    updateNbrClasses(j)
    const c = compareHolderLists(i, j)
    if (c) return c
    return cmpNum(degreeOf(i), degreeOf(j))
  }

  // ring chirality: (neighbour class, parity code of a chiral neighbour seen from this ring atom)
  const numSwaps = (a: number): number[] => {
    const inRing = numRings[a]! > 0
    const pairs: [number, number][] = []
    for (let k = adjStart[a]!; k < adjStart[a + 1]!; k++) {
      const s = perm[k]!
      const nb = hNbr[s]!
      const t = chiralTag[nb]!
      if (inRing && t !== ChiralTag.Unspecified) {
        const probe = [a]
        for (let q = adjStart[nb]!; q < adjStart[nb + 1]!; q++) {
          const x = hNbr[perm[q]!]!
          if (x !== a) probe.push(x)
        }
        const odd = swapParity(adjAtom.subarray(adjStart[nb]!, adjStart[nb + 1]!), probe)
        if (t === ChiralTag.CW) pairs.push([hSym[s]!, odd ? 2 : 1])
        else if (t === ChiralTag.CCW) pairs.push([hSym[s]!, odd ? 1 : 2])
      } else {
        pairs.push([hSym[s]!, 0])
      }
    }
    pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1])
    return pairs.map((p) => p[1])
  }
  const chiralityCompare: Compare = (i, j) => {
    updateNbrClasses(i)
    updateNbrClasses(j)
    const c = compareHolderLists(i, j)
    if (c) return c
    const si = numSwaps(i)
    const sj = numSwaps(j)
    const len = Math.min(si.length, sj.length)
    for (let k = 0; k < len; k++) if (si[k] !== sj[k]) return si[k]! - sj[k]!
    return 0
  }

  // ---------------------------------------------------------------- run-merging sort ("hanoi")
  /**
   * Sort order[base .. base+nel) with scratch at order[temp ..]; marks run heads in `count`.
   * Returns true when the sorted result was left in the scratch area.
   */
  const hanoi = (base: number, nel: number, temp: number, cmp: Compare): boolean => {
    if (nel === 1) {
      count[order[base]!] = 1
      return false
    }
    if (nel === 2) {
      const n1 = order[base]!
      const n2 = order[base + 1]!
      const stat = changed[n1] || changed[n2] ? cmp(n1, n2) : 0
      if (stat === 0) {
        count[n1] = 2
        count[n2] = 0
      } else {
        count[n1] = 1
        count[n2] = 1
        if (stat > 0) {
          order[base] = n2
          order[base + 1] = n1
        }
      }
      return false
    }
    let n1 = nel >> 1
    let n2 = nel - n1
    const b1 = base
    const t1 = temp
    const b2 = base + n1
    const t2 = temp + n1
    let s1: number
    let s2: number
    let ptr: number
    let result: boolean
    if (hanoi(b1, n1, t1, cmp)) {
      s2 = hanoi(b2, n2, t2, cmp) ? t2 : b2
      result = false
      ptr = base
      s1 = t1
    } else {
      s2 = hanoi(b2, n2, t2, cmp) ? t2 : b2
      result = true
      ptr = temp
      s1 = b1
    }
    for (;;) {
      const x = order[s1]!
      const y = order[s2]!
      const stat = changed[x] || changed[y] ? cmp(x, y) : 0
      const len1 = count[x]!
      const len2 = count[y]!
      if (stat === 0) {
        count[x] = len1 + len2
        count[y] = 0
        order.copyWithin(ptr, s1, s1 + len1)
        ptr += len1
        n1 -= len1
        if (n1 === 0) {
          if (ptr !== s2) order.copyWithin(ptr, s2, s2 + n2)
          return result
        }
        s1 += len1
        order.copyWithin(ptr, s2, s2 + len2)
        ptr += len2
        n2 -= len2
        if (n2 === 0) {
          order.copyWithin(ptr, s1, s1 + n1)
          return result
        }
        s2 += len2
      } else if (stat < 0) {
        order.copyWithin(ptr, s1, s1 + len1)
        ptr += len1
        n1 -= len1
        if (n1 === 0) {
          if (ptr !== s2) order.copyWithin(ptr, s2, s2 + n2)
          return result
        }
        s1 += len1
      } else {
        order.copyWithin(ptr, s2, s2 + len2)
        ptr += len2
        n2 -= len2
        if (n2 === 0) {
          order.copyWithin(ptr, s1, s1 + n1)
          return result
        }
        s2 += len2
      }
    }
  }
  const hanoiSort = (start: number, len: number, cmp: Compare): void => {
    if (hanoi(start, len, n + start, cmp)) order.copyWithin(start, n + start, n + start + len)
  }

  // ---------------------------------------------------------------- refinement
  let activeset = -1

  /** queue the (multi-atom, inactive) classes whose ids were marked in `touched`, lowest id first */
  const activateTouched = (): void => {
    if (touchedList.length > 1) touchedList.sort((x, y) => x - y)
    for (const c of touchedList) {
      touched[c] = 0
      const p = order[c]!
      if (count[p]! > 1 && next[p] === -2) {
        next[p] = activeset
        activeset = p
      }
    }
    touchedList.length = 0
  }
  const touch = (c: number): void => {
    if (!touched[c]) {
      touched[c] = 1
      touchedList.push(c)
    }
  }

  const activatePartitions = (): void => {
    activeset = -1
    next.fill(-2)
    let i = 0
    while (i < n) {
      const j = order[i]!
      if (count[j]! > 1) {
        next[j] = activeset
        activeset = j
        i += count[j]!
      } else i++
    }
    changed.fill(1)
  }

  const refinePartitions = (cmp: Compare): void => {
    while (activeset !== -1) {
      const partition = activeset
      activeset = next[partition]!
      next[partition] = -2
      const len = count[partition]!
      const offset = cls[partition]!
      hanoiSort(offset, len, cmp)
      for (let k = 0; k < len; k++) changed[order[offset + k]!] = 0
      let symclass = 0
      const first = count[order[offset]!]!
      for (let i = first; i < len; i++) {
        const a = order[offset + i]!
        if (count[a]) symclass = offset + i
        cls[a] = symclass
        for (let k = adjStart[a]!; k < adjStart[a + 1]!; k++) changed[adjAtom[k]!] = 1
      }
      for (let i = first; i < len; i++) {
        const a = order[offset + i]!
        for (let k = adjStart[a]!; k < adjStart[a + 1]!; k++) touch(cls[adjAtom[k]!]!)
      }
      activateTouched()
    }
  }

  const breakTies = (cmp: Compare): void => {
    for (let i = 0; i < n; i++) {
      const partition = order[i]!
      const oldPart = cls[partition]!
      while (count[partition]! > 1) {
        const len = count[partition]!
        const offset = cls[partition]! + len - 1
        const a = order[offset]!
        cls[a] = offset
        count[partition] = len - 1
        count[a] = 1
        if (degreeOf(a) < 1) continue
        for (let k = adjStart[a]!; k < adjStart[a + 1]!; k++) {
          const x = adjAtom[k]!
          touch(cls[x]!)
          changed[x] = 1
        }
        activateTouched()
        refinePartitions(cmp)
      }
      if (cls[partition] !== oldPart) i--
    }
  }

  // ---------------------------------------------------------------- BFS shell invariants (symmetric ring systems)
  const shellInvariants = (): { nbrNum: number[][]; revisited: number[][] } => {
    const nbrNum: number[][] = Array.from({ length: n }, () => [])
    const revisited: number[][] = Array.from({ length: n }, () => [])
    const visited = new Uint8Array(n)
    const last = new Uint8Array(n)
    const cur = new Uint8Array(n)
    const rev = new Int32Array(n)
    for (let root = 0; root < n; root++) {
      if (numRings[root] === 0) continue
      visited.fill(0)
      last.fill(0)
      let queue = [root]
      let lastList: number[] = []
      const out = revisited[root]!
      const nn = nbrNum[root]!
      while (queue.length > 0) {
        let numLevel = 0
        const nextLevel: number[] = []
        for (const x of queue) {
          if (numRings[x] === 0) continue
          last[x] = 1
          lastList.push(x)
          visited[x] = 1
          for (let k = adjStart[x]!; k < adjStart[x + 1]!; k++) {
            const y = adjAtom[k]!
            if (!visited[y]) {
              cur[y] = 1
              numLevel++
              visited[y] = 1
              nextLevel.push(y)
            }
          }
        }
        const revTouched: number[] = []
        for (const x of nextLevel) {
          for (let k = adjStart[x]!; k < adjStart[x + 1]!; k++) {
            const y = adjAtom[k]!
            if (cur[y] || last[y]) {
              if (rev[y] === 0) revTouched.push(y)
              rev[y]!++
            }
          }
        }
        for (const x of lastList) last[x] = 0
        for (const x of nextLevel) {
          last[x] = 1
          cur[x] = 0
        }
        lastList = nextLevel.slice()
        const tmp = revTouched.map((y) => rev[y]!).sort((p, q) => p - q)
        for (const y of revTouched) rev[y] = 0
        for (const v of tmp) out.push(v)
        out.push(-1)
        nn.push(numLevel, -1)
        queue = nextLevel
      }
    }
    return { nbrNum, revisited }
  }

  // ---------------------------------------------------------------- driver
  for (let i = 0; i < n; i++) {
    cls[i] = 0
    order[i] = i
    count[i] = 0
  }
  count[0] = n
  changed.fill(1)
  activatePartitions()
  refinePartitions(atomCompare)

  let ties = false
  for (let i = 0; i < n; i++) if (!count[i]) ties = true
  if (ties) {
    activatePartitions()
    refinePartitions(chiralityCompare)
  }

  ties = false
  let symRingAtoms = 0
  let ringAtoms = 0
  let branchingRingAtom = false
  for (let i = 0; i < n; i++) {
    const a = order[i]!
    if (numRings[a]! > 0) {
      if (count[a]! > 2) symRingAtoms += count[a]!
      ringAtoms++
      if (numRings[a]! > 1 && count[a]! > 1) branchingRingAtom = true
    }
    if (!count[i]) ties = true
  }
  if (ties && ringAtoms > 0 && 2 * symRingAtoms > ringAtoms && branchingRingAtom) {
    const { nbrNum, revisited } = shellInvariants()
    const symmetryCompare: Compare = (i, j) => {
      let c = lexCompare(nbrNum[i]!, nbrNum[j]!)
      if (c) return c
      c = lexCompare(revisited[i]!, revisited[j]!)
      if (c) return c
      updateNbrClasses(i)
      updateNbrClasses(j)
      c = compareHolderLists(i, j)
      if (c) return c
      return cmpNum(degreeOf(i), degreeOf(j))
    }
    activatePartitions()
    refinePartitions(symmetryCompare)
  }

  breakTies(atomCompare)
  for (let i = 0; i < n; i++) res[i] = cls[i]!
  return res
}
