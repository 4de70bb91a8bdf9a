/**
 * `${VAR}` and `${VAR:-fallback}` expansion for config files and cluster profiles.
 * A reference to an unset variable without a fallback is an error, never an empty string:
 * an empty path silently becomes the working directory, which on a cluster is the worst place.
 */
export type Expanded = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly missing: string }

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

export const expandVars = (text: string, env: Readonly<Record<string, string | undefined>>): Expanded => {
  let missing: string | undefined
  const value = text.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
    const v = env[name]
    if (v !== undefined && v !== "") return v
    if (fallback !== undefined) return fallback
    missing ??= name
    return ""
  })
  return missing === undefined ? { ok: true, value } : { ok: false, missing }
}
