import { ValidationError } from "../../errors/index.ts"
import { MAX_SMILES_LENGTH, VALIDATION_RULES, type ValidationRule } from "./rules.ts"

export const ruleError = (rule: ValidationRule, smiles: string, extra?: string) =>
  new ValidationError({
    message: `invalid repeat unit: ${VALIDATION_RULES[rule]}${extra === undefined ? "" : ` (${extra})`}`,
    action: "write the repeat unit as SMILES with exactly two '*' connection points, e.g. *CC(C)*",
    details: { rule, smiles: smiles.length > 200 ? smiles.slice(0, 200) + "…" : smiles },
  })

/** The rules that need no parsing; the molecule-level rules run after these on parsed molecules. */
export const checkRepeatUnitText = (smiles: string): ValidationError | undefined => {
  if (smiles.trim() === "") return ruleError("empty", smiles)
  if (smiles.length > MAX_SMILES_LENGTH) return ruleError("too_long", smiles, `${smiles.length} characters`)
  if (!smiles.includes("*")) return ruleError("no_wildcard", smiles)
  return undefined
}
