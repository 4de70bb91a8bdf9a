import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import { ERROR_CODES, errorBody, errorCodes, makeError, toPeriogtError } from "../../core/errors/index.ts"

describe("error taxonomy", () => {
  test("the nine codes of the Python backend, each with an exit code and an HTTP status", () => {
    expect([...errorCodes].sort()).toEqual(
      ["checkpoint_missing", "checksum_mismatch", "cuda_unavailable", "driver_incompatible", "gpu_unsupported", "internal_error", "model_load_failed", "unsupported_property", "validation_error"],
    )
    for (const code of errorCodes) {
      const e = makeError(code, { message: "m" })
      expect(e._tag).toBe(code)
      expect(e.code).toBe(code)
      expect(e.exitCode).toBe(2)
      expect(e.httpStatus).toBe(ERROR_CODES[code].httpStatus)
    }
    expect(ERROR_CODES.validation_error.httpStatus).toBe(422)
    expect(ERROR_CODES.unsupported_property.httpStatus).toBe(422)
    expect(ERROR_CODES.internal_error.httpStatus).toBe(500)
  })

  test("errors are Effect failures that catchTag sees by code", async () => {
    const program = Effect.fail(makeError("checkpoint_missing", { message: "x" })).pipe(
      Effect.catchTag("checkpoint_missing", (e) => Effect.succeed(`caught ${e.code}`)),
    )
    expect(await Effect.runPromise(program)).toBe("caught checkpoint_missing")
  })

  test("anything unexpected becomes internal_error with its cause kept", () => {
    const cause = new TypeError("boom")
    const e = toPeriogtError(cause)
    expect(e.code).toBe("internal_error")
    expect(e.cause).toBe(cause)
    expect(toPeriogtError(makeError("validation_error", { message: "v" })).code).toBe("validation_error")
  })

  test("the wire body carries code, message, action and details only", () => {
    const body = errorBody(makeError("unsupported_property", { message: "no", action: "pick", details: { property: "zz" }, cause: new Error("hidden") }))
    expect(body).toEqual({ code: "unsupported_property", message: "no", action: "pick", details: { property: "zz" } })
  })
})
