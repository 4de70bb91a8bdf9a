/**
 * A SMILES string read as a SMARTS pattern, with the query semantics RDKit 2022.09's SMARTS parser
 * gives it (upstream matches `Chem.MolFromSmarts(smiles)` into a 5-mer to find bond ids):
 *
 * - atoms: organic-subset letters are "aliphatic element" (`C` never matches an aromatic carbon),
 *   lower-case letters "aromatic element", `*` anything; in brackets, organic/aromatic symbols keep that
 *   meaning, other elements match the atomic number only, and `H<n>` (total H count), a charge and an
 *   isotope add constraints (chirality and atom maps are ignored when matching);
 * - bonds: unwritten = single or aromatic; `-`, `/`, `\` = single only; `=`, `#`, `$`, `:` = that type;
 *   `~` any. A ring closure takes the bond written at its closing digit, else at its opening digit.
 *
 * Atoms and bonds come in RDKit's parse order (chain and branch bonds when their second atom is read,
 * ring-closure bonds after all of them, by ring number), which is also the order of `MolFromSmiles`
 * on the same string.
 * The parser also reports which atoms were written in brackets and which bonds carry a direction.
 */
import { BondType } from "../molecule/types.ts"
import { SYMBOL } from "../molecule/elements.ts"

export const AtomQueryKind = {
  /** `*`: any atom */
  Any: 0,
  /** atomic number and aromaticity (organic subset, aromatic letters) */
  Type: 1,
  /** atomic number only (other bracket elements) */
  Number: 2,
} as const

export const BondQueryKind = {
  SingleOrAromatic: 0,
  /** bond type equals `type` */
  Order: 1,
  Any: 2,
} as const

export interface PatternAtom {
  kind: number
  z: number
  aromatic: boolean
  /** −1 when unconstrained */
  hCount: number
  /** null when unconstrained */
  charge: number | null
  /** 0 when unconstrained */
  isotope: number
  bracket: boolean
  /** atom-map number (`[*:1]`), 0 when none */
  map: number
  /** where the atom is written in the text: [start, end) */
  span?: readonly [number, number]
}

export interface PatternBond {
  a: number
  b: number
  kind: number
  /** BondType for kind Order */
  type: number
  /** written as / or \ */
  directional: boolean
  /** a ring closure whose opening digit carries a bond symbol: RDKit then begins the bond at the opening atom (`b`) */
  openedWithBond?: boolean
}

export interface Pattern {
  atoms: PatternAtom[]
  bonds: PatternBond[]
}

const ORGANIC: Record<string, number> = { B: 5, C: 6, N: 7, O: 8, F: 9, P: 15, S: 16, Cl: 17, Br: 35, I: 53 }
const AROMATIC: Record<string, number> = { b: 5, c: 6, n: 7, o: 8, p: 15, s: 16 }
const AROMATIC_BRACKET: Record<string, number> = { ...AROMATIC, si: 14, as: 33, se: 34, te: 52 }
const ELEMENT: Map<string, number> = new Map(SYMBOL.map((s, z) => [s, z] as const).filter(([s]) => s !== "*"))

interface BondSpecText {
  kind: number
  type: number
  directional: boolean
}

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9"

/** Parses a SMILES as RDKit's SMARTS parser would; throws SyntaxError on what it does not read. */
export const parsePattern = (text: string): Pattern => {
  const s = text.trim()
  const atoms: PatternAtom[] = []
  const bonds: PatternBond[] = []
  const branch: number[] = []
  const rings = new Map<number, { atom: number; bond: BondSpecText | null }>()
  const closures: { num: number; seq: number; bond: PatternBond }[] = []
  let current = -1
  let pending: BondSpecText | null = null
  let dot = false
  let i = 0

  let tokenStart = 0
  const addAtom = (a: PatternAtom) => {
    const idx = atoms.length
    atoms.push({ ...a, span: [tokenStart, i] })
    if (current >= 0 && !dot) {
      const bs = pending ?? { kind: BondQueryKind.SingleOrAromatic, type: BondType.Single, directional: false }
      bonds.push({ a: current, b: idx, kind: bs.kind, type: bs.type, directional: bs.directional })
    } else if (pending !== null) throw new SyntaxError(`bond without a first atom at ${i}`)
    pending = null
    dot = false
    current = idx
  }

  const parseBracket = (): PatternAtom => {
    // s[i] === "["
    const end = s.indexOf("]", i)
    if (end < 0) throw new SyntaxError("unclosed bracket atom")
    const body = s.slice(i + 1, end)
    i = end + 1
    let j = 0
    let isotope = 0
    while (isDigit(body[j])) isotope = isotope * 10 + Number(body[j++])
    let kind: number = AtomQueryKind.Any
    let z = 0
    let aromatic = false
    let hCount = -1
    let charge: number | null = null
    let map = 0
    const rest = body.slice(j)
    if (rest[0] === "*") {
      j++
    } else if (/^H([+-]\d*|\+\+|--)?(:\d+)?$/.test(rest)) {
      // hydrogen atom: [H], [2H], [H+]
      kind = AtomQueryKind.Number
      z = 1
      j++
    } else {
      // longest element / aromatic symbol
      let matched = false
      for (const len of [3, 2, 1]) {
        const sym = rest.slice(0, len)
        if (sym.length !== len) continue
        if (AROMATIC_BRACKET[sym] !== undefined) {
          kind = AtomQueryKind.Type
          z = AROMATIC_BRACKET[sym]!
          aromatic = true
        } else if (ORGANIC[sym] !== undefined) {
          kind = AtomQueryKind.Type
          z = ORGANIC[sym]!
        } else if (ELEMENT.has(sym)) {
          kind = AtomQueryKind.Number
          z = ELEMENT.get(sym)!
        } else continue
        j += len
        matched = true
        break
      }
      if (!matched) throw new SyntaxError(`unknown bracket atom [${body}]`)
    }
    // chirality
    while (j < body.length) {
      const c = body[j]!
      if (c === "@") {
        j++
        if (/^(TH|AL|SP|TB|OH)/.test(body.slice(j))) {
          j += 2
          while (isDigit(body[j])) j++
        }
      } else if (c === "H") {
        j++
        let n = 0
        let any = false
        while (isDigit(body[j])) {
          n = n * 10 + Number(body[j++])
          any = true
        }
        hCount = any ? n : 1
      } else if (c === "+" || c === "-") {
        const sign = c === "+" ? 1 : -1
        j++
        if (body[j] === c) {
          j++
          charge = 2 * sign
        } else if (isDigit(body[j])) {
          let n = 0
          while (isDigit(body[j])) n = n * 10 + Number(body[j++])
          charge = sign * n
        } else charge = sign
      } else if (c === ":") {
        j++
        while (isDigit(body[j])) map = map * 10 + Number(body[j++])
      } else throw new SyntaxError(`unsupported bracket atom [${body}]`)
    }
    return { kind, z, aromatic, hCount, charge, isotope, bracket: true, map }
  }

  while (i < s.length) {
    const c = s[i]!
    tokenStart = i
    if (c === "(") {
      branch.push(current)
      i++
    } else if (c === ")") {
      const b = branch.pop()
      if (b === undefined) throw new SyntaxError("extra close parenthesis")
      current = b
      i++
    } else if (c === ".") {
      dot = true
      i++
    } else if (c === "-" && s[i + 1] === ">") {
      pending = { kind: BondQueryKind.Order, type: 17, directional: false }
      i += 2
    } else if (c === "<" && s[i + 1] === "-") {
      pending = { kind: BondQueryKind.Order, type: 17, directional: false }
      i += 2
    } else if (c === "-" || c === "=" || c === "#" || c === "$" || c === ":" || c === "~") {
      const type =
        c === "-" ? BondType.Single : c === "=" ? BondType.Double : c === "#" ? BondType.Triple : c === "$" ? BondType.Quadruple : c === ":" ? BondType.Aromatic : 0
      pending = { kind: c === "~" ? BondQueryKind.Any : BondQueryKind.Order, type, directional: false }
      i++
    } else if (c === "/" || c === "\\") {
      pending = { kind: BondQueryKind.Order, type: BondType.Single, directional: true }
      i++
      if (c === "\\" && s[i] === "\\") i++
    } else if (isDigit(c) || c === "%") {
      let num: number
      if (c === "%") {
        if (s[i + 1] === "(") {
          const close = s.indexOf(")", i)
          num = Number(s.slice(i + 2, close))
          i = close + 1
        } else {
          num = Number(s.slice(i + 1, i + 3))
          i += 3
        }
      } else {
        num = Number(c)
        i++
      }
      if (current < 0) throw new SyntaxError("ring closure without an atom")
      const open = rings.get(num)
      if (open === undefined) {
        rings.set(num, { atom: current, bond: pending })
      } else {
        rings.delete(num)
        const bs = pending ?? open.bond ?? { kind: BondQueryKind.SingleOrAromatic, type: BondType.Single, directional: false }
        const bond: PatternBond = { a: current, b: open.atom, kind: bs.kind, type: bs.type, directional: bs.directional }
        if (open.bond !== null) bond.openedWithBond = true
        closures.push({ num, seq: closures.length, bond })
      }
      pending = null
    } else if (c === "[") {
      addAtom(parseBracket())
    } else if (c === "*") {
      i++
      addAtom({ kind: AtomQueryKind.Any, z: 0, aromatic: false, hCount: -1, charge: null, isotope: 0, bracket: false, map: 0 })
    } else {
      const two = s.slice(i, i + 2)
      if (two === "Cl" || two === "Br") {
        i += 2
        addAtom({ kind: AtomQueryKind.Type, z: ORGANIC[two]!, aromatic: false, hCount: -1, charge: null, isotope: 0, bracket: false, map: 0 })
      } else if (ORGANIC[c] !== undefined) {
        i++
        addAtom({ kind: AtomQueryKind.Type, z: ORGANIC[c]!, aromatic: false, hCount: -1, charge: null, isotope: 0, bracket: false, map: 0 })
      } else if (AROMATIC[c] !== undefined) {
        i++
        addAtom({ kind: AtomQueryKind.Type, z: AROMATIC[c]!, aromatic: true, hCount: -1, charge: null, isotope: 0, bracket: false, map: 0 })
      } else if (c === " " || c === "\t") {
        break // CXSMILES extension or trailing text: RDKit stops the SMILES part here
      } else throw new SyntaxError(`unexpected '${c}' at ${i}`)
    }
  }
  if (rings.size > 0) throw new SyntaxError("unclosed ring")
  // RDKit adds ring-closure bonds after every other bond (CloseMolRings), by ring number, then in
  // closing order; the closing atom is the bond's begin atom (the opening one where the opening digit has a bond symbol)
  closures.sort((x, y) => x.num - y.num || x.seq - y.seq)
  for (const c of closures) bonds.push(c.bond)
  return { atoms, bonds }
}

/** Atom-map numbers of a SMILES's atoms (0 = none), in atom order; undefined when it cannot be read. */
export const atomMapNumbersOf = (smiles: string): number[] | undefined => {
  try {
    return parsePattern(smiles).atoms.map((a) => a.map)
  } catch {
    return undefined
  }
}
