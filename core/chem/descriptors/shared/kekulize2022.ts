/**
 * RDKit 2022.09's Kekulé assignment (what `Chem.Kekulize` gives mordred), which MinimalLib 2026.09 does not
 * reproduce: on 162 of 693 oracle molecules its JSON Kekulé form differs. Written for this project from RDKit's
 * documented algorithm (Kekulize.cpp, 2021 revision: candidate marking, then a breadth-first walk that puts a
 * double bond from each candidate atom to its first candidate neighbour, backtracking over the recorded
 * alternatives when an atom is left without partner).
 *
 * What decides the outcome besides the graph: the order in which the walk meets the atoms of each fused ring
 * system — the system's rings in RDKit's ring list, each ring's atoms in its listed order. RDKit 2022.09's ring
 * perception (FindSSSR) lists rings in waves: once acyclic tails are trimmed, the rings through degree-2 atoms,
 * by their lowest such atom; then those atoms are removed and the next wave's degree-2 atoms find the rest (a
 * perylene core's central ring). Each ring starts at the atom that found it and runs the way its breadth-first
 * search closes it. Checked against RDKit 2022.09 on every oracle molecule (test/descriptors/kekule.test.ts)
 * and the swept datasets (perylene diimides egc_02496/7 needed the waves and the ring direction).
 */
import { DEFAULT_VALENCE, isEarlyAtom, VALENCE_LIST } from "./elements.ts"
import type { DescriptorInput } from "./input.ts"

const MAX_BACKTRACKS = 100

/** Kekulé bond orders (1, 2, 3) as RDKit 2022.09 assigns them; null when the walk fails (RDKit would throw). */
export const kekulize2022 = (inp: DescriptorInput): Uint8Array | null => {
  const n = inp.atomicNum.length
  const nb = inp.bondBegin.length
  const order = new Uint8Array(nb)
  // start from the non-aromatic orders; aromatic bonds are decided below
  for (let b = 0; b < nb; b++) order[b] = inp.bondAromatic[b] ? 1 : inp.bondKekule[b]!
  if (!inp.bondAromatic.some((x) => x === 1)) return order

  // adjacency in RDKit's per-atom bond order (bond index order)
  const nbrStart = new Int32Array(n + 1)
  for (let b = 0; b < nb; b++) {
    nbrStart[inp.bondBegin[b]! + 1]!++
    nbrStart[inp.bondEnd[b]! + 1]!++
  }
  for (let i = 0; i < n; i++) nbrStart[i + 1] = nbrStart[i + 1]! + nbrStart[i]!
  const fill = nbrStart.slice(0, n)
  const nbrAtom = new Int32Array(2 * nb)
  const nbrBond = new Int32Array(2 * nb)
  for (let b = 0; b < nb; b++) {
    const u = inp.bondBegin[b]!
    const v = inp.bondEnd[b]!
    nbrAtom[fill[u]!] = v
    nbrBond[fill[u]!++] = b
    nbrAtom[fill[v]!] = u
    nbrBond[fill[v]!++] = b
  }
  const bondBetween = (u: number, v: number): number => {
    for (let x = nbrStart[u]!; x < nbrStart[u + 1]!; x++) if (nbrAtom[x] === v) return nbrBond[x]!
    return -1
  }

  // RDKit 2022.09's ring order (FindSSSR): strip degree-1 atoms (acyclic tails); the rings through the
  // degree-2 atoms come first, by their lowest such atom; then those atoms are removed, tails stripped
  // again, and the next wave's degree-2 atoms find the rings left (a perylene core's central ring)
  const tdeg = new Int32Array(n)
  for (let i = 0; i < n; i++) tdeg[i] = nbrStart[i + 1]! - nbrStart[i]!
  const removed = new Uint8Array(n)
  const strip = (from: number[]) => {
    const stack = from.filter((i) => !removed[i] && tdeg[i]! <= 1)
    while (stack.length) {
      const u = stack.pop()!
      if (removed[u]) continue
      removed[u] = 1
      for (let x = nbrStart[u]!; x < nbrStart[u + 1]!; x++) {
        const v = nbrAtom[x]!
        if (removed[v]) continue
        tdeg[v]!--
        if (tdeg[v]! <= 1) stack.push(v)
      }
    }
  }
  strip(Array.from({ length: n }, (_, i) => i))
  const ringSets = inp.atomRings.map((r) => new Set(r))
  const waveOf = new Int32Array(inp.atomRings.length).fill(-1)
  const keyAtom = new Int32Array(inp.atomRings.length).fill(-1)
  for (let wave = 0; waveOf.includes(-1); wave++) {
    const d2: number[] = []
    for (let i = 0; i < n; i++) if (!removed[i] && tdeg[i] === 2) d2.push(i)
    if (d2.length === 0) break
    for (const a of d2)
      ringSets.forEach((r, k) => {
        if (waveOf[k] === -1 && r.has(a)) {
          waveOf[k] = wave
          keyAtom[k] = a
        }
      })
    const touched: number[] = []
    for (const a of d2) {
      removed[a] = 1
      for (let x = nbrStart[a]!; x < nbrStart[a + 1]!; x++) {
        const v = nbrAtom[x]!
        if (removed[v]) continue
        tdeg[v]!--
        touched.push(v)
      }
    }
    strip(touched)
  }
  // rings no wave reached (no degree-2 atom ever): last, by their lowest atom
  const lastWave = Math.max(0, ...waveOf) + 1
  inp.atomRings.forEach((r, k) => {
    if (waveOf[k] !== -1) return
    waveOf[k] = lastWave
    keyAtom[k] = Math.min(...r)
  })
  // each ring as FindSSSR's breadth-first search from its key atom writes it: from the root, an even ring
  // goes first towards the root's later ring neighbour (in bond order), an odd ring towards the earlier
  // one (the branch that closes the ring is the one searched second, resp. first)
  const rings = inp.atomRings.map((r, k) => {
    const len = r.length
    const i = r.indexOf(keyAtom[k]!)
    const next = r[(i + 1) % len]!
    const prev = r[(i - 1 + len) % len]!
    let firstNeighbour = -1
    const root = r[i]!
    for (let x = nbrStart[root]!; x < nbrStart[root + 1]! && firstNeighbour < 0; x++) {
      const v = nbrAtom[x]!
      if (v === next || v === prev) firstNeighbour = v
    }
    const towards = len % 2 === 0 ? (firstNeighbour === next ? prev : next) : firstNeighbour
    const step = towards === next ? 1 : -1
    return Array.from({ length: len }, (_, j) => r[(((i + step * j) % len) + len) % len]!)
  })
  const ringOrder = rings.map((_, i) => i).sort((a, b) => waveOf[a]! - waveOf[b]! || keyAtom[a]! - keyAtom[b]! || a - b)
  const arings = ringOrder.map((i) => rings[i]!)
  const ringBonds = arings.map((r) => new Set(r.map((a, i) => bondBetween(a, r[(i + 1) % r.length]!))))
  // fused systems: rings sharing a bond, picked depth-first from the first unprocessed ring
  const neigh: number[][] = arings.map(() => [])
  for (let i = 0; i < arings.length; i++)
    for (let j = i + 1; j < arings.length; j++) {
      let shared = false
      for (const b of ringBonds[i]!) if (ringBonds[j]!.has(b)) shared = true
      if (shared) {
        neigh[i]!.push(j)
        neigh[j]!.push(i)
      }
    }
  const fusDone = new Uint8Array(arings.length)
  const pick = (r: number, out: number[]) => {
    fusDone[r] = 1
    out.push(r)
    for (const s of neigh[r]!) if (!fusDone[s]) pick(s, out)
  }
  for (let r = 0; r < arings.length; r++) {
    if (fusDone[r]) continue
    const fused: number[] = []
    pick(r, fused)
    const allAtms: number[] = []
    const inAll = new Uint8Array(n)
    for (const ri of fused)
      for (const a of arings[ri]!)
        if (!inAll[a]) {
          inAll[a] = 1
          allAtms.push(a)
        }
    if (!kekulizeFused(allAtms, inAll)) return null
  }
  return order

  function kekulizeFused(allAtms: number[], inAll: Uint8Array): boolean {
    if (!allAtms.some((a) => inp.aromaticAtom[a] || inp.atomicNum[a] === 0)) return true
    const cands = new Uint8Array(n)
    const done: number[] = []
    for (const a of allAtms) {
      if (!inp.aromaticAtom[a]) {
        done.push(a)
        continue
      }
      let sbo = 0
      let tbo = 0
      for (let x = nbrStart[a]!; x < nbrStart[a + 1]!; x++) {
        const b = nbrBond[x]!
        if (inp.bondAromatic[b]) {
          sbo += 1
          tbo += 1.5
        } else {
          sbo += inp.bondKekule[b]!
          tbo += inp.bondKekule[b]!
        }
      }
      const h = inp.hCount[a]!
      sbo += h
      const z = inp.atomicNum[a]!
      let chg = inp.formalCharge[a]!
      if (isEarlyAtom(z)) chg = -chg
      if (z === 6 && chg > 0) chg = -chg
      const vl = VALENCE_LIST[z] ?? []
      // RDKit's explicit valence of an aromatic atom: a bond-order sum above the default valence is brought
      // down to the closest allowed valence below it (within 1.5), then rounded (x.5 up)
      let accum = tbo
      if (accum > DEFAULT_VALENCE[z]! + chg) {
        let pval = DEFAULT_VALENCE[z]! + chg
        for (const v of vl) {
          if (v === -1) break
          if (v + chg > accum) break
          pval = v + chg
        }
        if (accum - pval <= 1.5) accum = pval
      }
      const totalValence = Math.round(accum + 0.1) + h
      let dv = DEFAULT_VALENCE[z]! + chg
      for (let vi = 1; totalValence > dv && vi < vl.length && vl[vi]! > 0; vi++) dv = vl[vi]! + chg
      const degree = nbrStart[a + 1]! - nbrStart[a]!
      const rad = inp.radicals[a]!
      // implicit H count stands for RDKit's implicit valence (explicit H counts are no longer separate here)
      if (degree + h + rad >= dv) continue
      if (dv === sbo + 1 + rad) cands[a] = 1
    }
    // aromatic bonds of the system start single
    for (const a of allAtms)
      for (let x = nbrStart[a]!; x < nbrStart[a + 1]!; x++) if (inp.bondAromatic[nbrBond[x]!]) order[nbrBond[x]!] = 1
    return worker(allAtms, inAll, cands, done)
  }

  function worker(allAtms: number[], inAll: Uint8Array, cands: Uint8Array, done: number[]): boolean {
    const astack: number[] = []
    const options = new Map<number, number[]>()
    const dAdds = new Uint8Array(nb)
    const local = new Uint8Array(nb)
    const isDone = new Uint8Array(n)
    for (const a of done) isDone[a] = 1
    const btmoves: number[] = []
    let lastOpt = -1
    let numBT = 0
    while (done.length < allAtms.length || astack.length) {
      let curr = -1
      if (astack.length) curr = astack.shift()!
      else for (const a of allAtms) if (!isDone[a]) {
        curr = a
        break
      }
      if (curr < 0) return false
      done.push(curr)
      isDone[curr] = 1
      let opts: number[]
      const cCand = cands[curr] === 1
      const stored = options.get(curr)
      if (stored !== undefined) opts = stored.slice()
      else {
        opts = []
        const lstack: number[] = []
        for (let x = nbrStart[curr]!; x < nbrStart[curr + 1]!; x++) {
          const v = nbrAtom[x]!
          if (isDone[v] || !inAll[v]) continue
          if (!astack.includes(v)) lstack.unshift(v)
          if (cCand && cands[v] && inp.bondAromatic[nbrBond[x]!]) opts.push(v)
        }
        astack.push(...lstack)
      }
      if (!cCand) continue
      if (opts.length) {
        const ncnd = opts.shift()!
        const b = bondBetween(curr, ncnd)
        order[b] = 2
        cands[curr] = 0
        cands[ncnd] = 0
        dAdds[b] = 1
        local[b] = 1
        if (options.has(curr)) {
          if (opts.length === 0) {
            options.delete(curr)
            btmoves.pop()
            lastOpt = btmoves.length ? btmoves[btmoves.length - 1]! : -1
          } else options.set(curr, opts)
        } else if (opts.length) {
          lastOpt = curr
          btmoves.push(curr)
          options.set(curr, opts)
        }
      } else if (inp.atomicNum[curr] !== 0) {
        if (lastOpt >= 0 && numBT < MAX_BACKTRACKS) {
          // back to lastOpt: atoms done from it on go back to the front of the queue, in done order
          const pos = done.indexOf(lastOpt)
          const undone = done.splice(pos)
          for (let i = undone.length - 1; i >= 0; i--) astack.unshift(undone[i]!)
          for (const a of undone) isDone[a] = 0
          for (let b = 0; b < nb; b++) {
            if (!dAdds[b]) continue
            const u = inp.bondBegin[b]!
            const v = inp.bondEnd[b]!
            if (!isDone[u] && !isDone[v]) {
              dAdds[b] = 0
              order[b] = 1
              cands[u] = 1
              cands[v] = 1
            }
          }
          numBT++
        } else {
          for (let b = 0; b < nb; b++) if (local[b]) order[b] = 1
          return false
        }
      }
    }
    return true
  }
}
