/**
 * Wildman–Crippen per-atom logP and MR contributions as RDKit's getCrippenAtomContribs: patterns tried in
 * table order, each atom typed by the first pattern whose first atom matches it (all matches, not
 * uniquified, RDKit's 1000-match cap); untyped atoms contribute 0. Table: RDKit's Crippen parameters
 * (Wildman & Crippen, JCICS 39, 868 (1999); facts). Used by MoeType's SlogP_VSA / SMR_VSA, on the H-suppressed
 * molecule (implicit H are not typed there, as RDKit).
 */
import type { DescriptorContext } from "../context.ts"
import type { Graph } from "./graph.ts"
import { matchAtoms } from "./smartsLocal.ts"

// label, SMARTS, logP, MR
export const CRIPPEN: readonly (readonly [string, string, number, number])[] = [
  ["C1", "[CH4]", 0.1441, 2.503],
  ["C1", "[CH3]C", 0.1441, 2.503],
  ["C1", "[CH2](C)C", 0.1441, 2.503],
  ["C2", "[CH](C)(C)C", 0.0, 2.433],
  ["C2", "[C](C)(C)(C)C", 0.0, 2.433],
  ["C3", "[CH3][N,O,P,S,F,Cl,Br,I]", -0.2035, 2.753],
  ["C3", "[CH2X4]([N,O,P,S,F,Cl,Br,I])[A;!#1]", -0.2035, 2.753],
  ["C4", "[CH1X4]([N,O,P,S,F,Cl,Br,I])([A;!#1])[A;!#1]", -0.2051, 2.731],
  ["C4", "[CH0X4]([N,O,P,S,F,Cl,Br,I])([A;!#1])([A;!#1])[A;!#1]", -0.2051, 2.731],
  ["C5", "[C]=[!C;A;!#1]", -0.2783, 5.007],
  ["C6", "[CH2]=C", 0.1551, 3.513],
  ["C6", "[CH1](=C)[A;!#1]", 0.1551, 3.513],
  ["C6", "[CH0](=C)([A;!#1])[A;!#1]", 0.1551, 3.513],
  ["C6", "[C](=C)=C", 0.1551, 3.513],
  ["C7", "[CX2]#[A;!#1]", 0.0017, 3.888],
  ["C8", "[CH3]c", 0.08452, 2.464],
  ["C9", "[CH3]a", -0.1444, 2.412],
  ["C10", "[CH2X4]a", -0.0516, 2.488],
  ["C11", "[CHX4]a", 0.1193, 2.582],
  ["C12", "[CH0X4]a", -0.0967, 2.576],
  ["C13", "[cH0]-[A;!C;!N;!O;!S;!F;!Cl;!Br;!I;!#1]", -0.5443, 4.041],
  ["C14", "[c][#9]", 0.0, 3.257],
  ["C15", "[c][#17]", 0.245, 3.564],
  ["C16", "[c][#35]", 0.198, 3.18],
  ["C17", "[c][#53]", 0.0, 3.104],
  ["C18", "[cH]", 0.1581, 3.35],
  ["C19", "[c](:a)(:a):a", 0.2955, 4.346],
  ["C20", "[c](:a)(:a)-a", 0.2713, 3.904],
  ["C21", "[c](:a)(:a)-C", 0.136, 3.509],
  ["C22", "[c](:a)(:a)-N", 0.4619, 4.067],
  ["C23", "[c](:a)(:a)-O", 0.5437, 3.853],
  ["C24", "[c](:a)(:a)-S", 0.1893, 2.673],
  ["C25", "[c](:a)(:a)=[C,N,O]", -0.8186, 3.135],
  ["C26", "[C](=C)(a)[A;!#1]", 0.264, 4.305],
  ["C26", "[C](=C)(c)a", 0.264, 4.305],
  ["C26", "[CH1](=C)a", 0.264, 4.305],
  ["C26", "[C]=c", 0.264, 4.305],
  ["C27", "[CX4][A;!C;!N;!O;!P;!S;!F;!Cl;!Br;!I;!#1]", 0.2148, 2.693],
  ["CS", "[#6]", 0.08129, 3.243],
  ["H1", "[#1][#6,#1]", 0.123, 1.057],
  ["H2", "[#1]O[CX4,c]", -0.2677, 1.395],
  ["H2", "[#1]O[!#6;!#7;!#8;!#16]", -0.2677, 1.395],
  ["H2", "[#1][!#6;!#7;!#8]", -0.2677, 1.395],
  ["H3", "[#1][#7]", 0.2142, 0.9627],
  ["H3", "[#1]O[#7]", 0.2142, 0.9627],
  ["H4", "[#1]OC=[#6,#7,O,S]", 0.298, 1.805],
  ["H4", "[#1]O[O,S]", 0.298, 1.805],
  ["HS", "[#1]", 0.1125, 1.112],
  ["N1", "[NH2+0][A;!#1]", -1.019, 2.262],
  ["N2", "[NH+0]([A;!#1])[A;!#1]", -0.7096, 2.173],
  ["N3", "[NH2+0]a", -1.027, 2.827],
  ["N4", "[NH1+0]([!#1;A,a])a", -0.5188, 3.0],
  ["N5", "[NH+0]=[!#1;A,a]", 0.08387, 1.757],
  ["N6", "[N+0](=[!#1;A,a])[!#1;A,a]", 0.1836, 2.428],
  ["N7", "[N+0]([A;!#1])([A;!#1])[A;!#1]", -0.3187, 1.839],
  ["N8", "[N+0](a)([!#1;A,a])[A;!#1]", -0.4458, 2.819],
  ["N8", "[N+0](a)(a)a", -0.4458, 2.819],
  ["N9", "[N+0]#[A;!#1]", 0.01508, 1.725],
  ["N10", "[NH3,NH2,NH;+,+2,+3]", -1.95, 0.0],
  ["N11", "[n+0]", -0.3239, 2.202],
  ["N12", "[n;+,+2,+3]", -1.119, 0.0],
  ["N13", "[NH0;+,+2,+3]([A;!#1])([A;!#1])([A;!#1])[A;!#1]", -0.3396, 0.2604],
  ["N13", "[NH0;+,+2,+3](=[A;!#1])([A;!#1])[!#1;A,a]", -0.3396, 0.2604],
  ["N13", "[NH0;+,+2,+3](=[#6])=[#7]", -0.3396, 0.2604],
  ["N14", "[N;+,+2,+3]#[A;!#1]", 0.2887, 3.359],
  ["N14", "[N;-,-2,-3]", 0.2887, 3.359],
  ["N14", "[N;+,+2,+3](=[N;-,-2,-3])=N", 0.2887, 3.359],
  ["NS", "[#7]", -0.4806, 2.134],
  ["O1", "[o]", 0.1552, 1.08],
  ["O2", "[OH,OH2]", -0.2893, 0.8238],
  ["O3", "[O]([A;!#1])[A;!#1]", -0.0684, 1.085],
  ["O4", "[O](a)[!#1;A,a]", -0.4195, 1.182],
  ["O5", "[O]=[#7,#8]", 0.0335, 3.367],
  ["O5", "[OX1;-,-2,-3][#7]", 0.0335, 3.367],
  ["O6", "[OX1;-,-2,-2][#16]", -0.3339, 0.7774],
  ["O6", "[O;-0]=[#16;-0]", -0.3339, 0.7774],
  ["O12", "[O-]C(=O)", -1.326, 0.0],
  ["O7", "[OX1;-,-2,-3][!#1;!N;!S]", -1.189, 0.0],
  ["O8", "[O]=c", 0.1788, 3.135],
  ["O9", "[O]=[CH]C", -0.1526, 0.0],
  ["O9", "[O]=C(C)([A;!#1])", -0.1526, 0.0],
  ["O9", "[O]=[CH][N,O]", -0.1526, 0.0],
  ["O9", "[O]=[CH2]", -0.1526, 0.0],
  ["O9", "[O]=[CX2]=O", -0.1526, 0.0],
  ["O10", "[O]=[CH]c", 0.1129, 0.2215],
  ["O10", "[O]=C([C,c])[a;!#1]", 0.1129, 0.2215],
  ["O10", "[O]=C(c)[A;!#1]", 0.1129, 0.2215],
  ["O11", "[O]=C([!#1;!#6])[!#1;!#6]", 0.4833, 0.389],
  ["OS", "[#8]", -0.1188, 0.6865],
  ["F", "[#9-0]", 0.4202, 1.108],
  ["Cl", "[#17-0]", 0.6895, 5.853],
  ["Br", "[#35-0]", 0.8456, 8.927],
  ["I", "[#53-0]", 0.8857, 14.02],
  ["Hal", "[#9,#17,#35,#53;-]", -2.996, 0.0],
  ["Hal", "[#53;+,+2,+3]", -2.996, 0.0],
  ["Hal", "[+;#3,#11,#19,#37,#55]", -2.996, 0.0],
  ["P", "[#15]", 0.8612, 6.92],
  ["S2", "[S;-,-2,-3,-4,+1,+2,+3,+5,+6]", -0.0024, 7.365],
  ["S2", "[S-0]=[N,O,P,S]", -0.0024, 7.365],
  ["S1", "[S;A]", 0.6482, 7.591],
  ["S3", "[s;a]", 0.6237, 6.691],
  ["Me1", "[#3,#11,#19,#37,#55]", -0.3808, 5.754],
  ["Me1", "[#4,#12,#20,#38,#56]", -0.3808, 5.754],
  ["Me1", "[#5,#13,#31,#49,#81]", -0.3808, 5.754],
  ["Me1", "[#14,#32,#50,#82]", -0.3808, 5.754],
  ["Me1", "[#33,#51,#83]", -0.3808, 5.754],
  ["Me1", "[#34,#52,#84]", -0.3808, 5.754],
  ["Me2", "[#21,#22,#23,#24,#25,#26,#27,#28,#29,#30]", -0.0025, 0.0],
  ["Me2", "[#39,#40,#41,#42,#43,#44,#45,#46,#47,#48]", -0.0025, 0.0],
  ["Me2", "[#72,#73,#74,#75,#76,#77,#78,#79,#80]", -0.0025, 0.0],
]

export const crippenContribs = (ctx: DescriptorContext): { logp: Float64Array; mr: Float64Array } | null =>
  ctx.cached("crippen", () => {
    const s = ctx.input.smarts
    if (s === null) return null
    const n = ctx.graph(false).n
    const logp = new Float64Array(n)
    const mr = new Float64Array(n)
    const needed = new Uint8Array(n).fill(1)
    let left = n
    for (const [, smarts, lp, m] of CRIPPEN) {
      if (left === 0) break
      // (no untyped atom can start a match: the pattern cannot type anything, and nothing is matched)
      for (const a of matchAtoms(ctx, smarts, { uniquify: false, maxMatches: 1000 }, needed)!) {
        if (!needed[a]) continue
        needed[a] = 0
        left--
        logp[a] = lp
        mr[a] = m
      }
    }
    return { logp, mr }
  })

/** the H rows of the table in order (H1 `[#1][#6,#1]` … HS `[#1]`): [logP, MR] */
const H_ROWS: readonly (readonly [number, number])[] = CRIPPEN.filter(([label]) => /^H[0-9S]$/.test(label)).map(([, , lp, m]) => [lp, m])
/** RDKit's SubstructMatch default `maxMatches`, which getCrippenAtomContribs does not change */
const MAX_MATCHES = 1000

/**
 * The matches of each H row of the table (`[#1][#6,#1]`, `[#1]O[CX4,c]`, `[#1]O[!#6;!#7;!#8;!#16]`,
 * `[#1][!#6;!#7;!#8]`, `[#1][#7]`, `[#1]O[#7]`, `[#1]OC=[#6,#7,O,S]`, `[#1]O[O,S]`, `[#1]`) that start at one
 * hydrogen of the molecule with its hydrogens added, into `out` — a hydrogen bonded to atom x, one that
 * `Chem.AddHs` puts there (self = −1) or the graph's own H atom `self` (x = −1: none). Matches are not
 * uniquified: `[#1]O[…]` counts every other neighbour of the oxygen that fits. "O" is an aliphatic oxygen;
 * its other neighbour y is bonded by a single or aromatic bond (SMARTS' default bond) — the hydrogens added
 * to x count as neighbours too.
 */
const hydrogenMatches = (g: Graph, x: number, self: number, out: Int32Array): void => {
  out.fill(0)
  out[8] = 1
  if (x < 0) return
  const z = g.z[x]!
  if (z === 6 || z === 1) out[0] = 1
  if (z !== 6 && z !== 7 && z !== 8) out[3] = 1
  if (z === 7) out[4] = 1
  if (z !== 8 || g.aromatic[x]) return
  const totalDegree = (y: number) => g.nbrStart[y + 1]! - g.nbrStart[y]! + g.hCount[y]!
  // the other added hydrogens on the oxygen: `[!#6;!#7;!#8;!#16]` neighbours
  out[2] = g.hCount[x]! - (self < 0 ? 1 : 0)
  for (let k = g.nbrStart[x]!; k < g.nbrStart[x + 1]!; k++) {
    const b = g.nbrBond[k]!
    const y = g.nbrAtom[k]!
    if (y === self || (g.order[b] !== 1 && !g.bondAromatic[b])) continue
    const zy = g.z[y]!
    if (zy === 6 && (g.aromatic[y] === 1 || totalDegree(y) === 4)) out[1]!++
    if (zy !== 6 && zy !== 7 && zy !== 8 && zy !== 16) out[2]!++
    if (zy === 7) out[5]!++
    if ((zy === 8 || zy === 16) && !g.aromatic[y]) out[7]!++
    if (zy === 6 && !g.aromatic[y])
      for (let q = g.nbrStart[y]!; q < g.nbrStart[y + 1]!; q++) {
        const c = g.nbrBond[q]!
        if (g.order[c] !== 2 || g.bondAromatic[c]) continue
        const w = g.nbrAtom[q]!
        const zw = g.z[w]!
        if (zw === 6 || zw === 7 || ((zw === 8 || zw === 16) && !g.aromatic[w])) out[6]!++
      }
  }
}

/**
 * RDKit's `Crippen.MolLogP` / `MolMR` (calcCrippenDescriptors with includeHs): contributions of the molecule
 * with its hydrogens added, summed in that molecule's atom order (atoms, then each atom's added H in turn).
 * Heavy atoms keep their type from `crippenContribs` (their SMARTS see the same neighbourhood with or without
 * H atoms, and no H can start or continue their matches, so the same matches in the same order). H atoms are
 * typed here as getCrippenAtomContribs types them: each H row's matches listed by their first atom in atom
 * order (the graph's own H atoms, then the added ones), only the first 1000 kept (SubstructMatch's default
 * `maxMatches`), an H taking the first row whose kept matches start at it — so past 1000 hydrogens some H
 * get no type and contribute 0. null without SMARTS matching.
 */
export const crippenTotals = (ctx: DescriptorContext): { logp: number; mr: number } | null =>
  ctx.cached("crippenTotals", () => {
    const c = crippenContribs(ctx)
    if (c === null) return null
    const g = ctx.graph(false)
    // matches of each H row so far, and the matches starting at the current H
    const seen = new Int32Array(H_ROWS.length)
    const here = new Int32Array(H_ROWS.length)
    const typeOf = (x: number, self: number): readonly [number, number] => {
      hydrogenMatches(g, x, self, here)
      let type: readonly [number, number] = UNTYPED
      for (let p = 0; p < here.length; p++) {
        if (type === UNTYPED && here[p]! > 0 && seen[p]! < MAX_MATCHES) type = H_ROWS[p]!
        seen[p]! += here[p]!
      }
      return type
    }
    // the graph's own H atoms come first in atom order; their types are summed at their place
    const own = new Map<number, readonly [number, number]>()
    for (let i = 0; i < g.n; i++) {
      if (g.z[i] !== 1) continue
      // an H bonded to an added H ([HH]) matches `[#1][#6,#1]` first
      const x = g.hCount[i]! > 0 ? i : g.nbrStart[i + 1]! > g.nbrStart[i]! ? g.nbrAtom[g.nbrStart[i]!]! : -1
      own.set(i, x === i ? firstOfH(seen) : typeOf(x, i))
    }
    let logp = 0
    let mr = 0
    for (let i = 0; i < g.n; i++) {
      const t = own.get(i)
      logp += t === undefined ? c.logp[i]! : t[0]
      mr += t === undefined ? c.mr[i]! : t[1]
    }
    for (let i = 0; i < g.n; i++) {
      const h = g.hCount[i]!
      for (let k = 0; k < h; k++) {
        const [lp, m] = typeOf(i, -1)
        logp += lp
        mr += m
      }
    }
    return { logp, mr }
  })

const UNTYPED: readonly [number, number] = [0, 0]

/** an H whose neighbour is another H: `[#1][#6,#1]`, `[#1][!#6;!#7;!#8]` and `[#1]` start there once each */
const firstOfH = (seen: Int32Array): readonly [number, number] => {
  const rows = [0, 3, 8]
  let type: readonly [number, number] = UNTYPED
  for (const p of rows) {
    if (type === UNTYPED && seen[p]! < MAX_MATCHES) type = H_ROWS[p]!
    seen[p]!++
  }
  return type
}
