/**
 * Per-molecule cache of the intermediate results families share (graphs, distance matrices, rings…), each
 * computed once on first use. Families ask the context; they never rebuild what another family built.
 */
import { buildGraph, components, distanceMatrix, type Graph } from "./shared/graph.ts"
import type { DescriptorInput } from "./shared/input.ts"
import { kekulize2022 } from "./shared/kekulize2022.ts"

export class DescriptorContext {
  private readonly graphs: (Graph | undefined)[] = [undefined, undefined, undefined, undefined]
  private readonly dist: (Float64Array | undefined)[] = [undefined, undefined]
  private readonly memo = new Map<string, unknown>()

  constructor(readonly input: DescriptorInput) {}

  /** mordred's `self.mol` for a descriptor with these `explicit_hydrogens` / `kekulize` flags. */
  graph(explicitH: boolean, kekulize = false): Graph {
    const k = (explicitH ? 2 : 0) + (kekulize ? 1 : 0)
    return (this.graphs[k] ??= buildGraph(this.input, explicitH, kekulize, kekulize ? this.kekule : undefined))
  }

  /**
   * The Kekulé bond orders `Chem.Kekulize` gives in RDKit 2022.09 (mordred's kekulized molecule); the input's
   * own Kekulé form (MinimalLib 2026.09) differs on some aromatic systems.
   */
  get kekule(): Uint8Array {
    return this.cached("kekule2022", () => kekulize2022(this.input) ?? this.input.bondKekule)
  }

  /** `Chem.GetDistanceMatrix` of the H-explicit or H-suppressed graph (n×n, row-major). */
  distance(explicitH: boolean): Float64Array {
    const k = explicitH ? 1 : 0
    return (this.dist[k] ??= distanceMatrix(this.graph(explicitH)))
  }

  /** `len(Chem.GetMolFrags(mol))` (mordred's `n_frags`; `require_connected` descriptors are NaN when ≠ 1). */
  get nFrags(): number {
    return this.cached("nFrags", () => components(this.graph(false)).count)
  }

  /** Generic memo for family-specific intermediates shared by several descriptors or families. */
  cached<T>(key: string, make: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T
    const v = make()
    this.memo.set(key, v)
    return v
  }
}
