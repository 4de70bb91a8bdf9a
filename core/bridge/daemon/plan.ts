import type { JobStatus } from "../protocol/index.ts"
import type { HubStatus } from "./state.ts"

/**
 * Pure decisions of the bridge: what a hub job asks for, and which transitions take the hub from
 * what it shows to what the bridge knows.
 */

/** The processor the bridge registers and claims jobs of. */
export const PROCESSOR = "periogt"

/**
 * The processor ids a bridge of `version` serves: `periogt` (any version) and `periogt:<version>`, so a
 * job can pin the periogt that runs it, as EMX2's processor ids carry theirs (`text-embedding:v3`).
 */
export const processorsOf = (version: string): ReadonlyArray<string> => [PROCESSOR, `${PROCESSOR}:${version}`]

/**
 * Input artifact ids from a job's `inputs`, in the three forms EMX2 accepts: `[{artifact_id}]`,
 * `["id", …]` and `{name: "id", …}`.
 */
export const inputArtifactIds = (inputs: unknown): string[] => {
  if (inputs === undefined || inputs === null) return []
  if (Array.isArray(inputs)) {
    return inputs.flatMap((x) => (typeof x === "string" ? [x] : typeof x === "object" && x !== null && typeof (x as Record<string, unknown>)["artifact_id"] === "string" ? [(x as Record<string, string>)["artifact_id"]!] : []))
  }
  if (typeof inputs === "object") return Object.values(inputs as Record<string, unknown>).filter((v): v is string => typeof v === "string")
  return []
}

/**
 * The `--property` of a job: `parameters.property` (an id, a comma list or `all`) or
 * `parameters.properties` (a list). Undefined when the job names none.
 */
export const jobProperty = (parameters: unknown): string | undefined => {
  if (typeof parameters !== "object" || parameters === null) return undefined
  const p = parameters as Record<string, unknown>
  if (typeof p["property"] === "string" && p["property"].trim() !== "") return p["property"].trim()
  if (Array.isArray(p["properties"]) && p["properties"].length > 0 && p["properties"].every((x) => typeof x === "string" && x.trim() !== "")) return (p["properties"] as string[]).map((x) => x.trim()).join(",")
  return undefined
}

const ORDER: ReadonlyArray<HubStatus> = ["CLAIMED", "SUBMITTED", "STARTED", "COMPLETED"]

/**
 * The transitions from `from` to `to`, each one step of the protocol's state machine: a job that
 * finished between two polls still goes SUBMITTED → STARTED → COMPLETED; FAILED is one step from any
 * non-terminal status. Empty when there is nothing to do (or no way).
 */
export const transitionsTo = (from: HubStatus, to: HubStatus): HubStatus[] => {
  if (from === to) return []
  if (from === "COMPLETED" || from === "FAILED" || from === "CANCELLED") return []
  if (to === "FAILED" || to === "CANCELLED") return [to]
  const a = ORDER.indexOf(from)
  const b = ORDER.indexOf(to)
  return a < 0 || b < 0 || b <= a ? [] : ORDER.slice(a + 1, b + 1)
}

export const isTerminalHub = (s: HubStatus | JobStatus) => s === "COMPLETED" || s === "FAILED" || s === "CANCELLED"

/** The STARTED progress fields of a batch `done` rows into `total`, as EMX2 bounds them. */
export const progressFields = (done: number, total: number) => {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0
  return { phase: "predicting", message: `${done} of ${total} rows`, progress: Math.round(fraction * 1e4) / 1e4, detail: `progress: predicting; ${done} of ${total} rows; ${Math.round(fraction * 100)}%` }
}
