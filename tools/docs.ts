/**
 * Generates the README's reference tables from the tables in the code, so the documentation cannot
 * drift: `bun tools/docs.ts` prints them; test/readme.test.ts checks the README holds them verbatim.
 */
import { SETTINGS, SETTING_KEYS } from "../core/config/settings.ts"
import { allowedText } from "../core/config/values.ts"
import { ERROR_CODES, errorCodes } from "../core/errors/codes.ts"

export const configTable = (): string => {
  const rows = SETTING_KEYS.map((k) => {
    const s = SETTINGS[k]
    return `| \`${s.env}\` | ${s.flag === undefined ? "" : `\`--${s.flag}\``} | \`${k}\` | ${allowedText(s)} | ${s.defaultText} | ${s.description} |`
  })
  return ["| variable | flag | config file key | allowed | default | meaning |", "|---|---|---|---|---|---|", ...rows].join("\n")
}

export const errorTable = (): string => {
  const rows = errorCodes.map((c) => `| \`${c}\` | ${ERROR_CODES[c].exitCode} | ${ERROR_CODES[c].httpStatus} | ${ERROR_CODES[c].summary} |`)
  return ["| code | exit | HTTP | meaning |", "|---|---|---|---|", ...rows].join("\n")
}

if (import.meta.main) process.stdout.write(`${configTable()}\n\n${errorTable()}\n`)
