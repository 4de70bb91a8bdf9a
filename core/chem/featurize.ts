/**
 * Everything the model sees of one repeat unit short of descriptors: validity, the capped 3/6/9-mers
 * (fingerprints, descriptors), the uncapped 1/2/3-mers, the 1191-bit fingerprints, and — given
 * canonical atom ranks — the augmented units and the prompt graphs (graph 0 = base graph) with bond
 * ids, i.e. the network input minus md. Plain functions; callers wrap them in Effect.
 */
import { ValidationError } from "../errors/index.ts"
import type { RDKit } from "../runtime/rdkit.ts"
import { FP_BITS, fingerprintOfGraph, fingerprintOfSpec, fingerprintOfSpecInRdkit, onBits } from "./fingerprints/index.ts"
import type { LightGraph } from "./graph/light.ts"
import { augmentRepeatUnit } from "./polymer/augment.ts"
import { CAPPED_UNITS, oligomerGraph, oligomerSmiles, oligomerSpec, UNCAPPED_UNITS } from "./polymer/oligomer.ts"
import { buildPromptGraphs, type AtomRanks, type PromptGraphs } from "./polymer/prompts.ts"
import { isRepeatUnit, validateRepeatUnit, type RepeatUnit } from "./polymer/repeatUnit.ts"
import { withoutRdkit } from "./polymer/variants.ts"

export type { AtomRanks } from "./polymer/prompts.ts"

export interface GraphSummary {
  readonly smiles: string
  readonly n: number
  readonly nodes: number
  readonly edges: number
  readonly bid: number[]
}

export interface Featurized {
  readonly smiles: string
  readonly valid: true
  readonly atoms: number
  readonly bonds: number
  readonly capped: Record<string, string | null>
  readonly uncapped: Record<string, string | null>
  /** on-bit indices of the 1191-bit fingerprint (MACCS 0..166, Morgan r4 167..1190) per capped n */
  readonly fingerprints: Record<string, { readonly n: number; readonly on: number[] } | null>
  /** knowledge augmentation: the input first, then each cut variant (upstream order, deduplicated) */
  readonly augmented: string[]
  /** prompt graphs (graph 0 = base graph), when canonical ranks were given */
  readonly graphs?: GraphSummary[] | { readonly failed: string }
}

export interface FeaturizeOptions {
  /** canonical atom ranks; without them no graphs are built */
  readonly ranks?: AtomRanks
}

const summarize = (p: PromptGraphs): GraphSummary[] | { failed: string } =>
  p.kind === "failed"
    ? { failed: p.reason }
    : p.graphs.map((g) => ({ smiles: g.smiles, n: g.n, nodes: g.nNodes, edges: g.nEdges, bid: Array.from(g.bid) }))

export const featurizeRepeatUnit = (rdkit: RDKit, smiles: string, options: FeaturizeOptions = {}): Featurized | ValidationError => {
  const u = validateRepeatUnit(rdkit, smiles)
  if (!isRepeatUnit(u)) return u
  const capped: Record<string, string | null> = {}
  const uncapped: Record<string, string | null> = {}
  const fingerprints: Record<string, { n: number; on: number[] } | null> = {}
  for (const n of CAPPED_UNITS) {
    const spec = oligomerSpec(u, n, true)
    capped[n] = oligomerSmiles(rdkit, u, n, true) ?? null
    const fp = fingerprintOfSpec(rdkit, spec)
    fingerprints[n] = fp === undefined ? null : { n: fp.length, on: onBits(fp) }
  }
  for (const n of UNCAPPED_UNITS) uncapped[n] = oligomerSmiles(rdkit, u, n, false) ?? null
  const augmented = augmentRepeatUnit(rdkit, u)
  const base = { smiles, valid: true as const, atoms: u.mol.numAtoms, bonds: u.mol.numBonds, capped, uncapped, fingerprints, augmented }
  if (options.ranks === undefined) return base
  return { ...base, graphs: summarize(buildPromptGraphs(rdkit, u, options.ranks, { augmented })) }
}

/** The network's input for one repeat unit, less the descriptors (added by the pipeline). */
export interface GraphInput {
  /** prompt graphs with bond ids; graph 0 is the base graph */
  readonly graphs: readonly (LightGraph & { readonly bid: Int32Array })[]
  /** fingerprint of the capped 3-mer, [1191] of 0/1 (every graph of the unit gets it) */
  readonly fp: Float32Array
  readonly unit: RepeatUnit
  readonly prompt: Extract<PromptGraphs, { kind: "ok" }>
}

/** Fingerprint of the capped 3-mer as the network takes it (in TypeScript where the 3-mer's graph is known exactly). */
export const cappedFingerprint = (rdkit: RDKit, u: RepeatUnit): Float32Array | undefined => {
  const fp = withoutRdkit(() => {
    const g = oligomerGraph(u, 3, true)
    return g === undefined ? undefined : fingerprintOfGraph(g)
  }) ?? fingerprintOfSpecInRdkit(rdkit, oligomerSpec(u, 3, true))
  if (fp === undefined) return undefined
  const out = new Float32Array(FP_BITS)
  for (let i = 0; i < FP_BITS; i++) out[i] = fp[i]!
  return out
}

/**
 * Graphs (with bond ids) and fingerprint of a repeat unit: the `NetworkInput` less `md`. Fails with a
 * ValidationError where the input is not a valid repeat unit, where upstream's prompt path itself
 * raises (details.stage = "prompt_graphs"), or where the capped 3-mer cannot be built
 * (details.stage = "fingerprint").
 */
export const graphInputOf = (rdkit: RDKit, smiles: string, ranks: AtomRanks): GraphInput | ValidationError => {
  const u = validateRepeatUnit(rdkit, smiles)
  if (!isRepeatUnit(u)) return u
  const prompt = buildPromptGraphs(rdkit, u, ranks)
  if (prompt.kind === "failed")
    return new ValidationError({
      message: `PerioGT cannot build prompt graphs for this repeat unit: ${prompt.reason}`,
      action: "write hydrogens implicitly, drop monatomic counter-ions, and write aromatic rings in aromatic form",
      details: { stage: "prompt_graphs", reason: prompt.reason, smiles: smiles.length > 200 ? smiles.slice(0, 200) + "…" : smiles },
    })
  const fp = cappedFingerprint(rdkit, u)
  if (fp === undefined)
    return new ValidationError({
      message: "the capped 3-mer of this repeat unit cannot be built",
      action: "check the repeat unit's valences",
      details: { stage: "fingerprint", smiles: smiles.length > 200 ? smiles.slice(0, 200) + "…" : smiles },
    })
  return { graphs: prompt.graphs, fp, unit: u, prompt }
}
