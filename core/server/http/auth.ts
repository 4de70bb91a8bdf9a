import { createHash, timingSafeEqual } from "node:crypto"
import { Redacted } from "effect"

const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest()

/**
 * A checker for the `X-Api-Key` header. Both sides are hashed to equal-length SHA-256 digests and
 * compared with `crypto.timingSafeEqual`, so neither the key's content nor its length leaks through
 * timing. The key itself stays inside `Redacted` and is never returned or logged.
 */
export const makeApiKeyCheck = (apiKey: Redacted.Redacted<string> | undefined): ((presented: string | undefined) => boolean) => {
  if (apiKey === undefined) return () => true
  const expected = digest(Redacted.value(apiKey))
  return (presented) => {
    // Hash even when the header is absent, so a missing key costs the same as a wrong one.
    const actual = digest(presented ?? "")
    return timingSafeEqual(actual, expected) && presented !== undefined
  }
}
