import type { DescriptorContext } from "./context.ts"

/**
 * One mordred module. `compute` writes the family's values, in mordred's order, into `out` starting at `offset`
 * (NaN where mordred gives an error). `names` must equal the family's block in `names.ts` (tested).
 */
export interface Family {
  readonly name: string
  readonly names: readonly string[]
  readonly compute: (ctx: DescriptorContext, out: Float64Array, offset: number) => void
}
