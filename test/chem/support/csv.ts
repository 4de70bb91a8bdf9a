import { CsvTokenizer } from "../../../core/io/csv/parse.ts"

/** Whole-text CSV → rows keyed by the header (test helper over the project's tokenizer). */
export const parseCsv = (text: string): Record<string, string>[] => {
  const t = new CsvTokenizer()
  const recs = [...t.push(text), ...t.end()]
  const ok = recs.flatMap((r) => (r.ok ? [r.fields] : []))
  const [header, ...rows] = ok
  if (header === undefined) return []
  return rows
    .filter((f) => !(f.length === 1 && f[0] === ""))
    .map((f) => Object.fromEntries(header.map((h, i) => [h, f[i] ?? ""])))
}
