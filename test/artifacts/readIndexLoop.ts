// A reader process for the concurrent-index test: reads index.json as fast as it can until the stop
// file appears, and reports how many reads found it absent, complete, or corrupt.
import * as fs from "node:fs"

const [indexPath, stopFile, expectedKeys] = process.argv.slice(2) as [string, string, string]
// Writers alternate between the full index and the full index less one property.
const want = new Set([Number(expectedKeys), Number(expectedKeys) - 1])
const counts = { absent: 0, complete: 0, corrupt: 0, examples: [] as Array<string> }
// A deadline too, so a failed test never leaves a reader spinning.
const deadline = Date.now() + 90_000
while (!fs.existsSync(stopFile) && Date.now() < deadline) {
  let text: string
  try {
    text = fs.readFileSync(indexPath, "utf8")
  } catch {
    counts.absent++
    continue
  }
  try {
    const json = JSON.parse(text) as Record<string, { checkpoint?: string }>
    if (!want.has(Object.keys(json).length) || Object.values(json).some((e) => typeof e.checkpoint !== "string")) throw new Error("incomplete")
    counts.complete++
  } catch (e) {
    counts.corrupt++
    if (counts.examples.length < 3) counts.examples.push(`${(e as Error).message}: ${text.length} bytes`)
  }
}
process.stdout.write(JSON.stringify(counts))
