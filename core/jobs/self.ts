import * as path from "node:path"
import { isEmbedded } from "../runtime/nativeCache.ts"

/** How to run this periogt again: the compiled executable itself, or bun on bin/periogt.ts from a checkout. */
export const selfCommand = (): ReadonlyArray<string> =>
  isEmbedded(import.meta.path) ? [process.execPath] : [process.execPath, path.resolve(import.meta.dir, "../../bin/periogt.ts")]

/** The executable job scripts run by default: this one when compiled, else the build's output. */
export const selfBinary = (): string => (isEmbedded(import.meta.path) ? process.execPath : path.resolve(import.meta.dir, "../../dist/periogt"))
