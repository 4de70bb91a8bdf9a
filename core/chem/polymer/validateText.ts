import { ValidationError } from "../../errors/index.ts"
import { MAX_ATOMS, MAX_SMILES_LENGTH, VALIDATION_RULES, type ValidationRule } from "./rules.ts"

/** Atoms written in a SMILES: bracket atoms, then the organic subset and `*` outside brackets. */
export const countSmilesAtoms = (smiles: string): number => {
  const brackets = smiles.match(/\[[^\]]*\]/g)?.length ?? 0
  const rest = smiles.replace(/\[[^\]]*\]/g, "")
  return brackets + (rest.match(/Cl|Br|[BCNOPSFI]|[bcnops]|\*/g)?.length ?? 0)
}

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
  const atoms = countSmilesAtoms(smiles)
  if (atoms > MAX_ATOMS) return ruleError("too_many_atoms", smiles, `${atoms} atoms`)
  return undefined
}
