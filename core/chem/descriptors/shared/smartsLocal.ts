/**
 * SMARTS matching without a MinimalLib round trip where the shared matcher (core/chem/smarts/match.ts) can
 * answer exactly, MinimalLib otherwise.
 *
 * The descriptor graph (H-suppressed) is the target; what it knows exactly is element, aromaticity, charge,
 * total H, h (H count without H neighbours), explicit degree D, total degree X, ring membership R, total
 * valence v of non-aromatic atoms, bond type and ring membership. Anything else (hybridization, ring sizes,
 * valence of aromatic atoms, bond types other than single/double/triple/aromatic…) is unknown, and a
 * pattern that may meet an unknown is matched twice: counting only what is certain and counting everything
 * possible. When the two agree the answer is exact; otherwise the pattern goes to MinimalLib, as does a
 * pattern the matcher does not read. RDKit stops after `maxMatches` matches (recursive patterns after 1000):
 * the matcher enumerates in RDKit's order on the graph's adjacency (bond order), so a pattern certain on the
 * target is answered here at the cap too; an uncertain one reaching it goes to MinimalLib. Uniquified counts are distinct atom sets; distinct first atoms are answered here
 * for non-uniquified matches and one-atom patterns.
 *
 * Patterns MinimalLib answers are still skipped when no atom can be their first atom (a match maps it onto
 * some atom). test/descriptors/smarts-local.test.ts checks every pattern the families use against MinimalLib.
 */
import type { DescriptorContext } from "../context.ts"
import { certainOn, embeddings, firstAtomPasses, parseSmarts, smartsContext, UNKNOWN_BOND, type Context, type SmartsPattern, type SmartsTarget } from "../../smarts/match.ts"
import type { MatchOptions } from "./input.ts"

interface Compiled {
  /** matches certain to exist / possibly existing (null: not read by the matcher) */
  readonly sure: SmartsPattern | null
  readonly maybe: SmartsPattern | null
  /** the first atom alone, possible matches (null: not read) */
  readonly first: SmartsPattern | null
}

const tryParse = (smarts: string, mode: "def" | "poss"): SmartsPattern | null => {
  try {
    return parseSmarts(smarts, mode)
  } catch (e) {
    if (e instanceof SyntaxError) return null
    throw e
  }
}

/** the first atom of a pattern, as a pattern of its own */
const firstAtomOf = (smarts: string): string => {
  if (smarts.startsWith("[")) {
    let depth = 0
    for (let q = 0; q < smarts.length; q++) {
      if (smarts[q] === "[") depth++
      else if (smarts[q] === "]" && --depth === 0) return smarts.slice(0, q + 1)
    }
    return smarts
  }
  const two = smarts.slice(0, 2)
  return two === "Cl" || two === "Br" ? two : smarts.slice(0, 1)
}

const compiled = new Map<string, Compiled>()
const compile = (smarts: string): Compiled => {
  let c = compiled.get(smarts)
  if (c === undefined) {
    c = { sure: tryParse(smarts, "def"), maybe: tryParse(smarts, "poss"), first: tryParse(firstAtomOf(smarts), "poss") }
    compiled.set(smarts, c)
  }
  return c
}

const SINGLE = 1
const DOUBLE = 2
const TRIPLE = 3
const AROMATIC = 12

/** the matching context of the H-suppressed graph */
const matcher = (ctx: DescriptorContext): Context =>
  ctx.cached("smarts:target", () => {
    const g = ctx.graph(false)
    const n = g.n
    const hCount = new Uint8Array(n)
    const valence = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      let h = g.hCount[i]!
      let v = g.hCount[i]!
      for (let k = g.nbrStart[i]!; k < g.nbrStart[i + 1]!; k++) {
        if (g.z[g.nbrAtom[k]!] === 1) h++
        v += g.order[g.nbrBond[k]!]!
      }
      hCount[i] = h
      valence[i] = g.aromatic[i] ? NaN : v
    }
    const atomRings = new Uint8Array(n)
    const bondInRing = new Uint8Array(g.nb)
    for (const r of ctx.input.atomRings)
      for (let k = 0; k < r.length; k++) {
        const a = r[k]!
        const b = r[(k + 1) % r.length]!
        atomRings[a]!++
        for (let x = g.nbrStart[a]!; x < g.nbrStart[a + 1]!; x++) if (g.nbrAtom[x] === b) bondInRing[g.nbrBond[x]!] = 1
      }
    const bondType = new Uint8Array(g.nb)
    for (let b = 0; b < g.nb; b++) {
      const o = g.order[b]!
      bondType[b] = g.bondAromatic[b] ? AROMATIC : o === 1 ? SINGLE : o === 2 ? DOUBLE : o === 3 ? TRIPLE : UNKNOWN_BOND
    }
    const t: SmartsTarget = {
      numAtoms: n,
      numBonds: g.nb,
      atomicNum: g.z,
      aromatic: g.aromatic,
      hCount,
      implicitH: g.hCount,
      formalCharge: g.charge,
      atomRings,
      bondType,
      bondInRing,
      valence,
      adjStart: g.nbrStart,
      adjAtom: g.nbrAtom,
      adjBond: g.nbrBond,
    }
    return smartsContext(t)
  })

/** false when no atom of the graph (restricted to `candidates` if given) can be the pattern's first atom */
export const mayMatch = (ctx: DescriptorContext, smarts: string, candidates?: Uint8Array): boolean => {
  const first = compile(smarts).first
  if (first === null) return true
  const pass = firstAtomPasses(first, matcher(ctx))
  for (let i = 0; i < pass.length; i++) if ((candidates === undefined || candidates[i]) && pass[i] === 1) return true
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
  if (c.sure !== null && c.maybe !== null) {
    const m = matcher(ctx)
    const hi = embeddings(c.maybe, m, cap, uniquify)
    if (!m.capUncertain) {
      if (hi.total === 0) return 0
      // certain: the search runs in RDKit's order, so a search stopped at the cap keeps RDKit's matches
      if (certainOn(c.maybe, m)) return uniquify ? hi.unique : hi.total
      if (hi.total < cap) {
        const lo = embeddings(c.sure, m, cap, uniquify)
        if (uniquify ? lo.unique === hi.unique : lo.total === hi.total) return uniquify ? hi.unique : hi.total
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
  if (c.sure !== null && c.maybe !== null && (!uniquify || c.sure.n === 1)) {
    const m = matcher(ctx)
    const hi = embeddings(c.maybe, m, cap)
    const certain = certainOn(c.maybe, m)
    if (hi.total === 0 && !m.capUncertain) return NONE
    // certain: the search runs in RDKit's order, so a search stopped at the cap keeps RDKit's matches
    if ((hi.total < cap || certain) && !m.capUncertain) {
      const lo = certain ? hi : embeddings(c.sure, m, cap)
      let same = true
      let count = 0
      for (let i = 0; i < hi.perRoot.length && same; i++) {
        if (hi.perRoot[i]! > 0) count++
        same = hi.perRoot[i]! > 0 === lo.perRoot[i]! > 0
      }
      if (same) {
        const out = new Int32Array(count)
        count = 0
        for (let i = 0; i < hi.perRoot.length; i++) if (hi.perRoot[i]! > 0) out[count++] = i
        return out
      }
    }
  }
  return s.atoms(smarts, opts)
}
