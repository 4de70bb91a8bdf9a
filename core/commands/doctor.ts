import * as fs from "node:fs"
import { Effect } from "effect"
import { artifactLayout, artifactStatuses, readIndex } from "../artifacts/index.ts"
import { AppConfig } from "../config/index.ts"
import { doctorLines, renderText, verdictOf, type OrtFacts } from "../doctor/report.ts"
import { gatherSystem } from "../doctor/system.ts"
import { assessThisNode } from "../gpu/resolveDevice.ts"
import { cudaLibrariesStatus } from "../gpu/cudaLibs.ts"
import { nativeDir, onnxRuntimeLibraryPath, preloadCudaLibraries } from "../runtime/onnxRuntime.ts"
import { tryProvider } from "../runtime/ortProbe.ts"
import type { OnnxRuntime } from "../runtime/onnxRuntime.ts"
import { OnnxRuntimeService } from "../runtime/services.ts"
import { runtimeVersions } from "../version/version.ts"
import { Result } from "effect"
import { writeOut } from "../io/stdout.ts"

const GiB = 1024 ** 3

/**
 * Memory a predicting process needs: the pretrained and one finetuned network (their ONNX files'
 * size when converted, else PerioGT's published sizes: ~0.35 GB and ~0.45 GB), twice over for
 * ONNX Runtime's arena, plus RDKit and the descriptor workers (~1 GB). An estimate, labelled as such.
 */
const estimateMemory = (onnxDir: string): number => {
  let weights = 0
  try {
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(`${d}/${e.name}`)
        else if (e.name.endsWith(".onnx")) weights = Math.max(weights, fs.statSync(`${d}/${e.name}`).size)
      }
    }
    walk(onnxDir)
  } catch {
    // not converted yet
  }
  const perModel = weights > 0 ? weights : 0.45 * GiB
  return 2 * (0.35 * GiB + perModel) + 1 * GiB
}

const ortFacts = async (cacheDir: string, load: () => Promise<OnnxRuntime>): Promise<OrtFacts> => {
  try {
    const ort = await load()
    const cpu = await tryProvider(ort, "cpu")
    const cuda = await tryProvider(ort, "cuda")
    return { version: ort.env.versions.node, library: onnxRuntimeLibraryPath(cacheDir), cpu, cuda }
  } catch (e) {
    return { version: undefined, library: undefined, cpu: { ok: false }, cuda: undefined, loadError: e instanceof Error ? e.message : String(e) }
  }
}

export const doctorProgram = (options: { readonly json: boolean }) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const layout = artifactLayout(config.checkpointDir.value)
    const ortService = yield* OnnxRuntimeService
    const load = () => Effect.runPromise(ortService.load)
    const ort = yield* Effect.promise(() => ortFacts(config.cacheDir.value, load))
    const gpu = yield* assessThisNode(load)
    const artifacts = artifactStatuses(layout)
    const index = readIndex(layout)
    const properties = Result.isSuccess(index) ? Object.keys(index.success) : []
    let stats: Record<string, unknown> = {}
    try {
      stats = JSON.parse(fs.readFileSync(layout.labelStats, "utf8")) as Record<string, unknown>
    } catch {
      // reported by the artifact line
    }
    const cudaLibraries = cudaLibrariesStatus(nativeDir(config.cacheDir.value))
    const loaded = yield* Effect.promise(() => preloadCudaLibraries())
    const cpuValue = ort.cpu.value
    const cudaValue = ort.cuda?.value
    const cuda = {
      libraries: cudaLibraries,
      loaded,
      comparison: cpuValue !== undefined && cudaValue !== undefined ? { cpu: cpuValue, cuda: cudaValue } : undefined,
    }
    const facts = {
      cuda,
      versions: { ...runtimeVersions(), onnxruntime: ort.version },
      system: gatherSystem(),
      config,
      gpu,
      ort,
      artifacts,
      properties,
      propertiesWithoutStats: properties.filter((p) => !(p in stats)),
      memoryEstimateBytes: estimateMemory(layout.onnxDir),
    }
    const lines = doctorLines(facts)
    const { verdict, exitCode } = verdictOf(lines)
    if (options.json) {
      const body = {
        verdict,
        exit_code: exitCode,
        checks: lines,
        versions: facts.versions,
        system: facts.system,
        gpu,
        cuda,
        onnxruntime: ort,
        device_request: config.device.value,
        paths: Object.fromEntries(
          (["baseDir", "checkpointDir", "resultsDir", "cacheDir"] as const).map((k) => [k, { path: config[k].value, source: config[k].source }]),
        ),
        artifacts: artifacts.map((a) => ({ artifact: a.name, path: a.path, present: a.present, ...(a.problem === undefined || a.present ? {} : { problem: a.problem }) })),
        missing_artifacts: artifacts.filter((a) => !a.present).map((a) => ({ artifact: a.name, path: a.path })),
        properties,
        properties_without_label_stats: facts.propertiesWithoutStats,
        memory_estimate_bytes: facts.memoryEstimateBytes,
      }
      writeOut(JSON.stringify(body, null, 2) + "\n")
    } else {
      writeOut(renderText(lines))
    }
    return exitCode
  })
