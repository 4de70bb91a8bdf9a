import type { Family } from "../family.ts"
import { rdkitValue } from "../shared/rdkitValue.ts"

/** Wildman–Crippen logP / MR: RDKit Crippen.MolLogP / MolMR, read from RDKit on the same molecule. */
export const SLogP: Family = {
  name: "SLogP",
  names: ["SLogP", "SMR"],
  compute(ctx, out, o) {
    out[o] = rdkitValue(ctx, "CrippenClogP")
    out[o + 1] = rdkitValue(ctx, "CrippenMR")
  },
}
