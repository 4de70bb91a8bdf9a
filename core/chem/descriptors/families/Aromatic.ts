import type { Family } from "../family.ts"

export const Aromatic: Family = {
  name: "Aromatic",
  names: ["nAromAtom", "nAromBond"],
  compute(ctx, out, o) {
    const g = ctx.graph(true)
    let a = 0
    let b = 0
    for (let i = 0; i < g.n; i++) a += g.aromatic[i]!
    for (let i = 0; i < g.nb; i++) b += g.bondAromatic[i]!
    out[o] = a
    out[o + 1] = b
  },
}
