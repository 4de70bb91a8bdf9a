/**
 * The one SMARTS matcher: the subset RDKit's MACCS keys and mordred's patterns (H-bond, rotatable bond,
 * acid/base, LogS, E-state and Crippen typing) are written in, parsed and matched with RDKit's semantics
 * (`SmartsToMol` + `SubstructMatch`, no chirality, recursion on):
 *
 * - atoms: `*`, `#n`, aliphatic / aromatic element symbols (`C`, `c`, `Cl`, some two-letter ones), `a`,
 *   `A`, `H<n>` (total hydrogen count, hydrogen neighbours included), `h<n>` (without them), `D<n>`
 *   (explicit degree), `X<n>` (total degree), `v<n>` (total valence, where the target knows it), `R` (in a
 *   ring; `R<n>`: in n rings), `+<n>` / `-<n>` (formal charge), `$(…)` (recursive: the pattern matches with
 *   its first atom here), `r`, `x`, `^` (read, always unknown); `!`, implicit and `&` (high-precedence
 *   and), `,` (or), `;` (low-precedence and);
 * - bonds: unwritten = single or aromatic, `-` `=` `#` `:` `~` `@` (in a ring), `/` `\` (unknown), with the
 *   same operators; ring closures (a closure takes the bond written at its closing digit, else the one at
 *   its opening);
 * - anything else (isotopes, atom maps, chirality, `.`, other elements) is a SyntaxError;
 * - matches are subgraph monomorphisms; `countUnique` counts distinct atom sets (RDKit's uniquify, MACCS's
 *   counts), `embeddings` every match up to a cap with per-root counts and distinct atom sets (mordred's).
 *
 * Queries are three-valued: a target may not tell (UNKNOWN_BOND bonds, no valence…). A pattern is parsed
 * in a SmartsMode: `exact` (MACCS; its targets know everything its patterns ask), or `def` / `poss`, whose
 * matches bracket the true ones (descriptors/shared/smartsLocal.ts asks MinimalLib where they differ).
 *
 * Ring membership is read from the target's ring counts (RDKit's RingInfo: an atom or bond is in a
 * ring of the SSSR iff it lies on a cycle). A pattern atom or bond on a pattern cycle can only map onto
 * a ring atom or bond of a ring system at least as large as the pattern's cycle system, which prunes
 * the search.
 *
 * Order: matches come in RDKit's order (vf2.hpp `MatchAll`: the first pattern atom over the target atoms by
 * index; each further pattern atom, in written order, over the neighbours of its parent's image in the
 * target's adjacency order — bond order in an RDKit molecule), so a search stopped at a match limit keeps
 * the matches RDKit keeps when the target's adjacency lists are in RDKit's bond order.
 *
 * Speed: every distinct atom expression (and bond expression) is evaluated once per target for all its
 * atoms (bonds); searches then read those arrays.
 */

import { SYMBOL } from "../molecule/elements.ts"

/** What the matcher reads of a molecule (an oligomer built for fingerprints, a descriptor graph). */
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
  /** RDKit BondType values; UNKNOWN_BOND where the target does not tell */
  readonly bondType: Uint8Array
  /** hydrogen count without hydrogen neighbours (RDKit getTotalNumHs(false)); `h`, `X` unknown without */
  readonly implicitH?: Uint8Array
  /** total valence, NaN where unknown; `v` unknown without */
  readonly valence?: Float64Array
  readonly bondInRing: Uint8Array
  readonly adjStart: Int32Array
  readonly adjAtom: Int32Array
  readonly adjBond: Int32Array
}

const SINGLE = 1
const DOUBLE = 2
const TRIPLE = 3
const AROMATIC = 12
/** bond type a target marks as unknown (bond queries on it come out unknown) */
export const UNKNOWN_BOND = 255

/** three-valued query results: false, true, unknown (the target does not tell) */
const F = 0
const T = 1
const U = 2
type V = 0 | 1 | 2
const bool = (b: boolean): V => (b ? T : F)

/**
 * How a pattern reads unknown query results: `exact` for targets where none arise (a test passes when
 * true), `def` (passes when true: matches certain to exist) and `poss` (passes unless false: matches
 * that may exist). The def and poss matches of a pattern bracket the true ones, so where they agree the
 * answer is exact.
 */
export type SmartsMode = "exact" | "def" | "poss"

type AtomFn = (c: Context, a: number) => V
type BondFn = (t: SmartsTarget, b: number) => V

/** A distinct atom expression: evaluated for every atom of a target at once. */
interface AtomTest {
  readonly id: number
  readonly fn: (c: Context, a: number) => boolean
  /** recursive patterns it uses (prepared before it is evaluated) */
  readonly uses: readonly SmartsPattern[]
  /** where unknown results may come from (UNKNOWN_* bits) */
  readonly unknowns: number
}
interface BondTest {
  readonly id: number
  readonly fn: (t: SmartsTarget, b: number) => boolean
  readonly unknowns: number
}

export interface SmartsPattern {
  /** index of the pattern's per-target data in a Context */
  readonly id: number
  readonly source: string
  readonly mode: SmartsMode
  /** where unknown query results may come from (UNKNOWN_* bits of its tests, recursive ones included) */
  readonly unknowns: number
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

const passes = (mode: SmartsMode) => (mode === "poss" ? (v: V) => v !== F : (v: V) => v === T)

/** sources of unknown query results: always possible, on UNKNOWN_BOND bonds, on targets without implicitH */
const UNKNOWN_ALWAYS = 1
const UNKNOWN_ON_BOND_TYPE = 2
const UNKNOWN_WITHOUT_IMPLICIT_H = 4

const atomTest = (key: string, fn: AtomFn, uses: readonly SmartsPattern[], mode: SmartsMode, unknowns: number): AtomTest => {
  let t = atomTests.get(key)
  if (t === undefined) {
    const ok = passes(mode)
    atomTests.set(key, (t = { id: atomTestCount++, fn: (c, a) => ok(fn(c, a)), uses, unknowns }))
  }
  return t
}
const bondTest = (key: string, fn: BondFn, mode: SmartsMode, unknowns: number): BondTest => {
  let t = bondTests.get(key)
  if (t === undefined) {
    const ok = passes(mode)
    bondTests.set(key, (t = { id: bondTestCount++, fn: (tg, b) => ok(fn(tg, b)), unknowns }))
  }
  return t
}

const ORGANIC: Record<string, number> = { B: 5, C: 6, N: 7, O: 8, P: 15, S: 16, F: 9, Cl: 17, Br: 35, I: 53 }
const AROMATIC_SYMBOL: Record<string, number> = { b: 5, c: 6, n: 7, o: 8, p: 15, s: 16 }
/** two-letter aromatic symbols: not supported */
const AROMATIC_TWO = new Set(["se", "as"])
const ELEMENT = new Map<string, number>()
SYMBOL.forEach((s, z) => {
  if (s && z > 0) ELEMENT.set(s, z)
})
/** two-letter symbols read as elements in brackets; other element pairs are not supported */
const TWO_LETTER = new Set(["Cl", "Br", "Si", "Li", "Be", "Ge", "As", "Se", "Sn", "Pb"])

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9"

const not = (f: AtomFn): AtomFn => (c, a) => {
  const v = f(c, a)
  return v === U ? U : v === T ? F : T
}
const and2 = <X>(l: (x: X, i: number) => V, r: (x: X, i: number) => V) => (x: X, i: number): V => {
  const v = l(x, i)
  if (v === F) return F
  const w = r(x, i)
  return w === F ? F : v === U || w === U ? U : T
}
const or2 = <X>(l: (x: X, i: number) => V, r: (x: X, i: number) => V) => (x: X, i: number): V => {
  const v = l(x, i)
  if (v === T) return T
  const w = r(x, i)
  return w === T ? T : v === U || w === U ? U : F
}
const element = (z: number, aromatic: boolean | null): AtomFn =>
  aromatic === null
    ? (ctx, a) => bool(ctx.t.atomicNum[a] === z)
    : (ctx, a) => bool(ctx.t.atomicNum[a] === z && ctx.t.aromatic[a] === (aromatic ? 1 : 0))
const degreeOf = (t: SmartsTarget, a: number): number => t.adjStart[a + 1]! - t.adjStart[a]!
const bondIs = (want: number): BondFn => (t, b) => {
  const k = t.bondType[b]!
  return k === UNKNOWN_BOND ? U : bool(k === want)
}
const BOND_PRIMITIVE: Readonly<Record<string, BondFn>> = {
  "-": bondIs(SINGLE),
  "=": bondIs(DOUBLE),
  "#": bondIs(TRIPLE),
  ":": bondIs(AROMATIC),
  "~": () => T,
  "@": (t, b) => bool(t.bondInRing[b] === 1),
  "/": () => U,
  "\\": () => U,
}
const defaultBond: BondFn = (t, b) => {
  const k = t.bondType[b]!
  return k === UNKNOWN_BOND ? U : bool(k === SINGLE || k === AROMATIC)
}

/** Recursive-descent parser of one atom expression (in brackets) or bond expression. */
class ExprParser {
  i = 0
  readonly uses: SmartsPattern[] = []
  /** UNKNOWN_* bits of the primitives read */
  unknowns = 0
  constructor(
    readonly s: string,
    readonly mode: SmartsMode,
  ) {}
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

  /** `;` < `,` < `&` / implicit and, over `unary` (`!` and primitives) */
  logic<X>(unary: () => (x: X, i: number) => V): (x: X, i: number) => V {
    const high = () => {
      let left = unary()
      for (;;) {
        const c = this.peek()
        if (c === "&") this.i++
        else if (c === undefined || c === "]" || c === "," || c === ";") return left
        left = and2(left, unary())
      }
    }
    const or = () => {
      let left = high()
      while (this.peek() === ",") {
        this.i++
        left = or2(left, high())
      }
      return left
    }
    let left = or()
    while (this.peek() === ";") {
      this.i++
      left = and2(left, or())
    }
    return left
  }

  // ---- atoms
  atomExpr(): AtomFn {
    return this.logic(() => this.atomNot())
  }
  atomNot(): AtomFn {
    if (this.peek() === "!") {
      this.i++
      return not(this.atomNot())
    }
    return this.atomPrimitive()
  }
  /** a primitive of a bracket atom */
  atomPrimitive(): AtomFn {
    const s = this.s
    const c = this.peek()
    if (c === undefined) return this.fail("missing atom primitive")
    if (c === "#") {
      this.i++
      const z = this.digits() ?? this.fail("atomic number")
      return element(z, null)
    }
    if (c === "*") {
      this.i++
      return () => T
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
      const inner = s.slice(start, this.i - 1)
      // the roots are computed before this test is evaluated (evalAtomTest)
      if (this.mode === "exact") {
        const sub = parseSmarts(inner, "exact")
        this.uses.push(sub)
        this.unknowns |= sub.unknowns
        return (ctx, a) => (ctx.roots[sub.id * ctx.t.numAtoms + a] === 1 ? T : F)
      }
      // true where a certain match roots, false where no possible one does
      const sure = parseSmarts(inner, "def")
      const maybe = parseSmarts(inner, "poss")
      this.uses.push(sure, maybe)
      this.unknowns |= sure.unknowns
      return (ctx, a) => {
        const n = ctx.t.numAtoms
        return ctx.roots[sure.id * n + a] === 1 ? T : ctx.roots[maybe.id * n + a] === 1 ? U : F
      }
    }
    // two-letter symbols: elements ("[As]" is arsenic, not A & s), some of them only
    const two = s.slice(this.i, this.i + 2)
    if (two.length === 2 && two[1]! >= "a" && two[1]! <= "z") {
      if (c >= "A" && c <= "Z" && ELEMENT.has(two)) {
        if (!TWO_LETTER.has(two)) this.fail(`unsupported element ${two}`)
        this.i += 2
        return element(ELEMENT.get(two)!, ORGANIC[two] !== undefined ? false : null)
      }
      if (AROMATIC_TWO.has(two)) this.fail(`unsupported aromatic ${two}`)
    }
    if (c === "a" || c === "A") {
      this.i++
      const arom = c === "a" ? 1 : 0
      return (ctx, a) => bool(ctx.t.aromatic[a] === arom)
    }
    if (c === "H" || c === "D" || c === "X") {
      if (c === "H" && this.i === 0) this.fail("[H…] may name hydrogen")
      if (c === "X") this.unknowns |= UNKNOWN_WITHOUT_IMPLICIT_H
      this.i++
      const n = this.digits() ?? 1
      if (c === "H") return (ctx, a) => bool(ctx.t.hCount[a] === n)
      if (c === "D") return (ctx, a) => bool(degreeOf(ctx.t, a) === n)
      return (ctx, a) => {
        const h = ctx.t.implicitH
        return h === undefined ? U : bool(degreeOf(ctx.t, a) + h[a]! === n)
      }
    }
    if (c === "h") {
      // RDKit: h<n> = getTotalNumHs(false) == n (neighbour H atoms not counted), h = that count > 0
      this.unknowns |= UNKNOWN_WITHOUT_IMPLICIT_H
      this.i++
      const n = this.digits()
      return (ctx, a) => {
        const h = ctx.t.implicitH
        return h === undefined ? U : bool(n === undefined ? h[a]! > 0 : h[a] === n)
      }
    }
    if (c === "R") {
      this.i++
      const n = this.digits()
      return n === undefined ? (ctx, a) => bool(ctx.t.atomRings[a]! > 0) : (ctx, a) => bool(ctx.t.atomRings[a] === n)
    }
    if (c === "v") {
      this.unknowns |= UNKNOWN_ALWAYS
      this.i++
      const n = this.digits() ?? 1
      return (ctx, a) => {
        const v = ctx.t.valence?.[a]
        return v === undefined || Number.isNaN(v) ? U : bool(v === n)
      }
    }
    if (c === "r" || c === "x" || c === "^") {
      this.unknowns |= UNKNOWN_ALWAYS
      this.i++
      this.digits()
      return () => U
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
      return (ctx, a) => bool(ctx.t.formalCharge[a] === chg)
    }
    if (AROMATIC_SYMBOL[c] !== undefined) {
      this.i++
      return element(AROMATIC_SYMBOL[c]!, true)
    }
    if (c >= "A" && c <= "Z" && ELEMENT.has(c)) {
      // upper case: the aliphatic element; outside the organic subset only the element is relied on
      this.i++
      return element(ELEMENT.get(c)!, ORGANIC[c] !== undefined ? false : null)
    }
    return this.fail(`unsupported atom primitive '${c}'`)
  }

  // ---- bonds
  bondExpr(): BondFn {
    const fn = this.logic(() => this.bondNot())
    if (this.i !== this.s.length) this.fail("trailing bond text")
    return fn
  }
  bondNot(): BondFn {
    if (this.peek() === "!") {
      this.i++
      const inner = this.bondNot()
      return (t, b) => {
        const v = inner(t, b)
        return v === U ? U : v === T ? F : T
      }
    }
    const c = this.peek() ?? ""
    const prim = BOND_PRIMITIVE[c]
    if (prim === undefined) this.fail(`unsupported bond primitive '${c}'`)
    this.unknowns |= c === "/" || c === "\\" ? UNKNOWN_ALWAYS : c === "~" || c === "@" ? 0 : UNKNOWN_ON_BOND_TYPE
    this.i++
    return prim
  }
}

const bondTestOf = (text: string | undefined, mode: SmartsMode): BondTest =>
  text === undefined ? bondTest(`${mode} (default)`, defaultBond, mode, UNKNOWN_ON_BOND_TYPE) : bondOfText(text, mode)
const bondOfText = (text: string, mode: SmartsMode): BondTest => {
  const key = `${mode} ${text}`
  const known = bondTests.get(key)
  if (known !== undefined) return known
  const p = new ExprParser(text, mode)
  return bondTest(key, p.bondExpr(), mode, p.unknowns)
}

/** an unbracketed atom: `*`, `a`, `A`, an organic-subset or aromatic symbol */
const bareAtom = (sym: string): AtomFn | undefined => {
  if (sym === "*") return () => T
  if (sym === "a" || sym === "A") {
    const arom = sym === "a" ? 1 : 0
    return (ctx, a) => bool(ctx.t.aromatic[a] === arom)
  }
  if (ORGANIC[sym] !== undefined) return element(ORGANIC[sym]!, false)
  if (AROMATIC_SYMBOL[sym] !== undefined) return element(AROMATIC_SYMBOL[sym]!, true)
  return undefined
}

const atomTestOf = (text: string, bracket: boolean, mode: SmartsMode): AtomTest => {
  const key = `${mode} ${bracket ? `[${text}]` : text}`
  const known = atomTests.get(key)
  if (known !== undefined) return known
  if (!bracket) {
    const fn = bareAtom(text)
    if (fn === undefined) throw new SyntaxError(`SMARTS: unsupported atom '${text}'`)
    return atomTest(key, fn, [], mode, 0)
  }
  if (isDigit(text[0]) || /:\d+$/.test(text)) throw new SyntaxError(`SMARTS [${text}]: isotopes and atom maps are not supported`)
  const p = new ExprParser(text, mode)
  const fn = p.atomExpr()
  if (p.i !== text.length) p.fail("trailing text")
  return atomTest(key, fn, p.uses, mode, p.unknowns)
}

const parsed = new Map<string, SmartsPattern>()

/**
 * Parses a SMARTS of the supported subset (one connected pattern), read in `mode` (see SmartsMode);
 * throws a SyntaxError on anything else. Parsed once per mode and text.
 */
export const parseSmarts = (source: string, mode: SmartsMode = "exact"): SmartsPattern => {
  const key = `${mode} ${source}`
  let p = parsed.get(key)
  if (p === undefined) parsed.set(key, (p = parseNew(source, mode)))
  return p
}

const parseNew = (source: string, mode: SmartsMode): SmartsPattern => {
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
    if (prev >= 0) bonds.push({ a: prev, b: idx, test: bondTestOf(pending, mode) })
    else if (pending !== undefined) fail("bond before the first atom")
    pending = undefined
    prev = idx
  }
  while (i < s.length) {
    const c = s[i]!
    if (c === "(") {
      if (prev < 0) fail("branch before the first atom")
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
      addAtom(atomTestOf(s.slice(i + 1, j), true, mode))
      i = j + 1
    } else if (isDigit(c) || c === "%") {
      if (prev < 0) fail("ring closure before the first atom")
      let num: number
      if (c === "%") {
        num = Number(s.slice(i + 1, i + 3))
        i += 3
      } else {
        num = Number(c)
        i++
      }
      if (Number.isNaN(num)) fail("ring closure number")
      const open = rings.get(num)
      if (open === undefined) rings.set(num, { atom: prev, bond: pending })
      else {
        rings.delete(num)
        if (open.atom === prev) fail("ring closure onto its own atom")
        bonds.push({ a: open.atom, b: prev, test: bondTestOf(pending ?? open.bond, mode) })
      }
      pending = undefined
    } else if ("~-=#:@!,;&/\\".includes(c)) {
      let j = i
      while (j < s.length && "~-=#:@!,;&/\\".includes(s[j]!)) j++
      pending = s.slice(i, j)
      i = j
    } else {
      const two = s.slice(i, i + 2)
      const sym = two === "Cl" || two === "Br" ? two : c
      addAtom(atomTestOf(sym, false, mode))
      i += sym.length
    }
  }
  if (pending !== undefined) fail("trailing bond")
  if (rings.size > 0 || branch.length > 0) fail("unclosed ring or branch")
  const n = atoms.length
  if (n === 0) fail("no atom")
  if (n > MAX_PATTERN_ATOMS) fail(`more than ${MAX_PATTERN_ATOMS} atoms`)
  const parent = new Int32Array(n).fill(-1)
  const parentBond: BondTest[] = new Array(n).fill(bondTestOf(undefined, mode))
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
  let unknowns = 0
  for (const t of atoms) unknowns |= t.unknowns
  for (const bd of bonds) unknowns |= bd.test.unknowns
  return { id: patternCount++, source, mode, unknowns, n, atoms, parent, parentBond, closures, cycleSystem, parentOnCycle, degree }
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
  atomPass: Uint8Array
  /** per atom test id: −1 not evaluated, else the number of passing atoms */
  atomPassCount: Int32Array
  /** bond test id × numBonds → 0/1 */
  bondPass: Uint8Array
  bondDone: Uint8Array
  /** atoms in the target's ring system (ring bonds joined), 0 outside rings */
  readonly ringSystem: Int32Array
  /** per pattern id: 1 compiled, 2 impossible (some atom has no candidate), 0 not yet */
  compiled: Uint8Array
  /** recursive pattern id × numAtoms → 0/1, with rootsDone */
  roots: Uint8Array
  rootsDone: Uint8Array
  readonly map: Int32Array
  readonly used: Uint8Array
  /** some bond type is UNKNOWN_BOND */
  readonly unknownBonds: boolean
  /** a recursive pattern with unknowns on this target reached RECURSION_MAX_MATCHES: its roots may differ from RDKit's */
  capUncertain: boolean
}

const MAX_PATTERN_ATOMS = 64

/** A matching context for one target (its buffers grow with the patterns parsed since). */
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
    unknownBonds: t.bondType.includes(UNKNOWN_BOND),
    capUncertain: false,
  }
}

const grown = <A extends Uint8Array | Int32Array>(a: A, size: number, make: (n: number) => A): A => {
  if (a.length >= size) return a
  const b = make(size)
  b.set(a)
  return b
}

/** Sizes the buffers for every test and pattern parsed so far. */
const fit = (ctx: Context): void => {
  const n = ctx.t.numAtoms
  if (ctx.atomPassCount.length < atomTestCount) {
    const old = ctx.atomPassCount.length
    ctx.atomPass = grown(ctx.atomPass, atomTestCount * n, (k) => new Uint8Array(k))
    ctx.atomPassCount = grown(ctx.atomPassCount, atomTestCount, (k) => new Int32Array(k))
    ctx.atomPassCount.fill(-1, old)
  }
  if (ctx.bondDone.length < bondTestCount) {
    ctx.bondPass = grown(ctx.bondPass, bondTestCount * ctx.t.numBonds, (k) => new Uint8Array(k))
    ctx.bondDone = grown(ctx.bondDone, bondTestCount, (k) => new Uint8Array(k))
  }
  if (ctx.compiled.length < patternCount) {
    ctx.compiled = grown(ctx.compiled, patternCount, (k) => new Uint8Array(k))
    ctx.roots = grown(ctx.roots, patternCount * n, (k) => new Uint8Array(k))
    ctx.rootsDone = grown(ctx.rootsDone, patternCount, (k) => new Uint8Array(k))
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

/** RDKit's match limit for a recursive SMARTS (RecursiveMatcher calls vf2_all with its default, 1000) */
export const RECURSION_MAX_MATCHES = 1000

/**
 * The atoms a recursive SMARTS matches with its first atom on (once per target): as RDKit, the first atoms
 * of its first RECURSION_MAX_MATCHES matches (not uniquified), in search order. Where the limit is reached
 * on a pattern with unknowns on this target, the answer may differ from RDKit's (`ctx.capUncertain`).
 */
const rootsOf = (p: SmartsPattern, ctx: Context): void => {
  if (ctx.rootsDone[p.id]) return
  ctx.rootsDone[p.id] = 1
  if (!compiledFor(p, ctx)) return
  const n = ctx.t.numAtoms
  const base = p.id * n
  let total = 0
  const tryRoot = searcher(p, ctx, () => ++total >= RECURSION_MAX_MATCHES)
  for (let a = 0; a < n && total < RECURSION_MAX_MATCHES; a++) {
    const before = total
    tryRoot(a)
    if (total > before) ctx.roots[base + a] = 1
  }
  if (total >= RECURSION_MAX_MATCHES && !certainOn(p, ctx)) ctx.capUncertain = true
}

/** Whether no query of the pattern can come out unknown on this target (its def and poss readings then agree). */
export const certainOn = (p: SmartsPattern, ctx: Context): boolean =>
  (p.unknowns & UNKNOWN_ALWAYS) === 0 &&
  ((p.unknowns & UNKNOWN_ON_BOND_TYPE) === 0 || !ctx.unknownBonds) &&
  ((p.unknowns & UNKNOWN_WITHOUT_IMPLICIT_H) === 0 || ctx.t.implicitH !== undefined)

/** Per target atom, 1 where the pattern's first atom test passes (a view into the context's buffers). */
export const firstAtomPasses = (p: SmartsPattern, ctx: Context): Uint8Array => {
  fit(ctx)
  const test = p.atoms[0]!
  evalAtomTest(ctx, test)
  const n = ctx.t.numAtoms
  return ctx.atomPass.subarray(test.id * n, (test.id + 1) * n)
}

/** Whether the pattern matches anywhere. */
export const hasMatch = (p: SmartsPattern, ctx: Context): boolean => {
  fit(ctx)
  return search(p, ctx, () => true)
}

/** Distinct matched atom sets (RDKit's uniquified match count), counting stops above `limit`. */
export const countUnique = (p: SmartsPattern, ctx: Context, limit: number): number => {
  fit(ctx)
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

/** Every embedding (RDKit's non-uniquified matches), the search stopping at `cap` of them. */
export interface Embeddings {
  /** number of embeddings found (at most cap) */
  readonly total: number
  /** per target atom: embeddings with the first pattern atom there */
  readonly perRoot: Int32Array
  /** distinct matched atom sets among them (when asked for) */
  readonly unique: number
}

export const embeddings = (p: SmartsPattern, ctx: Context, cap: number, uniquify = false): Embeddings => {
  fit(ctx)
  const perRoot = new Int32Array(ctx.t.numAtoms)
  if (!compiledFor(p, ctx)) return { total: 0, perRoot, unique: 0 }
  let total = 0
  if (p.n === 1) {
    // one atom: the atoms passing its test
    const pass = ctx.atomPass
    const base = p.atoms[0]!.id * ctx.t.numAtoms
    for (let a = 0; a < ctx.t.numAtoms && total < cap; a++)
      if (pass[base + a] === 1) {
        perRoot[a] = 1
        total++
      }
    return { total, perRoot, unique: total }
  }
  const seen = uniquify ? new Set<string>() : undefined
  const sorted = new Int32Array(p.n)
  search(p, ctx, (map) => {
    perRoot[map[0]!]!++
    if (seen !== undefined) {
      sorted.set(map)
      sorted.sort()
      seen.add(sorted.join(","))
    }
    return ++total >= cap
  })
  return { total, perRoot, unique: seen === undefined ? total : seen.size }
}
