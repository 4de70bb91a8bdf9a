import { gunzipSync } from "node:zlib"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { LightGraph } from "../../../core/chem/graph/light.ts"

export const FIXTURE_DIR = join(import.meta.dir, "../../fixtures/featurizer")

export interface SparseTensor {
  shape: number[]
  idx: number[]
  val: number[]
}
export interface FixtureGraph {
  num_nodes: number
  num_edges: number
  begin_end: SparseTensor
  edge: SparseTensor
  vavn: number[]
  bid?: number[]
  src: number[]
  dst: number[]
  path: number[]
  lgp: number[]
  mgp: number[]
  vp: number[]
  sl: number[]
  ranks?: number[]
  smiles?: string
  n?: number
  batch_node_offset?: number
  path_batched?: number[] | null
}
export interface FixtureRecord {
  id: string
  smiles: string
  valid: boolean
  rule: string | null
  expected_rule?: string | null
  errors: { stage: string; type: string; message: string }[]
  capped?: Record<string, string | null>
  uncapped?: Record<string, string | null>
  fp?: Record<string, { n: number; on: number[] } | null>
  augmented?: string[] | null
  prompt?: {
    candidates?: { smiles: string; n: number }[]
    selected_indices?: number[]
    graph_smiles?: string[]
    graph_n?: number[]
    graphs?: FixtureGraph[]
  }
  without_prompt?: "same_as_prompt_graph_0" | FixtureGraph | null
}

export const fixtureIds = (): string[] =>
  readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith(".json.gz"))
    .map((f) => f.replace(/\.json\.gz$/, ""))
    .sort()

export const loadFixture = (id: string): FixtureRecord =>
  JSON.parse(gunzipSync(readFileSync(join(FIXTURE_DIR, `${id}.json.gz`))).toString("utf8")) as FixtureRecord

const dense = (s: SparseTensor): Float32Array => {
  const d = new Float32Array(s.shape.reduce((a, b) => a * b, 1))
  s.idx.forEach((i, k) => (d[i] = Math.fround(s.val[k]!)))
  return d
}

export const sameArray = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Field-by-field differences of a LiGhT graph against the oracle's (the tests and tools/parity/featurizer.ts). */
export const graphDiff = (g: LightGraph & { readonly bid?: ArrayLike<number> }, f: FixtureGraph): string[] => {
  const bad: string[] = []
  if (g.nNodes !== f.num_nodes) bad.push("num_nodes")
  if (g.nEdges !== f.num_edges) bad.push("num_edges")
  if (!sameArray(g.vavn, f.vavn)) bad.push("vavn")
  if (!sameArray(g.edgeSrc, f.src) || !sameArray(g.edgeDst, f.dst)) bad.push("src/dst")
  if (!sameArray(g.edgePath, f.path)) bad.push("path")
  if (!sameArray(g.edgeLgp, f.lgp)) bad.push("lgp")
  if (!sameArray(g.edgeMgp, f.mgp)) bad.push("mgp")
  if (!sameArray(g.edgeVp, f.vp)) bad.push("vp")
  if (!sameArray(g.edgeSl, f.sl)) bad.push("sl")
  if (!sameArray(g.beginEnd, dense(f.begin_end))) bad.push("begin_end")
  if (!sameArray(g.edge, dense(f.edge))) bad.push("edge")
  if (f.bid !== undefined && (g.bid === undefined || !sameArray(g.bid, f.bid))) bad.push("bid")
  return bad
}
