import type { Family } from "../family.ts"
import { crippenTotals } from "../shared/crippen.ts"

/** Wildman–Crippen logP / MR: RDKit Crippen.MolLogP / MolMR (shared/crippen.ts `crippenTotals`). */
export const SLogP: Family = {
  name: "SLogP",
  names: ["SLogP", "SMR"],
  compute(ctx, out, o) {
    const t = crippenTotals(ctx)
    out[o] = t?.logp ?? NaN
    out[o + 1] = t?.mr ?? NaN
  },
}
