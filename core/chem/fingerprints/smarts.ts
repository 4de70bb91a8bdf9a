/**
 * The SMARTS subset RDKit's MACCS keys are written in, parsed and matched with RDKit's semantics
 * (`SmartsToMol` + `SubstructMatch`, no chirality, recursion on):
 *
 * - atoms: `*`, `#n`, aliphatic / aromatic element symbols (`C`, `c`, `Cl`, …), `a`, `A`, `H<n>` (total
 *   hydrogen count, hydrogen neighbours included), `R` (in a ring; `R<n>`: in n rings), `+<n>` / `-<n>`
 *   (formal charge), `$(…)` (recursive: the pattern matches with its first atom here); `!`, implicit and
 *   `&` (high-precedence and), `,` (or), `;` (low-precedence and);
 * - bonds: unwritten = single or aromatic, `-` `=` `#` `:` `~` `@` (in a ring), with `!` and implicit and;
 *   ring closures (a closure takes the bond written at its closing digit, else the one at its opening);
 * - matches are subgraph monomorphisms; `countUnique` counts distinct atom sets (RDKit's uniquify).
 *
 * Ring membership is read from the target's ring counts (RDKit's RingInfo: an atom or bond is in a
 * ring of the SSSR iff it lies on a cycle). A pattern atom or bond on a pattern cycle can only map onto
 * a ring atom or bond of a ring system at least as large as the pattern's cycle system, which prunes
 * the search.
 *
 * Speed: every distinct atom expression (and bond expression) is evaluated once per target for all its
 * atoms (bonds); searches then read those arrays.
 */

/** What the matcher reads of a molecule (a `Molecule` or an oligomer built for fingerprints). */
export interface SmartsTarget {
  readonly numAtoms: number
  readonly numBonds: number
  readonly atomicNum: Uint8Array
  readonly aromatic: Uint8Array
  /** total hydrogen count, explicit hydrogen neighbours included (RDKit getTotalNumHs(true)) */
  readonly hCount: Uint8Array
  readonly formalCharge: Int8Array
  /** number of SSSR rings through each atom */
  readonly atomRings: Uint8Array
  /** RDKit BondType values */
  readonly bondType: Uint8Array
  readonly bondInRing: Uint8Array
  readonly adjStart: Int32Array
  readonly adjAtom: Int32Array
  readonly adjBond: Int32Array
}

const SINGLE = 1
const DOUBLE = 2
const TRIPLE = 3
const AROMATIC = 12

type AtomFn = (c: Context, a: number) => boolean
type BondFn = (t: SmartsTarget, b: number) => boolean

/** A distinct atom expression: evaluated for every atom of a target at once. */
interface AtomTest {
  readonly id: number
  readonly fn: AtomFn
  /** recursive patterns it uses (prepared before it is evaluated) */
  readonly uses: readonly SmartsPattern[]
}
interface BondTest {
  readonly id: number
  readonly fn: BondFn
}

export interface SmartsPattern {
  /** index of the pattern's per-target data in a Context */
  readonly id: number
  readonly source: string
  readonly n: number
  readonly atoms: readonly AtomTest[]
  /** per pattern atom i > 0: the earlier atom it hangs from and the test of that bond */
  readonly parent: Int32Array
  readonly parentBond: readonly BondTest[]
  /** per pattern atom: extra bonds to earlier atoms (ring closures) as [other, test] */
  readonly closures: readonly (readonly [number, BondTest])[][]
  /** per pattern atom: size of its pattern cycle system (0: on no cycle) */
  readonly cycleSystem: Int32Array
  /** per pattern atom i > 0: whether its parent bond is on a pattern cycle */
  readonly parentOnCycle: Uint8Array
  /** per pattern atom: its number of pattern bonds (a target atom needs at least as many) */
  readonly degree: Int32Array
}

const atomTests = new Map<string, AtomTest>()
const bondTests = new Map<string, BondTest>()
let atomTestCount = 0
let bondTestCount = 0
let patternCount = 0

const atomTest = (key: string, fn: AtomFn, uses: readonly SmartsPattern[]): AtomTest => {
  let t = atomTests.get(key)
  if (t === undefined) atomTests.set(key, (t = { id: atomTestCount++, fn, uses }))
  return t
}
const bondTest = (key: string, fn: BondFn): BondTest => {
  let t = bondTests.get(key)
  if (t === undefined) bondTests.set(key, (t = { id: bondTestCount++, fn }))
  return t
}

const ORGANIC: Record<string, number> = { B: 5, C: 6, N: 7, O: 8, P: 15, S: 16, F: 9, Cl: 17, Br: 35, I: 53 }
const AROMATIC_SYMBOL: Record<string, number> = { b: 5, c: 6, n: 7, o: 8, p: 15, s: 16 }

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9"

/** Recursive-descent parser of one atom expression (in brackets) or bond expression. */
class ExprParser {
  i = 0
  readonly uses: SmartsPattern[] = []
  constructor(readonly s: string) {}
  peek(): string | undefined {
    return this.s[this.i]
  }
  digits(): number | undefined {
    if (!isDigit(this.peek())) return undefined
    let n = 0
    while (isDigit(this.peek())) n = n * 10 + Number(this.s[this.i++])
    return n
  }
  fail(what: string): never {
    throw new SyntaxError(`SMARTS ${this.s}: ${what} at ${this.i}`)
  }

  // ---- atoms: ';' < ',' < '&'/implicit < '!'
  atomExpr(): AtomFn {
    let left = this.atomOr()
    while (this.peek() === ";") {
      this.i++
      const l = left
      const r = this.atomOr()
      left = (c, a) => l(c, a) && r(c, a)
    }
    return left
  }
  atomOr(): AtomFn {
    let left = this.atomAnd()
    while (this.peek() === ",") {
      this.i++
      const l = left
      const r = this.atomAnd()
      left = (c, a) => l(c, a) || r(c, a)
    }
    return left
  }
  atomAnd(): AtomFn {
    let left = this.atomNot()
    for (;;) {
      const c = this.peek()
      if (c === "&") this.i++
      else if (c === undefined || c === "]" || c === "," || c === ";") return left
      const l = left
      const r = this.atomNot()
      left = (ctx, a) => l(ctx, a) && r(ctx, a)
    }
  }
  atomNot(): AtomFn {
    if (this.peek() === "!") {
      this.i++
      const inner = this.atomNot()
      return (c, a) => !inner(c, a)
    }
    return this.atomPrimitive()
  }
  atomPrimitive(): AtomFn {
    const s = this.s
    const c = this.peek()
    if (c === "#") {
      this.i++
      const z = this.digits() ?? this.fail("atomic number")
      return (ctx, a) => ctx.t.atomicNum[a] === z
    }
    if (c === "*") {
      this.i++
      return () => true
    }
    if (c === "a") {
      this.i++
      return (ctx, a) => ctx.t.aromatic[a] === 1
    }
    if (c === "A") {
      this.i++
      return (ctx, a) => ctx.t.aromatic[a] === 0
    }
    if (c === "H") {
      this.i++
      const n = this.digits() ?? 1
      return (ctx, a) => ctx.t.hCount[a] === n
    }
    if (c === "R") {
      this.i++
      const n = this.digits()
      return n === undefined ? (ctx, a) => ctx.t.atomRings[a]! > 0 : (ctx, a) => ctx.t.atomRings[a] === n
    }
    if (c === "+" || c === "-") {
      this.i++
      let n = this.digits()
      if (n === undefined) {
        n = 1
        while (this.peek() === c) {
          this.i++
          n++
        }
      }
      const chg = (c === "+" ? 1 : -1) * n
      return (ctx, a) => ctx.t.formalCharge[a] === chg
    }
    if (c === "$") {
      if (s[this.i + 1] !== "(") this.fail("expected $(")
      this.i += 2
      const start = this.i
      let depth = 1
      while (this.i < s.length && depth > 0) {
        if (s[this.i] === "(") depth++
        else if (s[this.i] === ")") depth--
        this.i++
      }
      if (depth !== 0) this.fail("unclosed $(")
      const sub = parseSmarts(s.slice(start, this.i - 1))
      this.uses.push(sub)
      // the roots are computed before this test is evaluated (evalAtomTest)
      return (ctx, a) => ctx.roots[sub.id * ctx.t.numAtoms + a] === 1
    }
    const two = s.slice(this.i, this.i + 2)
    if (two.length === 2 && ORGANIC[two] !== undefined) {
      this.i += 2
      const z = ORGANIC[two]!
      return (ctx, a) => ctx.t.atomicNum[a] === z && ctx.t.aromatic[a] === 0
    }
    if (c !== undefined && ORGANIC[c] !== undefined) {
      this.i++
      const z = ORGANIC[c]!
      return (ctx, a) => ctx.t.atomicNum[a] === z && ctx.t.aromatic[a] === 0
    }
    if (c !== undefined && AROMATIC_SYMBOL[c] !== undefined) {
      this.i++
      const z = AROMATIC_SYMBOL[c]!
      return (ctx, a) => ctx.t.atomicNum[a] === z && ctx.t.aromatic[a] === 1
    }
    return this.fail(`unsupported atom primitive '${c}'`)
  }

  // ---- bonds: implicit and of optionally negated primitives
  bondExpr(): BondFn {
    const parts: BondFn[] = []
    while (this.i < this.s.length) {
      let neg = false
      if (this.peek() === "!") {
        neg = true
        this.i++
      }
      const p = this.peek()
      let prim: BondFn
      if (p === "~") prim = () => true
      else if (p === "-") prim = (t, b) => t.bondType[b] === SINGLE
      else if (p === "=") prim = (t, b) => t.bondType[b] === DOUBLE
      else if (p === "#") prim = (t, b) => t.bondType[b] === TRIPLE
      else if (p === ":") prim = (t, b) => t.bondType[b] === AROMATIC
      else if (p === "@") prim = (t, b) => t.bondInRing[b] === 1
      else this.fail(`unsupported bond primitive '${p}'`)
      this.i++
      parts.push(neg ? (t, b) => !prim(t, b) : prim)
    }
    if (parts.length === 1) return parts[0]!
    return (t, b) => parts.every((p) => p(t, b))
  }
}

const DEFAULT_BOND = "(default)"
const bondTestOf = (text: string | undefined): BondTest =>
  text === undefined
    ? bondTest(DEFAULT_BOND, (t, b) => t.bondType[b] === SINGLE || t.bondType[b] === AROMATIC)
    : bondTest(text, new ExprParser(text).bondExpr())

const atomTestOf = (text: string, bracket: boolean): AtomTest => {
  const key = bracket ? `[${text}]` : text
  const known = atomTests.get(key)
  if (known !== undefined) return known
  const p = new ExprParser(text)
  const fn = bracket ? p.atomExpr() : p.atomPrimitive()
  if (p.i !== text.length) p.fail("trailing text")
  return atomTest(key, fn, p.uses)
}

/** Parses a SMARTS of the supported subset. */
export const parseSmarts = (source: string): SmartsPattern => {
  const s = source
  const atoms: AtomTest[] = []
  const bonds: { a: number; b: number; test: BondTest }[] = []
  const branch: number[] = []
  const rings = new Map<number, { atom: number; bond: string | undefined }>()
  let prev = -1
  let pending: string | undefined
  let i = 0
  const fail = (what: string): never => {
    throw new SyntaxError(`SMARTS ${s}: ${what} at ${i}`)
  }
  const addAtom = (t: AtomTest) => {
    const idx = atoms.length
    atoms.push(t)
    if (prev >= 0) bonds.push({ a: prev, b: idx, test: bondTestOf(pending) })
    pending = undefined
    prev = idx
  }
  while (i < s.length) {
    const c = s[i]!
    if (c === "(") {
      branch.push(prev)
      i++
    } else if (c === ")") {
      prev = branch.pop() ?? fail("unbalanced )")
      i++
    } else if (c === "[") {
      // the matching ']' (recursive SMARTS nest brackets)
      let depth = 0
      let j = i
      for (; j < s.length; j++) {
        if (s[j] === "[") depth++
        else if (s[j] === "]" && --depth === 0) break
      }
      if (j === s.length) fail("unclosed [")
      addAtom(atomTestOf(s.slice(i + 1, j), true))
      i = j + 1
    } else if (isDigit(c) || c === "%") {
      let num: number
      if (c === "%") {
        num = Number(s.slice(i + 1, i + 3))
        i += 3
      } else {
        num = Number(c)
        i++
      }
      const open = rings.get(num)
      if (open === undefined) rings.set(num, { atom: prev, bond: pending })
      else {
        rings.delete(num)
        bonds.push({ a: open.atom, b: prev, test: bondTestOf(pending ?? open.bond) })
      }
      pending = undefined
    } else if ("~-=#:@!".includes(c)) {
      let j = i
      while (j < s.length && "~-=#:@!".includes(s[j]!)) j++
      pending = s.slice(i, j)
      i = j
    } else {
      const two = s.slice(i, i + 2)
      const sym = two === "Cl" || two === "Br" ? two : c
      addAtom(atomTestOf(sym, false))
      i += sym.length
    }
  }
  if (rings.size > 0 || branch.length > 0) fail("unclosed ring or branch")
  const n = atoms.length
  if (n > MAX_PATTERN_ATOMS) fail(`more than ${MAX_PATTERN_ATOMS} atoms`)
  const parent = new Int32Array(n).fill(-1)
  const parentBond: BondTest[] = new Array(n).fill(bondTestOf(undefined))
  const parentBondIndex = new Int32Array(n).fill(-1)
  const closures: [number, BondTest][][] = Array.from({ length: n }, () => [])
  bonds.forEach((bd, k) => {
    const hi = Math.max(bd.a, bd.b)
    const lo = Math.min(bd.a, bd.b)
    if (parent[hi] === -1) {
      parent[hi] = lo
      parentBond[hi] = bd.test
      parentBondIndex[hi] = k
    } else closures[hi]!.push([lo, bd.test])
  })
  for (let a = 1; a < n; a++) if (parent[a] === -1) throw new SyntaxError(`SMARTS ${source}: disconnected atom ${a}`)
  // pattern cycles: a bond is on a cycle iff it is not a bridge
  const adj: number[][] = Array.from({ length: n }, () => [])
  bonds.forEach((bd, k) => {
    adj[bd.a]!.push(k)
    adj[bd.b]!.push(k)
  })
  const connectedWithout = (skip: number, from: number, to: number): boolean => {
    const seen = new Uint8Array(n)
    const stack = [from]
    seen[from] = 1
    while (stack.length) {
      const x = stack.pop()!
      if (x === to) return true
      for (const k of adj[x]!) {
        if (k === skip) continue
        const y = bonds[k]!.a === x ? bonds[k]!.b : bonds[k]!.a
        if (!seen[y]) {
          seen[y] = 1
          stack.push(y)
        }
      }
    }
    return false
  }
  const onCycle = bonds.map((bd, k) => connectedWithout(k, bd.a, bd.b))
  // cycle systems: atoms joined by cycle bonds
  const comp = Int32Array.from({ length: n }, (_, k) => k)
  const find = (x: number): number => {
    while (comp[x] !== x) x = comp[x] = comp[comp[x]!]!
    return x
  }
  const cyc = new Uint8Array(n)
  bonds.forEach((bd, k) => {
    if (!onCycle[k]) return
    cyc[bd.a] = 1
    cyc[bd.b] = 1
    comp[find(bd.a)] = find(bd.b)
  })
  const size = new Int32Array(n)
  for (let a = 0; a < n; a++) if (cyc[a]) size[find(a)]!++
  const cycleSystem = new Int32Array(n)
  for (let a = 0; a < n; a++) if (cyc[a]) cycleSystem[a] = size[find(a)]!
  const parentOnCycle = new Uint8Array(n)
  for (let a = 1; a < n; a++) parentOnCycle[a] = onCycle[parentBondIndex[a]!] ? 1 : 0
  const degree = new Int32Array(n)
  for (const bd of bonds) {
    degree[bd.a]!++
    degree[bd.b]!++
  }
  return { id: patternCount++, source, n, atoms, parent, parentBond, closures, cycleSystem, parentOnCycle, degree }
}

/**
 * A target with its per-expression results, filled on demand: every atom test's result for every atom
 * in one flat array (test id × atoms), bond tests likewise, the roots of recursive patterns, and one set
 * of search buffers (searches never nest: a pattern's tests, recursive ones included, are all evaluated
 * before its search starts).
 */
export interface Context {
  readonly t: SmartsTarget
  /** atom test id × numAtoms → 0/1 */
  readonly atomPass: Uint8Array
  /** per atom test id: −1 not evaluated, else the number of passing atoms */
  readonly atomPassCount: Int32Array
  /** bond test id × numBonds → 0/1 */
  readonly bondPass: Uint8Array
  readonly bondDone: Uint8Array
  /** atoms in the target's ring system (ring bonds joined), 0 outside rings */
  readonly ringSystem: Int32Array
  /** per pattern id: 1 compiled, 2 impossible (some atom has no candidate), 0 not yet */
  readonly compiled: Uint8Array
  /** recursive pattern id × numAtoms → 0/1, with rootsDone */
  readonly roots: Uint8Array
  readonly rootsDone: Uint8Array
  readonly map: Int32Array
  readonly used: Uint8Array
}

const MAX_PATTERN_ATOMS = 64

/** A matching context for one target (compile the patterns first: the buffers are sized by their counts). */
export const smartsContext = (t: SmartsTarget): Context => {
  const n = t.numAtoms
  const comp = new Int32Array(n)
  for (let k = 0; k < n; k++) comp[k] = k
  const find = (x: number): number => {
    while (comp[x] !== x) x = comp[x] = comp[comp[x]!]!
    return x
  }
  for (let a = 0; a < n; a++)
    for (let k = t.adjStart[a]!; k < t.adjStart[a + 1]!; k++) if (t.bondInRing[t.adjBond[k]!]) comp[find(a)] = find(t.adjAtom[k]!)
  const size = new Int32Array(n)
  for (let a = 0; a < n; a++) if (t.atomRings[a]) size[find(a)]!++
  const ringSystem = new Int32Array(n)
  for (let a = 0; a < n; a++) if (t.atomRings[a]) ringSystem[a] = size[find(a)]!
  return {
    t,
    atomPass: new Uint8Array(atomTestCount * n),
    atomPassCount: new Int32Array(atomTestCount).fill(-1),
    bondPass: new Uint8Array(bondTestCount * t.numBonds),
    bondDone: new Uint8Array(bondTestCount),
    ringSystem,
    compiled: new Uint8Array(patternCount),
    roots: new Uint8Array(patternCount * n),
    rootsDone: new Uint8Array(patternCount),
    map: new Int32Array(MAX_PATTERN_ATOMS),
    used: new Uint8Array(n),
  }
}

/** Evaluates an atom test on every atom (its recursive patterns first); returns the passing count. */
const evalAtomTest = (ctx: Context, test: AtomTest): number => {
  const known = ctx.atomPassCount[test.id]!
  if (known >= 0) return known
  for (const sub of test.uses) rootsOf(sub, ctx)
  const n = ctx.t.numAtoms
  const base = test.id * n
  let count = 0
  for (let a = 0; a < n; a++)
    if (test.fn(ctx, a)) {
      ctx.atomPass[base + a] = 1
      count++
    }
  ctx.atomPassCount[test.id] = count
  return count
}

const evalBondTest = (ctx: Context, test: BondTest): void => {
  if (ctx.bondDone[test.id]) return
  const t = ctx.t
  const base = test.id * t.numBonds
  for (let b = 0; b < t.numBonds; b++) if (test.fn(t, b)) ctx.bondPass[base + b] = 1
  ctx.bondDone[test.id] = 1
}

/** Evaluates every test the pattern reads; false when some pattern atom has no candidate. */
const compiledFor = (p: SmartsPattern, ctx: Context): boolean => {
  const state = ctx.compiled[p.id]
  if (state !== 0) return state === 1
  let possible = true
  for (let i = 0; i < p.n && possible; i++) if (evalAtomTest(ctx, p.atoms[i]!) === 0) possible = false
  if (possible)
    for (let i = 1; i < p.n; i++) {
      evalBondTest(ctx, p.parentBond[i]!)
      for (const [, b] of p.closures[i]!) evalBondTest(ctx, b)
    }
  ctx.compiled[p.id] = possible ? 1 : 2
  return possible
}

/**
 * A depth-first search for embeddings of `p` (compiledFor(p) true): `tryRoot(a)` runs it with pattern
 * atom 0 on target atom a; `onMatch` gets the atom map and returns true to stop (tryRoot then returns
 * true).
 */
const searcher = (p: SmartsPattern, ctx: Context, onMatch: (map: Int32Array) => boolean): ((a: number) => boolean) => {
  const t = ctx.t
  const n = p.n
  const nA = t.numAtoms
  const nB = t.numBonds
  const { atomPass, bondPass, ringSystem, map, used } = ctx
  const { adjStart, adjAtom, adjBond, bondInRing } = t
  const place = (i: number): boolean => {
    if (i === n) return onMatch(map.subarray(0, n))
    const par = map[p.parent[i]!]!
    const ab = p.atoms[i]!.id * nA
    const bb = p.parentBond[i]!.id * nB
    const sys = p.cycleSystem[i]!
    const bondOnCycle = p.parentOnCycle[i] === 1
    const extra = p.closures[i]!
    const deg = p.degree[i]!
    for (let k = adjStart[par]!; k < adjStart[par + 1]!; k++) {
      const x = adjAtom[k]!
      if (used[x] || atomPass[ab + x] === 0 || adjStart[x + 1]! - adjStart[x]! < deg) continue
      const b = adjBond[k]!
      if (bondPass[bb + b] === 0 || (bondOnCycle && bondInRing[b] === 0) || ringSystem[x]! < sys) continue
      let ok = true
      for (let e = 0; e < extra.length && ok; e++) {
        const [other, test] = extra[e]!
        const y = map[other]!
        let f = -1
        for (let q = adjStart[x]!; q < adjStart[x + 1]!; q++) if (adjAtom[q] === y) f = adjBond[q]!
        ok = f >= 0 && bondPass[test.id * nB + f] === 1
      }
      if (!ok) continue
      map[i] = x
      used[x] = 1
      const stop = place(i + 1)
      used[x] = 0
      if (stop) return true
    }
    return false
  }
  const ab0 = p.atoms[0]!.id * nA
  const sys0 = p.cycleSystem[0]!
  const deg0 = p.degree[0]!
  return (a: number): boolean => {
    if (atomPass[ab0 + a] === 0 || ringSystem[a]! < sys0 || adjStart[a + 1]! - adjStart[a]! < deg0) return false
    map[0] = a
    used[a] = 1
    const stop = place(1)
    used[a] = 0
    return stop
  }
}

/** Search over every root atom; whether it was stopped. */
const search = (p: SmartsPattern, ctx: Context, onMatch: (map: Int32Array) => boolean): boolean => {
  if (!compiledFor(p, ctx)) return false
  const tryRoot = searcher(p, ctx, onMatch)
  for (let a = 0; a < ctx.t.numAtoms; a++) if (tryRoot(a)) return true
  return false
}

/** The atoms a recursive SMARTS matches with its first atom on (once per target). */
const rootsOf = (p: SmartsPattern, ctx: Context): void => {
  if (ctx.rootsDone[p.id]) return
  ctx.rootsDone[p.id] = 1
  if (!compiledFor(p, ctx)) return
  const n = ctx.t.numAtoms
  const base = p.id * n
  const tryRoot = searcher(p, ctx, () => true)
  for (let a = 0; a < n; a++) if (tryRoot(a)) ctx.roots[base + a] = 1
}

/** Whether the pattern matches anywhere. */
export const hasMatch = (p: SmartsPattern, ctx: Context): boolean => search(p, ctx, () => true)

/** Distinct matched atom sets (RDKit's uniquified match count), counting stops above `limit`. */
export const countUnique = (p: SmartsPattern, ctx: Context, limit: number): number => {
  if (!compiledFor(p, ctx)) return 0
  if (p.n === 1) return ctx.atomPassCount[p.atoms[0]!.id]! // one atom: the atoms passing its test
  const seen = new Set<string>()
  const sorted = new Int32Array(p.n)
  search(p, ctx, (map) => {
    sorted.set(map)
    sorted.sort()
    seen.add(sorted.join(","))
    return seen.size > limit
  })
  return seen.size
}
