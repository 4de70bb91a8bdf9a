import { Result } from "effect"
import type { ArtifactIndex } from "../artifacts/indexFile.ts"
import { UnsupportedProperty, ValidationError } from "../errors/index.ts"

/** `--property eps`, `--property eps,tg` or `--property all`, checked against the index. */
export const selectProperties = (requested: string | undefined, index: ArtifactIndex): Result.Result<ReadonlyArray<string>, UnsupportedProperty | ValidationError> => {
  const available = Object.keys(index)
  if (requested === undefined || requested.trim() === "") {
    return Result.fail(
      new ValidationError({
        message: "--property is required",
        action: `pass --property with one of: ${available.join(", ")}, a comma list, or all`,
        details: { option: "--property", available },
      }),
    )
  }
  const wanted = requested.trim().toLowerCase() === "all" ? available : [...new Set(requested.split(",").map((p) => p.trim().toLowerCase()).filter((p) => p !== ""))]
  const unknown = wanted.filter((p) => !(p in index))
  if (unknown.length > 0) {
    return Result.fail(
      new UnsupportedProperty({
        message: `unsupported property: ${unknown.join(", ")}; available: ${available.join(", ") || "none"}`,
        action: "choose a property listed by `periogt doctor` (or GET /v1/properties)",
        details: { property: unknown.length === 1 ? unknown[0] : unknown, available },
      }),
    )
  }
  return Result.succeed(wanted)
}
