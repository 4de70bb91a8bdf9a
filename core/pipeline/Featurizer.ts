/**
 * The one featurizer: from one repeat unit, everything any command shows or the network consumes —
 * validity and the rule broken, the capped 3/6/9-mers and uncapped 1/2/3-mers, their 1191-bit
 * fingerprints, the augmented units, the prompt graphs with bond ids, the raw Mordred descriptors and
 * the md vector. Each is computed at most once per unit, on first use, by one function: what
 * `featurize` prints for the capped 3-mer is, by construction, what the network receives.
 *
 * Plain functions over the chemistry of core/chem; callers wrap them in Effect.
 */
import { mdVector, type ScalerParams } from "../chem/descriptors/index.ts"
import { FP_BITS, fingerprintOfSpec, onBits } from "../chem/fingerprints/index.ts"
import { augmentRepeatUnit } from "../chem/polymer/augment.ts"
import { CAPPED_UNITS, oligomerSmiles, oligomerSpec, UNCAPPED_UNITS } from "../chem/polymer/oligomer.ts"
import { buildPromptGraphs, type AtomRanks, type PromptGraphs } from "../chem/polymer/prompts.ts"
import { isRepeatUnit, validateRepeatUnit, type RepeatUnit } from "../chem/polymer/repeatUnit.ts"
import { MAX_ATOMS } from "../chem/polymer/rules.ts"
import { ValidationError } from "../errors/index.ts"
import type { RDKit } from "../runtime/rdkit.ts"
import { descriptorsOfOligomer } from "./descriptorInput.ts"
import type { NetworkInput } from "./network.ts"

export type { AtomRanks } from "../chem/polymer/prompts.ts"
/** The validation rules that need no parsing (length, wildcard, atom count): cheap checks before loading models. */
export { checkRepeatUnitText } from "../chem/polymer/validateText.ts"
export { CAPPED_UNITS, UNCAPPED_UNITS } from "../chem/polymer/oligomer.ts"

export type CappedUnits = (typeof CAPPED_UNITS)[number]
export type UncappedUnits = (typeof UNCAPPED_UNITS)[number]

/** Why a unit's descriptors cannot be computed: the rule, and the message a user reads. */
export interface DescriptorFailure {
  readonly failed: true
  readonly rule: "oligomer" | "too_many_atoms" | "unparsable"
  readonly message: string
}

/** Everything periogt derives from one valid repeat unit; each member computed on first use, once. */
export interface UnitFeatures {
  readonly smiles: string
  readonly unit: RepeatUnit
  /** canonical SMILES of the capped n-mer (upstream's generate_multimer_smiles), undefined where upstream builds none */
  readonly cappedSmiles: (n: CappedUnits) => string | undefined
  readonly uncappedSmiles: (n: UncappedUnits) => string | undefined
  /** MACCS (167) + Morgan r4 (1024) bits of the capped n-mer, as upstream's MolFromSmiles of that SMILES gives them */
  readonly fingerprint: (n: CappedUnits) => Uint8Array | undefined
  /** knowledge augmentation: the input first, then each cut variant (upstream's order, deduplicated) */
  readonly augmented: () => string[]
  /** prompt graphs (graph 0 = base graph) with bond ids; needs canonical ranks */
  readonly prompt: () => PromptGraphs
  /** mordred's 1613 raw values of the capped n-mer */
  readonly descriptors: (n: CappedUnits) => Float64Array | DescriptorFailure
  /** the network's md input: the capped 3-mer's descriptors, NaN → 0, clipped, standardized (float32) */
  readonly md: () => Float32Array | DescriptorFailure
}

export interface FeaturizerOptions {
  /** canonical atom ranks; without them there are no prompt graphs */
  readonly ranks?: AtomRanks
  /** the descriptor scaler; without it there is no md vector */
  readonly scaler?: ScalerParams
  /** told why a capped oligomer's descriptors were read by MinimalLib instead of built in TypeScript (for a debug log) */
  readonly onFallback?: (smiles: string, n: CappedUnits, reason: string) => void
}

const once = <T>(f: () => T): (() => T) => {
  let done = false
  let value: T
  return () => {
    if (!done) {
      value = f()
      done = true
    }
    return value
  }
}

const perN = <K extends number, T>(f: (n: K) => T): ((n: K) => T) => {
  const memo = new Map<K, T>()
  return (n) => {
    if (!memo.has(n)) memo.set(n, f(n))
    return memo.get(n)!
  }
}

export const onBitCount = (fp: Uint8Array): number => {
  let n = 0
  for (let i = 0; i < fp.length; i++) n += fp[i]!
  return n
}

export const shortSmiles = (s: string) => (s.length > 200 ? s.slice(0, 200) + "…" : s)

/** The features of one repeat unit, or the ValidationError naming the rule it breaks. */
export const featuresOf = (rdkit: RDKit, smiles: string, options: FeaturizerOptions = {}): UnitFeatures | ValidationError => {
  const unit = validateRepeatUnit(rdkit, smiles)
  if (!isRepeatUnit(unit)) return unit
  const cappedSmiles = perN((n: CappedUnits) => oligomerSmiles(rdkit, unit, n, true))
  const uncappedSmiles = perN((n: UncappedUnits) => oligomerSmiles(rdkit, unit, n, false))
  const fingerprint = perN((n: CappedUnits) => fingerprintOfSpec(rdkit, oligomerSpec(unit, n, true)))
  const augmented = once(() => augmentRepeatUnit(rdkit, unit))
  const prompt = once((): PromptGraphs => {
    if (options.ranks === undefined) throw new Error("prompt graphs need canonical ranks (FeaturizerOptions.ranks)")
    return buildPromptGraphs(rdkit, unit, options.ranks, { augmented: augmented() })
  })
  const descriptors = perN((n: CappedUnits): Float64Array | DescriptorFailure => {
    // built in TypeScript (any size) where it can, else read by MinimalLib (r.fallback says why)
    const r = descriptorsOfOligomer(rdkit, unit, n)
    if (!("refused" in r) && r.fallback !== undefined) options.onFallback?.(smiles, n, r.fallback)
    return "refused" in r ? { failed: true, rule: r.refused, message: r.message } : r.values
  })
  const md = once((): Float32Array | DescriptorFailure => {
    if (options.scaler === undefined) throw new Error("the md vector needs the descriptor scaler (FeaturizerOptions.scaler)")
    const raw = descriptors(3)
    return raw instanceof Float64Array ? mdVector(raw, options.scaler) : raw
  })
  return { smiles, unit, cappedSmiles, uncappedSmiles, fingerprint, augmented, prompt, descriptors, md }
}

export const isDescriptorFailure = (x: unknown): x is DescriptorFailure => typeof x === "object" && x !== null && (x as DescriptorFailure).failed === true

/**
 * The network's input of a featurized unit: the prompt graphs, the capped 3-mer's fingerprint and md
 * vector (every prompt graph of a unit gets the 3-mer's, as upstream's n = 1 prompts do). Fails where
 * upstream's prompt path itself raises (details.stage = "prompt_graphs"), where the capped 3-mer cannot
 * be built (stage "fingerprint") or described (stage "descriptors").
 */
export const networkInputOf = (f: UnitFeatures): NetworkInput | ValidationError => {
  const prompt = f.prompt()
  if (prompt.kind === "failed")
    return new ValidationError({
      message: `PerioGT cannot build prompt graphs for this repeat unit: ${prompt.reason}`,
      action: "write hydrogens implicitly, drop monatomic counter-ions, and write aromatic rings in aromatic form",
      details: { stage: "prompt_graphs", reason: prompt.reason, smiles: shortSmiles(f.smiles) },
    })
  const bits = f.fingerprint(3)
  if (bits === undefined)
    return new ValidationError({
      message: "the capped 3-mer of this repeat unit cannot be built",
      action: "check the repeat unit's valences",
      details: { stage: "fingerprint", smiles: shortSmiles(f.smiles) },
    })
  const md = f.md()
  if (isDescriptorFailure(md))
    return new ValidationError({
      message: md.message,
      action: md.rule === "too_many_atoms" ? `give a repeat unit of at most ${Math.floor(MAX_ATOMS / 3)} atoms` : "check the repeat unit",
      details: { stage: "descriptors", rule: md.rule, smiles: shortSmiles(f.smiles) },
    })
  const fp = new Float32Array(FP_BITS)
  for (let i = 0; i < FP_BITS; i++) fp[i] = bits[i]!
  return { graphs: prompt.graphs, fp, md }
}

/** Repeat unit → the network's input, or why there is none (the path of predict, batch, serve and the workers). */
export const featurizeForNetwork = (
  rdkit: RDKit,
  smiles: string,
  ranks: AtomRanks,
  scaler: ScalerParams,
  onFallback?: FeaturizerOptions["onFallback"],
): NetworkInput | ValidationError => {
  const f = featuresOf(rdkit, smiles, onFallback === undefined ? { ranks, scaler } : { ranks, scaler, onFallback })
  return f instanceof ValidationError ? f : networkInputOf(f)
}

export interface GraphSummary {
  readonly smiles: string
  readonly n: number
  readonly nodes: number
  readonly edges: number
  readonly bid: number[]
}

/** What `periogt featurize` prints for a valid unit (and the demo shows of it). */
export interface FeaturizeReport {
  readonly smiles: string
  readonly valid: true
  readonly atoms: number
  readonly bonds: number
  readonly capped: Record<string, string | null>
  readonly uncapped: Record<string, string | null>
  /** on-bit indices of the 1191-bit fingerprint (MACCS 0..166, Morgan r4 167..1190) per capped n */
  readonly fingerprints: Record<string, { readonly n: number; readonly on: number[] } | null>
  readonly augmented: string[]
  /** prompt graphs (graph 0 = base graph), where ranks were given */
  readonly graphs?: GraphSummary[] | { readonly failed: string }
}

export const featurizeReport = (f: UnitFeatures, withGraphs: boolean): FeaturizeReport => {
  const capped: Record<string, string | null> = {}
  const uncapped: Record<string, string | null> = {}
  const fingerprints: Record<string, { n: number; on: number[] } | null> = {}
  for (const n of CAPPED_UNITS) {
    capped[n] = f.cappedSmiles(n) ?? null
    const fp = f.fingerprint(n)
    fingerprints[n] = fp === undefined ? null : { n: fp.length, on: onBits(fp) }
  }
  for (const n of UNCAPPED_UNITS) uncapped[n] = f.uncappedSmiles(n) ?? null
  const base = { smiles: f.smiles, valid: true as const, atoms: f.unit.mol.numAtoms, bonds: f.unit.mol.numBonds, capped, uncapped, fingerprints, augmented: f.augmented() }
  if (!withGraphs) return base
  const p = f.prompt()
  return {
    ...base,
    graphs: p.kind === "failed" ? { failed: p.reason } : p.graphs.map((g) => ({ smiles: g.smiles, n: g.n, nodes: g.nNodes, edges: g.nEdges, bid: Array.from(g.bid) })),
  }
}
