/**
 * What `periogt descriptors` computes for one input: the 1613 Mordred descriptors of the molecule the
 * model would describe — for a repeat unit (SMILES with `*`), its capped n-mer (n = 3 is the network's
 * input); for a plain molecule, the molecule itself — raw, or as the network's standardized md vector.
 */
import { DESCRIPTOR_NAMES, mdVector, type ScalerParams } from "../chem/descriptors/index.ts"
import { MAX_ATOMS, MAX_SMILES_LENGTH } from "../chem/polymer/rules.ts"
import { countSmilesAtoms } from "../chem/polymer/validateText.ts"
import { ValidationError } from "../errors/index.ts"
import type { RDKit } from "../runtime/rdkit.ts"
import { descriptorsOfSmiles } from "./descriptorInput.ts"
import { featuresOf, isDescriptorFailure, shortSmiles, type CappedUnits, type UnitFeatures } from "./Featurizer.ts"

export type { CappedUnits } from "./Featurizer.ts"
export { DESCRIPTOR_NAMES, descriptorIndex } from "../chem/descriptors/index.ts"
export type { ScalerParams } from "../chem/descriptors/index.ts"

export interface Described {
  /** the SMILES the descriptors are of: the capped n-mer, or the input molecule */
  readonly molecule: string
  /** 1613 values in mordred's order: raw (NaN where mordred gives NaN) or the md vector */
  readonly values: Float64Array | Float32Array
}

export interface DescribeOptions {
  readonly oligomer: CappedUnits
  /** when given, the values are the network's md vector (NaN → 0, clipped, standardized, float32) */
  readonly scaler?: ScalerParams
}

const invalid = (message: string, smiles: string, rule: string) =>
  new ValidationError({
    message,
    action: "give a repeat unit with two '*' (e.g. *CC(C)*) or a molecule SMILES (e.g. CCO)",
    details: { rule, smiles: shortSmiles(smiles) },
  })

/** The descriptors of a featurized repeat unit's capped n-mer: the Featurizer's own values. */
export const describeFeatures = (f: UnitFeatures, o: DescribeOptions): Described | ValidationError => {
  const raw = f.descriptors(o.oligomer)
  if (isDescriptorFailure(raw)) return invalid(raw.message, f.smiles, raw.rule)
  return { molecule: f.cappedSmiles(o.oligomer)!, values: o.scaler === undefined ? raw : mdVector(raw, o.scaler) }
}

export const describe = (rdkit: RDKit, smiles: string, o: DescribeOptions): Described | ValidationError => {
  if (smiles.trim() === "") return invalid("the SMILES is empty", smiles, "empty")
  if (smiles.includes("*")) {
    const f = featuresOf(rdkit, smiles)
    return f instanceof ValidationError ? f : describeFeatures(f, o)
  }
  if (smiles.length > MAX_SMILES_LENGTH) return invalid(`the SMILES is longer than ${MAX_SMILES_LENGTH} characters`, smiles, "too_long")
  if (countSmilesAtoms(smiles) > MAX_ATOMS) return invalid(`the SMILES has more than ${MAX_ATOMS} atoms, more than this build's RDKit (WebAssembly) can handle`, smiles, "too_many_atoms")
  const raw = descriptorsOfSmiles(rdkit, smiles)
  if (raw === undefined) return invalid(`the SMILES cannot be parsed: ${shortSmiles(smiles)}`, smiles, "unparsable")
  return { molecule: smiles, values: o.scaler === undefined ? raw : mdVector(raw, o.scaler) }
}

/** Shortest decimal that reads back as the same float32 (md values are float32, as the network takes them). */
export const float32Text = (v: number): string => {
  for (let p = 1; p < 10; p++) {
    const t = Number(v.toPrecision(p))
    if (Math.fround(t) === v) return String(t)
  }
  return String(v)
}

/** As JSON: null for NaN (mordred could not compute it), "inf"/"-inf" (JSON has no infinities). */
export const descriptorJsonValue = (v: number, float32: boolean): number | string | null =>
  Number.isNaN(v) ? null : v === Infinity ? "inf" : v === -Infinity ? "-inf" : float32 ? Number(float32Text(v)) : v

/** `{name: value}` in mordred's order. */
export const namedDescriptors = (values: Float64Array | Float32Array): Record<string, number | string | null> => {
  const float32 = values instanceof Float32Array
  const out: Record<string, number | string | null> = {}
  DESCRIPTOR_NAMES.forEach((name, i) => (out[name] = descriptorJsonValue(values[i]!, float32)))
  return out
}
