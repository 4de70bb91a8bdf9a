import { Result, Schema } from "effect"
import type { SettingSpec } from "./settings.ts"

/** The Schema that turns one raw string into a setting's value; built from the settings table. */
export const schemaFor = (spec: SettingSpec): Schema.Codec<unknown, string> => {
  switch (spec.kind) {
    case "choice":
      return Schema.Literals(spec.choices as ReadonlyArray<string>) as unknown as Schema.Codec<unknown, string>
    case "integer":
      return Schema.FiniteFromString.pipe(
        Schema.check(Schema.isInt(), Schema.isBetween({ minimum: spec.min ?? 0, maximum: spec.max ?? Number.MAX_SAFE_INTEGER })),
      ) as unknown as Schema.Codec<unknown, string>
    case "path":
    case "string":
    case "secret":
    case "secret-file":
      return Schema.NonEmptyString as unknown as Schema.Codec<unknown, string>
  }
}

/** What a user may write for a setting, for error messages and docs. */
export const allowedText = (spec: SettingSpec): string => {
  switch (spec.kind) {
    case "choice":
      return `one of ${(spec.choices ?? []).join(", ")}`
    case "integer":
      return `an integer from ${spec.min ?? 0} to ${spec.max ?? "∞"}`
    case "path":
      return "a non-empty path"
    default:
      return "a non-empty string"
  }
}

export const decodeRaw = (spec: SettingSpec, raw: string): Result.Result<unknown, string> => {
  const r = Schema.decodeUnknownResult(schemaFor(spec))(raw.trim())
  return Result.isSuccess(r) ? Result.succeed(r.success) : Result.fail(r.failure.message)
}
