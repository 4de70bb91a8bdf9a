import type { DescriptorContext } from "../context.ts"

/** RDKit's own value of the same molecule (MinimalLib `get_descriptors()`); NaN when unavailable. */
export const rdkitValue = (ctx: DescriptorContext, key: string): number => ctx.input.rdkitDescriptors?.[key] ?? NaN
