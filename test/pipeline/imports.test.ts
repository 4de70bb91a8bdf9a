/**
 * core/pipeline is the only door into core/chem and core/model: the CLI, the commands and the demo
 * take every number from the Featurizer and the Predictor, so two paths cannot give two answers.
 * Reads every import and re-export specifier (static and dynamic) of the files under those folders.
 */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"

const ROOT = path.resolve(import.meta.dir, "../..")
const GUARDED = ["bin", "core/commands", "core/demo"]
const FORBIDDEN = [path.join(ROOT, "core/chem"), path.join(ROOT, "core/model")]

const filesUnder = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? filesUnder(p) : /\.(ts|tsx|js|mjs)$/.test(e.name) ? [p] : []
  })

const SPECIFIER = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm

export const importsOf = (file: string): string[] =>
  [...fs.readFileSync(file, "utf8").matchAll(SPECIFIER)].map((m) => m[1] ?? m[2] ?? m[3]!).filter((s) => s.startsWith("."))

test("the specifier reader sees static, re-exported, dynamic and bare imports", () => {
  const dir = fs.mkdtempSync(path.join(ROOT, ".cache-imports-"))
  try {
    const f = path.join(dir, "x.ts")
    fs.writeFileSync(f, `import { a } from "../core/chem/a.ts"\nexport { b } from "./b.ts"\nconst c = await import("../core/model/c.ts")\nimport "./d.ts"\nimport type {\n  E,\n} from "../e.ts"\n`)
    expect(importsOf(f)).toEqual(["../core/chem/a.ts", "./b.ts", "../core/model/c.ts", "./d.ts", "../e.ts"])
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test("nothing under bin/, core/commands/ or core/demo/ imports core/chem or core/model", () => {
  const offending: string[] = []
  for (const dir of GUARDED) {
    for (const file of filesUnder(path.join(ROOT, dir))) {
      for (const spec of importsOf(file)) {
        const target = path.resolve(path.dirname(file), spec)
        if (FORBIDDEN.some((f) => target === f || target.startsWith(f + path.sep))) offending.push(`${path.relative(ROOT, file)} → ${spec}`)
      }
    }
  }
  expect(offending).toEqual([])
})
