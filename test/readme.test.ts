import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { configTable, errorTable } from "../tools/docs.ts"

const readme = fs.readFileSync(path.resolve(import.meta.dir, "../README.md"), "utf8")

test("the README's configuration table is the one the settings table generates", () => {
  expect(readme).toContain(configTable())
})

test("the README's error table is the one the taxonomy generates", () => {
  expect(readme).toContain(errorTable())
})
