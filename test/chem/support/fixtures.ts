import { gunzipSync } from "node:zlib"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

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
