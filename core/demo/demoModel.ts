/** What the demonstration model is called and predicts; every output built on it carries these labels. */
import type { PropertyInfo } from "../pipeline/Predictor.ts"

export const DEMO_PROPERTY: PropertyInfo = { id: "demo", label: "demonstration output (untrained synthetic network)", units: "arbitrary", checkpoint: "embedded demonstration model" }

export const DEMO_MODEL_NAME = "periogt demonstration model: PerioGT's architecture, tiny configuration, untrained seeded weights — not a PerioGT prediction"
