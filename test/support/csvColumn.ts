import * as fs from "node:fs"
import { csvRecords } from "../../core/io/csv/index.ts"

/** One column of a CSV file (by header name), through the project's own CSV reader. */
export const csvColumn = async (file: string, name: string): Promise<Array<string>> => {
  const out: Array<string> = []
  let at = -1
  for await (const r of csvRecords(fs.createReadStream(file))) {
    if (!r.ok) continue
    if (at < 0) at = r.fields.indexOf(name)
    else out.push(r.fields[at] ?? "")
  }
  return out
}
