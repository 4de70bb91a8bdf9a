/**
 * Prompt graphs of a repeat unit (the inference stage after knowledge augmentation: upstream's
 * `_generate_augmented_graphs` at the pinned commit):
 *
 * - candidates: every augmented unit (augment.ts) with n = 1 (the pinned code uses only n = 1; the
 *   1-mer is the SMILES itself);
 * - selection (ours, deterministic; the oracle uses the same rule in place of `random.sample`): N ≤ 10
 *   keeps all in order; otherwise index 0 and indices 1 + floor(k·(N−1)/9), k = 0..8;
 * - each selected candidate becomes a LiGhT graph with bond ids (bondMapping.ts); the first selected
 *   one is matched as the base (its `*` match anything), the others with `_modify`'s plain atoms. A
 *   candidate whose pattern does not match is dropped (upstream swallows that IndexError), so when the
 *   base is dropped the first surviving graph becomes graph 0 — the graph the finetuned model sees.
 * - anything else upstream raises (a monatomic fragment: DGL refuses a node without a bond id; explicit
 *   [H] atoms: RenumberAtoms refuses the pattern; nothing left) fails the whole prompt path.
 *
 * Canonical atom ranks are an input (`AtomRanks`): the graphs are numbered by them.
 */
import type { RDKit } from "../../runtime/rdkit.ts"
import { buildLightGraph, type LightGraph } from "../graph/light.ts"
import { parsePattern } from "../graph/pattern.ts"
import { parseMolecule } from "../molecule/parse.ts"
import type { Molecule } from "../molecule/types.ts"
import { augmentRepeatUnit, moleculesOfAugmented } from "./augment.ts"
import { buildFiveMer, graphBondIds, type FiveMer } from "./bondMapping.ts"
import type { RepeatUnit } from "./repeatUnit.ts"

/** RDKit `CanonicalRankAtoms` of a parsed molecule (upstream passes it to RenumberAtoms as the order). */
export type AtomRanks = (mol: Molecule, smiles: string) => ArrayLike<number>

export const MAX_PROMPT_GRAPHS = 10
/** n values of the prompt candidates at the pinned commit (`for i in range(1, 2)`) */
export const PROMPT_N_VALUES = [1] as const
export const PROMPT_SELECTION_RULE =
  "if N <= 10 keep all candidates in order; else keep index 0 and indices 1 + floor(k*(N-1)/9) for k = 0..8 (distinct, increasing)"

/** Indices kept out of `n` candidates (our deterministic replacement for upstream's random sample). */
export const selectPromptIndices = (n: number, keep: number = MAX_PROMPT_GRAPHS): number[] => {
  if (n <= keep) return Array.from({ length: n }, (_, i) => i)
  const out = [0]
  for (let k = 0; k < keep - 1; k++) out.push(1 + Math.floor((k * (n - 1)) / (keep - 1)))
  return out
}

export interface PromptCandidate {
  readonly smiles: string
  readonly n: number
}

export interface BuildCall {
  readonly smiles: string
  readonly isBase: boolean
  /** null: built; "no_match": dropped (upstream IndexError); "gave_up": the match search was abandoned (dropped, as upstream's timeout) */
  readonly outcome: null | "no_match" | "gave_up"
}

export type PromptGraphs =
  | {
      readonly kind: "ok"
      readonly augmented: readonly string[]
      readonly candidates: readonly PromptCandidate[]
      readonly selected: readonly number[]
      readonly calls: readonly BuildCall[]
      /** graph 0 = base graph */
      readonly graphs: readonly (LightGraph & { readonly bid: Int32Array; readonly smiles: string; readonly n: number })[]
    }
  | {
      readonly kind: "failed"
      /** why upstream's prompt path raises for this unit */
      readonly reason: string
      readonly augmented: readonly string[]
      readonly calls: readonly BuildCall[]
    }

export const promptCandidates = (augmented: readonly string[]): PromptCandidate[] =>
  augmented.flatMap((smiles) => PROMPT_N_VALUES.map((n) => ({ smiles, n })))

/** Bracket-written atoms of the unit (its H count is fixed; see buildFiveMer). */
const bracketAtoms = (smiles: string): boolean[] | undefined => {
  try {
    return parsePattern(smiles).atoms.map((a) => a.bracket)
  } catch {
    return undefined
  }
}

export const fiveMerOf = (u: RepeatUnit): FiveMer => buildFiveMer(u, bracketAtoms(u.smiles))

/** Every prompt graph of a validated repeat unit, as upstream builds them. */
export const buildPromptGraphs = (
  rdkit: RDKit,
  u: RepeatUnit,
  ranks: AtomRanks,
  options: { readonly maxMatchSteps?: number; readonly augmented?: readonly string[] } = {},
): PromptGraphs => {
  const augmented = options.augmented ?? augmentRepeatUnit(rdkit, u)
  const candidates = promptCandidates(augmented)
  const selected = selectPromptIndices(candidates.length)
  const fiveMer = fiveMerOf(u)
  const known = moleculesOfAugmented(augmented)
  const calls: BuildCall[] = []
  const graphs: (LightGraph & { bid: Int32Array; smiles: string; n: number })[] = []
  for (let k = 0; k < selected.length; k++) {
    const c = candidates[selected[k]!]!
    const isBase = k === 0
    // molecules known from validation (the input) and augmentation (variants written without RDKit)
    // are the ones parsing the same string gives
    const mol = (c.smiles === u.smiles ? u.mol : known?.get(c.smiles)) ?? parseMolecule(rdkit, c.smiles)
    if (mol === undefined) return { kind: "failed", reason: `RDKit cannot parse prompt unit ${c.smiles}`, augmented, calls }
    const order = ranks(mol, c.smiles)
    const r = graphBondIds(fiveMer, c.smiles, mol, order, isBase, options.maxMatchSteps === undefined ? {} : { maxSteps: options.maxMatchSteps })
    if (r.kind === "error") return { kind: "failed", reason: r.reason, augmented, calls }
    if (r.kind !== "ok") {
      calls.push({ smiles: c.smiles, isBase, outcome: r.kind })
      continue
    }
    for (let a = 0; a < mol.numAtoms; a++)
      if (mol.degree[a] === 0)
        return { kind: "failed", reason: `monatomic fragment in ${c.smiles}: its node gets no bond id (upstream's DGL raises)`, augmented, calls }
    calls.push({ smiles: c.smiles, isBase, outcome: null })
    const g = buildLightGraph(mol, order, r.bondIds)
    graphs.push({ ...g, bid: g.bid!, smiles: c.smiles, n: c.n })
  }
  if (graphs.length === 0) return { kind: "failed", reason: "no prompt graph survives the bond-id matching (upstream: IndexError at graphs[0])", augmented, calls }
  return { kind: "ok", augmented, candidates, selected, calls, graphs }
}
