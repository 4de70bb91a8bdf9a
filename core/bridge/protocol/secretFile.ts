/**
 * The workers' shared secret, read from its file the same way by the hub (`serve`) and the bridge: a
 * regular file that only its owner may read or write (like ssh's private keys: a secret others can read
 * is no longer one), its whole content trimmed (what EMX2's daemon reads from its worker_secret_file), at
 * least MIN_SECRET_LENGTH characters. A refusal is a ValidationError whose `details.reason` says which
 * check failed.
 */
import * as fs from "node:fs"
import { Result } from "effect"
import { ValidationError } from "../../errors/index.ts"
import { MIN_SECRET_LENGTH } from "./constants.ts"

export type SecretFileRefusal = "secret_file_missing" | "secret_file_not_regular" | "secret_file_permissions" | "secret_file_owner" | "secret_file_unreadable" | "secret_too_short"

/** `setting`: where the file was named (`PERIOGT_HPC_SECRET_FILE`, `bridge.secret_file`), said first in every message. */
export const readSecretFile = (file: string, setting: string): Result.Result<string, ValidationError> => {
  const refuse = (reason: SecretFileRefusal, message: string, action: string, details: Record<string, unknown> = {}) =>
    Result.fail(new ValidationError({ message: `${setting}: the secret file ${file} ${message}`, action, details: { reason, setting, path: file, ...details } }))
  let st: fs.Stats
  try {
    st = fs.statSync(file)
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).code ?? String(e)
    return refuse("secret_file_missing", `cannot be read (${errno})`, "put the workers' shared secret in that file, mode 0600", { errno })
  }
  if (!st.isFile()) return refuse("secret_file_not_regular", "is not a regular file", "point it at a regular file holding the secret")
  if ((st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, "0")
    return refuse("secret_file_permissions", `has mode ${mode}: group or others may read or write it`, `chmod 600 ${file} (and make a new secret if others could have read it)`, { mode })
  }
  const uid = process.getuid?.()
  if (uid !== undefined && uid !== 0 && st.uid !== uid) {
    return refuse("secret_file_owner", `belongs to uid ${st.uid}, not to this user (${uid})`, "use a secret file of your own (copy it, then chmod 600)", { owner: st.uid })
  }
  let text: string
  try {
    text = fs.readFileSync(file, "utf8")
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).code ?? String(e)
    return refuse("secret_file_unreadable", `cannot be read (${errno})`, "check its owner and mode (0600)", { errno })
  }
  const secret = text.trim()
  if (secret.length < MIN_SECRET_LENGTH) {
    return refuse("secret_too_short", `holds ${secret.length} characters; the secret needs at least ${MIN_SECRET_LENGTH}`, "write a longer random secret, e.g. `openssl rand -hex 32 > FILE`")
  }
  return Result.succeed(secret)
}
