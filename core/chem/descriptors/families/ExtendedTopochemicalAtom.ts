/**
 * mordred ExtendedTopochemicalAtom (ETA): core counts α, VEM counts β, composite indices η, ε variants.
 * Works on the H-suppressed Kekulé molecule (and the explicit-H one for ε1, ε3, ε4, ε5), plus mordred's two
 * altered molecules: the reference alkane (every heavy atom C, every bond single) and the saturated skeleton
 * (C–C bonds single, others kept, H re-added by RDKit's valence rules). All NaN unless one fragment.
 * Depends on the Kekulé form (aromatic bonds that are double contribute to β_ns): see known-differences.ts.
 */
import type { DescriptorContext } from "../context.ts"
import type { Family } from "../family.ts"
import { implicitHydrogens, MORDRED, OUTER_ELECTRONS } from "../shared/elements.ts"
import type { Graph } from "../shared/graph.ts"

const NAMES = [
  "ETA_alpha", "AETA_alpha", "ETA_shape_p", "ETA_shape_y", "ETA_shape_x",
  "ETA_beta", "AETA_beta", "ETA_beta_s", "AETA_beta_s", "ETA_beta_ns", "AETA_beta_ns", "ETA_beta_ns_d", "AETA_beta_ns_d",
  "ETA_eta", "AETA_eta", "ETA_eta_L", "AETA_eta_L", "ETA_eta_R", "AETA_eta_R", "ETA_eta_RL", "AETA_eta_RL",
  "ETA_eta_F", "AETA_eta_F", "ETA_eta_FL", "AETA_eta_FL", "ETA_eta_B", "AETA_eta_B", "ETA_eta_BR", "AETA_eta_BR",
  "ETA_dAlpha_A", "ETA_dAlpha_B",
  "ETA_epsilon_1", "ETA_epsilon_2", "ETA_epsilon_3", "ETA_epsilon_4", "ETA_epsilon_5",
  "ETA_dEpsilon_A", "ETA_dEpsilon_B", "ETA_dEpsilon_C", "ETA_dEpsilon_D",
  "ETA_dBeta", "AETA_dBeta", "ETA_psi_1", "ETA_dPsi_A", "ETA_dPsi_B",
]

/** mordred get_core_count */
const coreCount = (z: number): number => {
  if (z === 1) return 0
  const zv = OUTER_ELECTRONS[z]!
  return (z - zv) / (zv * (MORDRED.period[z]! - 1))
}
/** mordred get_eta_epsilon */
const epsilon = (z: number): number => 0.3 * OUTER_ELECTRONS[z]! - coreCount(z)

const heavyNbrs = function* (g: Graph, i: number) {
  for (let x = g.nbrStart[i]!; x < g.nbrStart[i + 1]!; x++) if (g.z[g.nbrAtom[x]!] !== 1) yield x
}

interface Betas {
  sigma: Float64Array
  nonSigma: Float64Array
  delta: Float64Array
  gamma: Float64Array
}

/** per-atom β parts and γ on the H-suppressed Kekulé graph */
const betas = (ctx: DescriptorContext): Betas =>
  ctx.cached("eta:betas", () => {
    const g = ctx.graph(false, true)
    const n = g.n
    const inRing = new Uint8Array(n)
    for (const r of ctx.input.atomRings) for (const a of r) inRing[a] = 1
    const sigma = new Float64Array(n)
    const nonSigma = new Float64Array(n)
    const delta = new Float64Array(n)
    const gamma = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const ei = epsilon(g.z[i]!)
      let valence = g.hCount[i]!
      let aromaticNbr = false
      for (const x of heavyNbrs(g, i)) {
        const j = g.nbrAtom[x]!
        const b = g.nbrBond[x]!
        const dEps = Math.abs(epsilon(g.z[j]!) - ei)
        sigma[i] = sigma[i]! + (dEps <= 0.3 ? 0.5 : 0.75)
        const o = g.order[b]!
        if (o !== 1) {
          const f = o === 3 ? 2 : 1
          const y = g.bondAromatic[b] ? 2 : dEps > 0.3 ? 1.5 : 1
          nonSigma[i] = nonSigma[i]! + y * f
        }
        if (g.aromatic[j]) aromaticNbr = true
      }
      for (let x = g.nbrStart[i]!; x < g.nbrStart[i + 1]!; x++) valence += g.order[g.nbrBond[x]!]!
      const lonePairs = OUTER_ELECTRONS[g.z[i]!]! - valence > 0
      delta[i] = !g.aromatic[i] && !inRing[i] && lonePairs && aromaticNbr ? 0.5 : 0
      const beta = sigma[i]! + nonSigma[i]! + delta[i]!
      gamma[i] = beta === 0 ? NaN : coreCount(g.z[i]!) / beta
    }
    return { sigma, nonSigma, delta, gamma }
  })

/**
 * Σ_{i<j} √(γi γj / r²) over all pairs (local: bonded pairs only), over the atoms `only` (all when null;
 * distances are those of the full graph: the dropped atoms are terminal H, so distances between the others
 * are unchanged)
 */
const composite = (ctx: DescriptorContext, gamma: Float64Array, local: boolean, only: number[] | null): number => {
  const n = gamma.length
  const D = ctx.distance(false)
  const idx = only ?? Array.from({ length: n }, (_, i) => i)
  let v = 0
  for (let x = 0; x < idx.length; x++)
    for (let y = x + 1; y < idx.length; y++) {
      const i = idx[x]!
      const j = idx[y]!
      const r = D[i * n + j]!
      if (r === 0 || (local && r !== 1)) continue
      v += Math.sqrt((gamma[i]! * gamma[j]!) / (r * r))
    }
  return v
}

export const ExtendedTopochemicalAtom: Family = {
  name: "ExtendedTopochemicalAtom",
  names: NAMES,
  compute(ctx, out, o) {
    const put = (vals: number[]) => vals.forEach((v, k) => (out[o + k] = v))
    if (ctx.nFrags !== 1) return put(NAMES.map(() => NaN))
    const g = ctx.graph(false, true)
    const gh = ctx.graph(true, true)
    const N = g.n
    const deg = (i: number) => g.nbrStart[i + 1]! - g.nbrStart[i]!
    const { sigma, nonSigma, delta, gamma } = betas(ctx)

    let alpha = 0
    const shape = [0, 0, 0]
    for (let i = 0; i < N; i++) {
      const c = coreCount(g.z[i]!)
      alpha += c
      const d = deg(i)
      if (d === 1) shape[0]! += c
      else if (d === 3) shape[1]! += c
      else if (d === 4) shape[2]! += c
    }
    let bS = 0
    let bNs = 0
    let bD = 0
    for (let i = 0; i < N; i++) {
      bS += sigma[i]! / 2
      bNs += nonSigma[i]! / 2 + delta[i]!
      bD += delta[i]!
    }
    const beta = bS + bNs

    // reference alkane (mordred AlterMolecule): hydrogen atoms dropped, every other atom C, every bond single;
    // NaN when a bond of the molecule touches an atom of degree > 4
    let refOk = true
    for (let b = 0; b < g.nb; b++) if (deg(g.begin[b]!) > 4 || deg(g.end[b]!) > 4) refOk = false
    const refIdx: number[] = []
    for (let i = 0; i < N; i++) if (g.z[i] !== 1) refIdx.push(i)
    const Nref = refIdx.length
    const refDeg = (i: number) => {
      let d = 0
      for (let x = g.nbrStart[i]!; x < g.nbrStart[i + 1]!; x++) if (g.z[g.nbrAtom[x]!] !== 1) d++
      return d
    }
    const refGamma = new Float64Array(N).fill(NaN)
    for (const i of refIdx) refGamma[i] = refDeg(i) === 0 ? NaN : 1 / refDeg(i)
    const alphaR = 0.5 * Nref
    const eta = composite(ctx, gamma, false, null)
    const etaL = composite(ctx, gamma, true, null)
    const etaR = refOk ? composite(ctx, refGamma, false, refIdx) : NaN
    const etaRL = refOk ? composite(ctx, refGamma, true, refIdx) : NaN
    const nRing = ctx.input.atomRings.length
    const etaNL = N <= 1 ? NaN : N === 2 ? 1 : Math.SQRT2 + 0.5 * (N - 3)

    // ε
    const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN)
    const e1 = mean(Array.from(gh.z, (z) => epsilon(z)))
    const e2 = mean(Array.from(g.z, (z) => epsilon(z)))
    // reference with H (from the explicit-H molecule): non-H atoms become C with 4 − degree H
    let ref3Ok = true
    for (let b = 0; b < gh.nb; b++) {
      const a1 = gh.begin[b]!
      const a2 = gh.end[b]!
      if (gh.nbrStart[a1 + 1]! - gh.nbrStart[a1]! > 4 || gh.nbrStart[a2 + 1]! - gh.nbrStart[a2]! > 4) ref3Ok = false
    }
    let nH3 = 0
    for (const i of refIdx) nH3 += 4 - refDeg(i)
    const e3 = ref3Ok ? (epsilon(6) * Nref + epsilon(1) * nH3) / (Nref + nH3) : NaN
    // saturated skeleton: non-H atoms keep element and charge, C–C bonds single, other bonds kept (Kekulé),
    // then H re-added by RDKit's valence rules (sanitization failure → NaN)
    let e4 = 0
    let nH4 = 0
    let sat = true
    for (const i of refIdx) {
      let ev = 0
      for (let x = g.nbrStart[i]!; x < g.nbrStart[i + 1]!; x++) {
        const j = g.nbrAtom[x]!
        if (g.z[j] === 1) continue
        ev += g.z[i] === 6 && g.z[j] === 6 ? 1 : g.order[g.nbrBond[x]!]!
      }
      const h = implicitHydrogens(g.z[i]!, g.charge[i]!, ev)
      if (h === null) {
        sat = false
        break
      }
      nH4 += h
      e4 += epsilon(g.z[i]!)
    }
    const eps4 = sat ? (e4 + epsilon(1) * nH4) / (Nref + nH4) : NaN
    const e5list: number[] = []
    for (let i = 0; i < gh.n; i++) {
      if (gh.z[i] !== 1 || gh.z[gh.nbrAtom[gh.nbrStart[i]!]!] !== 6) e5list.push(epsilon(gh.z[i]!))
    }
    const e5 = mean(e5list)
    const psi = alpha / (N * e2)

    put([
      alpha, alpha / N,
      alpha === 0 ? NaN : shape[0]! / alpha, alpha === 0 ? NaN : shape[1]! / alpha, alpha === 0 ? NaN : shape[2]! / alpha,
      beta, beta / N, bS, bS / N, bNs, bNs / N, bD, bD / N,
      eta, eta / N, etaL, etaL / N, etaR, etaR / Nref, etaRL, etaRL / Nref,
      etaR - eta, (etaR - eta) / N, etaRL - etaL, (etaRL - etaL) / N,
      etaNL - etaRL, (etaNL - etaRL) / N, etaNL - etaRL + 0.086 * nRing, (etaNL - etaRL + 0.086 * nRing) / N,
      refOk ? Math.max((alpha - alphaR) / N, 0) : NaN, refOk ? Math.max((alphaR - alpha) / N, 0) : NaN,
      e1, e2, e3, eps4, e5,
      e1 - e3, e1 - eps4, e3 - eps4, e2 - e5,
      bNs - bS, (bNs - bS) / N, psi, Math.max(0.714 - psi, 0), Math.max(psi - 0.714, 0),
    ])
  },
}
