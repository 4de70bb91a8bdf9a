/**
 * SMARTS matching without a MinimalLib round trip where this engine can answer exactly, MinimalLib otherwise.
 *
 * Connected patterns (atoms, bonds, branches, ring closures, recursive `$(…)`) are matched here: every
 * embedding (RDKit's non-uniquified matches) is counted by backtracking from each atom, with the atom and bond
 * queries judged in three-valued logic from what the graph knows exactly — element, aromaticity, charge,
 * total H, h (H count without H neighbours), explicit degree D, total degree X, ring membership R, total
 * valence v of non-aromatic atoms; bond type and ring membership. Anything else (hybridization, ring sizes or
 * counts, valence of aromatic atoms, isotopes, chirality…) is "unknown", and an unknown met during a search
 * hands the whole pattern to MinimalLib, as does a search reaching the match cap (RDKit stops after
 * `maxMatches` matches; which ones it keeps is its business). Counting with `uniquify` is done here for one-
 * and two-atom patterns (distinct atom sets).
 *
 * Patterns MinimalLib answers are still skipped when no atom can be their first atom (a match maps it onto
 * some atom). test/descriptors/smarts-local.test.ts checks every pattern the families use against MinimalLib.
 */
import type { DescriptorContext } from "../context.ts"
import { SYMBOL } from "./elements.ts"
import type { Graph } from "./graph.ts"
import type { MatchOptions } from "./input.ts"

const F = 0
const T = 1
const U = 2
type V = 0 | 1 | 2

/** what the queries read of the H-suppressed molecule */
interface Target {
  readonly g: Graph
  readonly totalH: Int32Array
  readonly inRing: Uint8Array
  /** bond in a ring of RDKit's ring info (SMARTS `@`) */
  readonly bondInRing: Uint8Array
  /** total valence; NaN for aromatic atoms (RDKit's rules there are not reproduced) */
  readonly valence: Float64Array
  /** recursive SMARTS answers per atom (−1 not asked yet) */
  readonly recursive: Map<Pattern, Int8Array>
}

type Pred = (t: Target, i: number) => V
type BondPred = (t: Target, b: number) => V

const not = (p: Pred): Pred => (t, i) => {
  const v = p(t, i)
  return v === U ? U : v === T ? F : T
}
const and = <P extends (t: Target, i: number) => V>(ps: P[]): P =>
  ((t: Target, i: number) => {
    let r: V = T
    for (const p of ps) {
      const v = p(t, i)
      if (v === F) return F
      if (v === U) r = U
    }
    return r
  }) as P
const or = <P extends (t: Target, i: number) => V>(ps: P[]): P =>
  ((t: Target, i: number) => {
    let r: V = F
    for (const p of ps) {
      const v = p(t, i)
      if (v === T) return T
      if (v === U) r = U
    }
    return r
  }) as P
const unknown: Pred = () => U
const bool = (b: boolean): V => (b ? T : F)

const ELEMENT = new Map<string, number>()
SYMBOL.forEach((s, z) => {
  if (s && z > 0) ELEMENT.set(s, z)
})
/** two-letter symbols read as elements in brackets (those of the patterns in use); other pairs: unknown */
const TWO_LETTER = new Set(["Cl", "Br", "Si", "Li", "Be", "Ge", "As", "Se", "Sn", "Pb"])
const ORGANIC = new Map<string, number>([["B", 5], ["C", 6], ["N", 7], ["O", 8], ["P", 15], ["S", 16], ["F", 9], ["Cl", 17], ["Br", 35], ["I", 53]])
const AROMATIC = new Map<string, number>([["c", 6], ["n", 7], ["o", 8], ["s", 16], ["p", 15], ["b", 5], ["se", 34], ["as", 33]])

const explicitDegree = (g: Graph, i: number): number => g.nbrStart[i + 1]! - g.nbrStart[i]!

/** element; aromatic: true/false required, null = not constrained */
const element = (z: number, aromatic: boolean | null): Pred => (t, i) =>
  t.g.z[i] !== z ? F : aromatic === null ? T : bool((t.g.aromatic[i] === 1) === aromatic)

/** a bracket atom's content; null = not understood */
const parseBracket = (s: string): Pred | null => {
  let p = 0
  const digits = (): number | null => {
    const m = /^\d+/.exec(s.slice(p))
    if (m === null) return null
    p += m[0].length
    return Number(m[0])
  }
  const primitive = (): Pred | null => {
    const c = s[p]
    if (c === undefined) return null
    if (c === "*") {
      p++
      return () => T
    }
    if (c === "#") {
      p++
      const z = digits()
      return z === null ? null : element(z, null)
    }
    if (c === "$") {
      // recursive SMARTS: true where the inner pattern has a match with its first atom here
      if (s[p + 1] !== "(") return null
      let depth = 0
      let q = p + 1
      for (; q < s.length; q++) {
        if (s[q] === "(") depth++
        else if (s[q] === ")" && --depth === 0) break
      }
      if (q >= s.length) return null
      const inner = parsePattern(s.slice(p + 2, q))
      p = q + 1
      if (inner === null) return null
      return (t, i) => matchesAt(t, inner, i)
    }
    // two-letter element symbols ("[As]" is arsenic, not A & s); other upper+lower pairs and two-letter
    // aromatic symbols are not understood
    const two = s.slice(p, p + 2)
    if (two.length === 2 && two[1]! >= "a" && two[1]! <= "z") {
      if (c >= "A" && c <= "Z" && ELEMENT.has(two)) {
        if (!TWO_LETTER.has(two)) return null
        p += 2
        return element(ELEMENT.get(two)!, ORGANIC.has(two) ? false : null)
      }
      if (AROMATIC.has(two)) return null
    }
    if (c === "A" || c === "a") {
      p++
      const arom = c === "a"
      return (t, i) => bool((t.g.aromatic[i] === 1) === arom)
    }
    if (c === "H" || c === "D" || c === "X") {
      if (c === "H" && p === 0) return null // "[H…]" may name hydrogen itself
      p++
      const n = digits() ?? 1
      if (c === "H") return (t, i) => bool(t.totalH[i] === n)
      if (c === "D") return (t, i) => bool(explicitDegree(t.g, i) === n)
      return (t, i) => bool(explicitDegree(t.g, i) + t.g.hCount[i]! === n)
    }
    if (c === "R") {
      p++
      if (digits() !== null) return unknown // number of rings: not needed
      return (t, i) => bool(t.inRing[i] === 1)
    }
    if (c === "v") {
      p++
      const n = digits() ?? 1
      return (t, i) => {
        const v = t.valence[i]!
        return Number.isNaN(v) ? U : bool(v === n)
      }
    }
    if (c === "+" || c === "-") {
      const sign = c === "+" ? 1 : -1
      p++
      let n = digits()
      if (n === null) {
        n = 1
        while (s[p] === c) {
          n++
          p++
        }
      }
      const q = sign * n
      return (t, i) => bool(t.g.charge[i] === q)
    }
    if (c === "h") {
      // RDKit: h<n> = getTotalNumHs(false) == n (neighbour H atoms not counted), h = that count > 0
      p++
      const n = digits()
      return n === null ? (t, i) => bool(t.g.hCount[i]! > 0) : (t, i) => bool(t.g.hCount[i] === n)
    }
    if (c === "r" || c === "x" || c === "^") {
      p++
      digits()
      return unknown
    }
    if (c >= "a" && c <= "z") {
      if (!AROMATIC.has(c)) return null
      p++
      return element(AROMATIC.get(c)!, true)
    }
    if (c >= "A" && c <= "Z") {
      // upper case: the aliphatic element; outside the organic subset only the element is relied on
      if (!ELEMENT.has(c)) return null
      p++
      return element(ELEMENT.get(c)!, ORGANIC.has(c) ? false : null)
    }
    return null
  }
  // precedence: ! > & (and implicit) > , > ;
  const unary = (): Pred | null => {
    if (s[p] === "!") {
      p++
      const x = unary()
      return x === null ? null : not(x)
    }
    return primitive()
  }
  const high = (): Pred | null => {
    const xs: Pred[] = []
    for (;;) {
      const x = unary()
      if (x === null) return null
      xs.push(x)
      if (s[p] === "&") p++
      else if (p >= s.length || s[p] === "," || s[p] === ";") break
    }
    return xs.length === 1 ? xs[0]! : and(xs)
  }
  const orExpr = (): Pred | null => {
    const xs: Pred[] = []
    for (;;) {
      const x = high()
      if (x === null) return null
      xs.push(x)
      if (s[p] !== ",") break
      p++
    }
    return xs.length === 1 ? xs[0]! : or(xs)
  }
  const xs: Pred[] = []
  for (;;) {
    const x = orExpr()
    if (x === null) return null
    xs.push(x)
    if (s[p] !== ";") break
    p++
  }
  return p === s.length ? (xs.length === 1 ? xs[0]! : and(xs)) : null
}

const SINGLE = 1
const DOUBLE = 2
const TRIPLE = 3
const AROMATIC_BOND = 4
/** RDKit bond type of graph bond b (0: none of the four) */
const bondType = (g: Graph, b: number): number => {
  if (g.bondAromatic[b]) return AROMATIC_BOND
  const o = g.order[b]!
  return o === 1 ? SINGLE : o === 2 ? DOUBLE : o === 3 ? TRIPLE : 0
}

const bondIs = (want: number): BondPred => (t, b) => {
  const k = bondType(t.g, b)
  return k === 0 ? U : bool(k === want)
}
const BOND_PRIMITIVE: Readonly<Record<string, BondPred>> = {
  "-": bondIs(SINGLE),
  "=": bondIs(DOUBLE),
  "#": bondIs(TRIPLE),
  ":": bondIs(AROMATIC_BOND),
  "~": () => T,
  "@": (t, b) => bool(t.bondInRing[b] === 1),
  "/": () => U,
  "\\": () => U,
}

/** a bond expression (the characters between two atoms); null = not understood */
const parseBond = (s: string): BondPred | null => {
  if (s === "")
    return (t, b) => {
      const k = bondType(t.g, b)
      return k === 0 ? U : bool(k === SINGLE || k === AROMATIC_BOND)
    }
  // precedence: ! > & (and implicit) > , > ;
  const term = (x: string): BondPred | null => {
    const parts: BondPred[] = []
    for (let p = 0; p < x.length; ) {
      let negate = false
      while (x[p] === "!") {
        negate = !negate
        p++
      }
      const prim = BOND_PRIMITIVE[x[p++] ?? ""]
      if (prim === undefined) return null
      parts.push(negate ? (t, b) => {
        const v = prim(t, b)
        return v === U ? U : v === T ? F : T
      } : prim)
    }
    return parts.length === 0 ? null : parts.length === 1 ? parts[0]! : and(parts)
  }
  const split = (x: string, sep: string, inner: (y: string) => BondPred | null, combine: (ps: BondPred[]) => BondPred) => {
    const ps: BondPred[] = []
    for (const y of x.split(sep)) {
      const q = inner(y)
      if (q === null) return null
      ps.push(q)
    }
    return ps.length === 1 ? ps[0]! : combine(ps)
  }
  return split(s, ";", (a) => split(a, ",", (b) => split(b, "&", term, and), or), and)
}

interface Pattern {
  readonly atoms: Pred[]
  /** pattern atom k > 0 is bonded to parent[k] by bonds[k] */
  readonly parent: number[]
  readonly bonds: BondPred[]
  /** ring closures [a, b, bond], checked once both ends are placed (b > a) */
  readonly closures: [number, number, BondPred][]
}

/** index of the `]` closing the bracket atom that opens at `from` (brackets nest in recursive SMARTS) */
const closingBracket = (smarts: string, from: number): number => {
  let depth = 0
  for (let q = from; q < smarts.length; q++) {
    if (smarts[q] === "[") depth++
    else if (smarts[q] === "]" && --depth === 0) return q
  }
  return -1
}

/** one connected pattern (branches, ring closures); null when something is not understood */
function parsePattern(smarts: string): Pattern | null {
  const atoms: Pred[] = []
  const parent: number[] = []
  const bonds: BondPred[] = []
  const closures: [number, number, BondPred][] = []
  const open = new Map<number, [number, string]>()
  const branch: number[] = []
  let prev = -1
  let bond = ""
  let p = 0
  while (p < smarts.length) {
    const c = smarts[p]!
    if (c === "(") {
      if (prev < 0) return null
      branch.push(prev)
      p++
      continue
    }
    if (c === ")") {
      if (!branch.length) return null
      prev = branch.pop()!
      p++
      continue
    }
    if ("-=#:~@!,;&/\\".includes(c)) {
      bond += c
      p++
      continue
    }
    if ((c >= "0" && c <= "9") || c === "%") {
      // ring closure: the bond written at the closing digit, else the one at the opening digit
      if (prev < 0) return null
      let label: number
      if (c === "%") {
        label = Number(smarts.slice(p + 1, p + 3))
        p += 3
      } else {
        label = Number(c)
        p++
      }
      if (Number.isNaN(label)) return null
      const o = open.get(label)
      if (o === undefined) open.set(label, [prev, bond])
      else {
        open.delete(label)
        const b = parseBond(bond !== "" ? bond : o[1])
        if (b === null || o[0] === prev) return null
        closures.push([Math.min(o[0], prev), Math.max(o[0], prev), b])
      }
      bond = ""
      continue
    }
    let atom: Pred | null = null
    if (c === "[") {
      const end = closingBracket(smarts, p)
      if (end < 0) return null
      const body = smarts.slice(p + 1, end)
      if (/^\d/.test(body) || /:\d+$/.test(body)) return null // isotopes, atom maps (chirality: parseBracket)
      atom = parseBracket(body)
      p = end + 1
    } else if (c === "*") {
      atom = () => T
      p++
    } else if (c === "a" || c === "A") {
      const arom = c === "a"
      atom = (t, i) => bool((t.g.aromatic[i] === 1) === arom)
      p++
    } else {
      const two = smarts.slice(p, p + 2)
      if (ORGANIC.has(two) && two.length === 2) {
        atom = element(ORGANIC.get(two)!, false)
        p += 2
      } else if (ORGANIC.has(c)) {
        atom = element(ORGANIC.get(c)!, false)
        p++
      } else if (AROMATIC.has(c)) {
        atom = element(AROMATIC.get(c)!, true)
        p++
      } else return null // '.', anything else
    }
    if (atom === null) return null
    const k = atoms.length
    atoms.push(atom)
    if (k === 0) {
      if (bond !== "") return null
      parent.push(-1)
      bonds.push(() => T)
    } else {
      if (prev < 0) return null
      const b = parseBond(bond)
      if (b === null) return null
      parent.push(prev)
      bonds.push(b)
    }
    bond = ""
    prev = k
  }
  return atoms.length && !branch.length && !open.size && bond === "" ? { atoms, parent, bonds, closures } : null
}

/** the first atom's query of any pattern (unknown when not understood) */
const firstAtom = (smarts: string): Pred => {
  if (smarts.startsWith("[")) {
    const end = closingBracket(smarts, 0)
    if (end < 0) return unknown
    const body = smarts.slice(1, end)
    if (/^\d/.test(body) || /:\d+$/.test(body)) return unknown
    return parseBracket(body) ?? unknown
  }
  const two = smarts.slice(0, 2)
  if (ORGANIC.has(two)) return element(ORGANIC.get(two)!, false)
  const c = smarts[0] ?? ""
  if (c === "*") return () => T
  if (ORGANIC.has(c)) return element(ORGANIC.get(c)!, false)
  if (AROMATIC.has(c)) return element(AROMATIC.get(c)!, true)
  return unknown
}

interface Compiled {
  readonly first: Pred
  readonly pattern: Pattern | null
}
const compiled = new Map<string, Compiled>()
const compile = (smarts: string): Compiled => {
  let c = compiled.get(smarts)
  if (c === undefined) {
    c = { first: firstAtom(smarts), pattern: parsePattern(smarts) }
    compiled.set(smarts, c)
  }
  return c
}

const target = (ctx: DescriptorContext): Target =>
  ctx.cached("smarts:target", () => {
    const g = ctx.graph(false)
    const n = g.n
    const totalH = new Int32Array(n)
    const valence = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      let h = g.hCount[i]!
      let v = g.hCount[i]!
      for (let k = g.nbrStart[i]!; k < g.nbrStart[i + 1]!; k++) {
        if (g.z[g.nbrAtom[k]!] === 1) h++
        v += g.order[g.nbrBond[k]!]!
      }
      totalH[i] = h
      valence[i] = g.aromatic[i] ? NaN : v
    }
    const inRing = new Uint8Array(n)
    const bondInRing = new Uint8Array(g.nb)
    for (const r of ctx.input.atomRings)
      for (let k = 0; k < r.length; k++) {
        const a = r[k]!
        const b = r[(k + 1) % r.length]!
        inRing[a] = 1
        for (let x = g.nbrStart[a]!; x < g.nbrStart[a + 1]!; x++) if (g.nbrAtom[x] === b) bondInRing[g.nbrBond[x]!] = 1
      }
    return { g, totalH, inRing, bondInRing, valence, recursive: new Map() }
  })

/** the bond between atoms a and b (−1 when none) */
const bondBetween = (g: Graph, a: number, b: number): number => {
  for (let x = g.nbrStart[a]!; x < g.nbrStart[a + 1]!; x++) if (g.nbrAtom[x] === b) return g.nbrBond[x]!
  return -1
}

/**
 * Embeddings of `pat` with its first atom on atom `root`: their number (stopping once `limit` is reached),
 * or −1 when a query came out unknown on the way (an embedding found before that still counts for `limit` 1).
 */
const embeddingsFrom = (t: Target, pat: Pattern, root: number, limit: number): number => {
  const g = t.g
  const k = pat.atoms.length
  const v0 = pat.atoms[0]!(t, root)
  if (v0 === F) return 0
  if (v0 === U) return -1
  const image = new Int32Array(k)
  const used = new Uint8Array(g.n)
  let unknownSeen = false
  let found = 0
  image[0] = root
  used[root] = 1
  const closuresOk = (q: number): V => {
    let r: V = T
    for (const [a, b, bp] of pat.closures) {
      if (b !== q) continue
      const bond = bondBetween(g, image[a]!, image[b]!)
      if (bond < 0) return F
      const v = bp(t, bond)
      if (v === F) return F
      if (v === U) r = U
    }
    return r
  }
  const extend = (q: number): void => {
    if (q === k) {
      found++
      return
    }
    const from = image[pat.parent[q]!]!
    for (let x = g.nbrStart[from]!; x < g.nbrStart[from + 1]! && found < limit; x++) {
      const j = g.nbrAtom[x]!
      if (used[j]) continue
      const vb = pat.bonds[q]!(t, g.nbrBond[x]!)
      if (vb === F) continue
      const va = pat.atoms[q]!(t, j)
      if (va === F) continue
      if (vb === U || va === U) {
        unknownSeen = true
        continue
      }
      image[q] = j
      used[j] = 1
      const vc = pat.closures.length ? closuresOk(q) : T
      if (vc === T) extend(q + 1)
      else if (vc === U) unknownSeen = true
      used[j] = 0
    }
  }
  extend(1)
  return found >= limit || !unknownSeen ? found : -1
}

/** recursive SMARTS `$(pat)` at atom i, memoized per molecule */
const matchesAt = (t: Target, pat: Pattern, i: number): V => {
  let memo = t.recursive.get(pat)
  if (memo === undefined) {
    memo = new Int8Array(t.g.n).fill(-1)
    t.recursive.set(pat, memo)
  }
  let v = memo[i]!
  if (v < 0) {
    const c = embeddingsFrom(t, pat, i, 1)
    v = c < 0 ? U : c > 0 ? T : F
    memo[i] = v
  }
  return v as V
}

/**
 * Every embedding of the pattern: per atom, the number of embeddings with the first pattern atom there.
 * null when an unknown query was met or the total reached `cap`.
 */
const embeddings = (t: Target, pat: Pattern, cap: number): Int32Array | null => {
  const n = t.g.n
  const perAtom = new Int32Array(n)
  let total = 0
  for (let i = 0; i < n; i++) {
    const c = embeddingsFrom(t, pat, i, cap - total)
    if (c < 0) return null
    perAtom[i] = c
    total += c
    if (total >= cap) return null
  }
  return perAtom
}

/** RDKit's uniquified match count: distinct atom sets among the embeddings (null: unknown met or cap reached) */
const uniqueCount = (t: Target, pat: Pattern, cap: number): number | null => {
  if (pat.atoms.length === 1) {
    const per = embeddings(t, pat, cap)
    if (per === null) return null
    let c = 0
    for (let i = 0; i < per.length; i++) c += per[i]!
    return c
  }
  if (pat.atoms.length !== 2 || pat.closures.length) return null
  // two atoms: an embedding is an ordered pair (i, j); its atom set {i, j}
  const g = t.g
  let raw = 0
  const seen = new Set<number>()
  for (let i = 0; i < g.n; i++) {
    const v0 = pat.atoms[0]!(t, i)
    if (v0 === F) continue
    if (v0 === U) return null
    for (let x = g.nbrStart[i]!; x < g.nbrStart[i + 1]!; x++) {
      const j = g.nbrAtom[x]!
      const vb = pat.bonds[1]!(t, g.nbrBond[x]!)
      if (vb === F) continue
      const va = pat.atoms[1]!(t, j)
      if (va === F) continue
      if (vb === U || va === U) return null
      if (++raw >= cap) return null
      seen.add(i < j ? i * g.n + j : j * g.n + i)
    }
  }
  return seen.size
}

/** false when no atom of the graph (restricted to `candidates` if given) can be the pattern's first atom */
export const mayMatch = (ctx: DescriptorContext, smarts: string, candidates?: Uint8Array): boolean => {
  const t = target(ctx)
  const p = compile(smarts).first
  for (let i = 0; i < t.g.n; i++) if ((candidates === undefined || candidates[i]) && p(t, i) !== F) return true
  return false
}

const NONE = new Int32Array(0)

/** RDKit's `len(GetSubstructMatches(q, uniquify, maxMatches))`; NaN without SMARTS matching */
export const countMatches = (ctx: DescriptorContext, smarts: string, opts: MatchOptions = {}): number => {
  const s = ctx.input.smarts
  if (s === null) return NaN
  if (!mayMatch(ctx, smarts)) return 0
  const uniquify = opts.uniquify ?? true
  const cap = opts.maxMatches ?? 1000
  const c = compile(smarts)
  if (c.pattern !== null) {
    if (uniquify) {
      const u = uniqueCount(target(ctx), c.pattern, cap)
      if (u !== null) return u
    } else {
      const per = embeddings(target(ctx), c.pattern, cap)
      if (per !== null) {
        let total = 0
        for (let i = 0; i < per.length; i++) total += per[i]!
        return total
      }
    }
  }
  return s.count(smarts, opts)
}

/** distinct first atoms of RDKit's matches (ascending); null without SMARTS matching */
export const matchAtoms = (ctx: DescriptorContext, smarts: string, opts: MatchOptions = {}, candidates?: Uint8Array): Int32Array | null => {
  const s = ctx.input.smarts
  if (s === null) return null
  if (!mayMatch(ctx, smarts, candidates)) return NONE
  const uniquify = opts.uniquify ?? true
  const cap = opts.maxMatches ?? 1000
  const c = compile(smarts)
  if (c.pattern !== null && (!uniquify || c.pattern.atoms.length === 1)) {
    const per = embeddings(target(ctx), c.pattern, cap)
    if (per !== null) {
      let m = 0
      for (let i = 0; i < per.length; i++) if (per[i]! > 0) m++
      const out = new Int32Array(m)
      m = 0
      for (let i = 0; i < per.length; i++) if (per[i]! > 0) out[m++] = i
      return out
    }
  }
  return s.atoms(smarts, opts)
}
