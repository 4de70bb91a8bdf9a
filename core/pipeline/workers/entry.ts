/**
 * Where the featurization worker's module is, from source and in the compiled executable. `bun build
 * --compile` bundles each extra entry point on its own (tools/build.ts passes FEATURIZE_WORKER, with
 * --root at the project root), under /$bunfs/root/ at its path from the root with a .js extension; a
 * module inside the executable has an import.meta.url under file:///$bunfs/.
 */

/** The worker's entry point, relative to the project root: tools/build.ts adds it to the build. */
export const FEATURIZE_WORKER = "core/pipeline/workers/featurizeWorker.ts"

const COMPILED_ROOT = "/$bunfs/root/"

/** `new Worker(featurizeWorkerUrl())` loads the worker both from source (bun, bun test) and in the executable. */
export const featurizeWorkerUrl = (): string =>
  import.meta.url.startsWith(`file://${COMPILED_ROOT}`) ? COMPILED_ROOT + FEATURIZE_WORKER.replace(/\.ts$/, ".js") : new URL("./featurizeWorker.ts", import.meta.url).href
