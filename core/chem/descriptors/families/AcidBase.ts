import type { Family } from "../family.ts"
import { countMatches } from "../shared/smartsLocal.ts"

// mordred AcidBase SMARTS (facts): one atom query OR-ing recursive SMARTS
const ACID = ["[O;H1]-[C,S,P]=O", "[*;-;!$(*~[*;+])]", "[NH](S(=O)=O)C(F)(F)F", "n1nnnc1"]
const BASE = ["[NH2]-[CX4]", "[NH](-[CX4])-[CX4]", "N(-[CX4])(-[CX4])-[CX4]", "[*;+;!$(*~[*;-])]", "N=C-N", "N-C=N"]
const query = (xs: readonly string[]): string => "[" + xs.map((s) => `$(${s})`).join(",") + "]"
export const ACID_Q = query(ACID)
export const BASE_Q = query(BASE)

export const AcidBase: Family = {
  name: "AcidBase",
  names: ["nAcid", "nBase"],
  compute(ctx, out, o) {
    // mordred matches on the explicit-H molecule; the queries never match H atoms ([*;-] and [*;+] only
    // charged atoms, never neutral H), so the heavy-atom molecule gives the same count
    out[o] = countMatches(ctx, ACID_Q)
    out[o + 1] = countMatches(ctx, BASE_Q)
  },
}
