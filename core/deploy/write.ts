import * as fs from "node:fs"
import * as path from "node:path"
import { writeFileAtomic } from "../io/atomicWrite.ts"
import type { GeneratedFile } from "./Adapter.ts"

/** Writes every file atomically under `outDir`, with its mode; returns the absolute paths in order. */
export const writeGenerated = (outDir: string, files: ReadonlyArray<GeneratedFile>): ReadonlyArray<string> => {
  const written: string[] = []
  for (const f of files) {
    const target = path.join(outDir, f.path)
    if (!target.startsWith(outDir + path.sep)) throw new Error(`generated path escapes the output directory: ${f.path}`)
    writeFileAtomic(target, f.content)
    fs.chmodSync(target, f.mode)
    written.push(target)
  }
  return written
}
