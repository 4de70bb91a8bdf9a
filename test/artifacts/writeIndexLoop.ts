// A writer process for the concurrent-index test: writes index.json `rounds` times through periogt's
// own writer, alternating between two complete indexes (all properties, and all but the first) so
// that every write really replaces the file.
import { Result } from "effect"
import { artifactLayout, buildIndex, writeIndex } from "../../core/artifacts/index.ts"

const [dir, rounds] = process.argv.slice(2) as [string, string]
const layout = artifactLayout(dir)
const built = buildIndex(layout)
if (Result.isFailure(built)) throw new Error(built.failure.message)
const full = built.success
const fewer = Object.fromEntries(Object.entries(full).slice(1))
for (let i = 0; i < Number(rounds); i++) writeIndex(layout, i % 2 === 0 ? full : fewer)
