/**
 * Regenerates the golden files under test/fixtures/adapters from GOLDEN_CASES:
 *   bun test/adapters/update-golden.ts
 * Review the diff before committing: the goldens are what users receive.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { FIXTURES, GOLDEN_CASES, generateCase } from "./cases.ts"

fs.rmSync(FIXTURES, { recursive: true, force: true })
let count = 0
for (const c of GOLDEN_CASES) {
  const { files } = generateCase(c)
  for (const f of files) {
    const target = path.join(FIXTURES, c.dir, f.path)
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.writeFileSync(target, f.content)
    fs.chmodSync(target, f.mode)
    count++
  }
}
process.stdout.write(`wrote ${count} golden files for ${GOLDEN_CASES.length} cases under ${path.relative(process.cwd(), FIXTURES)}\n`)
