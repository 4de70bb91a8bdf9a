import * as fs from "node:fs"
import * as path from "node:path"
import { Result } from "effect"
import { CheckpointMissing, isPeriogtError, type PeriogtError } from "../../errors/index.ts"
import { writeFileAtomic } from "../../io/atomicWrite.ts"
import type { Logger } from "../../log/Log.ts"
import { convertCheckpoints, type ConvertOutcome } from "../../model/convert.ts"
import { buildIndex, writeIndex } from "../indexFile.ts"
import type { ArtifactLayout } from "../layout.ts"
import publishedStats from "../labelStats.json" with { type: "json" }
import { checkManifestPaths, type ArchiveSpec } from "./archives.ts"
import { failureOf, installArchive, type InstallOutcome } from "./install.ts"
import { acquireLock } from "./lock.ts"

export interface SetupReport {
  readonly archives: Record<string, InstallOutcome>
  readonly labelStats: "written" | "kept"
  readonly converted: Record<string, ConvertOutcome>
  readonly index: "written" | "unchanged"
  readonly properties: ReadonlyArray<string>
  readonly propertiesWithoutStats: ReadonlyArray<string>
  readonly changed: boolean
}

/** The statistics of the public datasets, in the Python backend's `label_stats.json` shape. */
const publishedLabelStats = () => Object.fromEntries(Object.entries(publishedStats).map(([p, s]) => [p, { mean: s.mean, std: s.std }]))

/**
 * `periogt setup`: every archive installed and verified, label statistics in place, every checkpoint
 * converted to ONNX, the index written — under one lock, so concurrent runs (8 array tasks starting at once) leave one result.
 */
export const runSetup = async (options: {
  readonly layout: ArtifactLayout
  readonly archives: ReadonlyArray<ArchiveSpec>
  /** The --archives file the list came from, named in errors. */
  readonly manifest?: string | undefined
  readonly from: string | undefined
  readonly skipDownload: boolean
  readonly log: Logger
  readonly retries?: number
  readonly backoffMs?: number
}): Promise<Result.Result<SetupReport, PeriogtError>> => {
  const { layout, log } = options
  // Every path the manifest names stays inside the checkpoint directory: checked before anything is written or deleted.
  const confined = checkManifestPaths(layout.root, options.archives, options.manifest)
  if (Result.isFailure(confined)) return Result.fail(confined.failure)
  fs.mkdirSync(layout.root, { recursive: true })
  const lock = await acquireLock(path.join(layout.root, ".setup.lock"), () => log.info("another setup is running on this directory; waiting for it"))
  try {
    const outcomes: Record<string, InstallOutcome> = {}
    for (const spec of options.archives) {
      outcomes[spec.name] = await installArchive(spec, {
        layout,
        from: options.from,
        skipDownload: options.skipDownload,
        log,
        retries: options.retries ?? 6,
        backoffMs: options.backoffMs ?? 2000,
      })
      log.info(`${spec.name}: ${outcomes[spec.name]}`, { target: path.join(layout.root, spec.target) })
    }
    let labelStats: "written" | "kept" = "kept"
    if (!fs.existsSync(layout.labelStats)) {
      writeFileAtomic(layout.labelStats, JSON.stringify(publishedLabelStats(), null, 2) + "\n")
      labelStats = "written"
    }
    const index = buildIndex(layout)
    if (Result.isFailure(index)) return Result.fail(index.failure)
    const conversion = await convertCheckpoints(layout, index.success, (m) => log.info(m))
    const indexChanged = writeIndex(layout, conversion.index)
    const properties = Object.keys(conversion.index)
    let stats: Record<string, unknown> = {}
    try {
      stats = JSON.parse(fs.readFileSync(layout.labelStats, "utf8")) as Record<string, unknown>
    } catch {
      return Result.fail(new CheckpointMissing({ message: `${layout.labelStats} is not readable JSON`, action: "fix or delete it and rerun setup", details: { path: layout.labelStats } }))
    }
    const report: SetupReport = {
      archives: outcomes,
      labelStats,
      converted: { pretrained: conversion.pretrained, ...conversion.finetuned },
      index: indexChanged ? "written" : "unchanged",
      properties,
      propertiesWithoutStats: properties.filter((p) => !(p in stats)),
      changed:
        indexChanged ||
        labelStats === "written" ||
        Object.values(outcomes).some((v) => v === "installed") ||
        conversion.pretrained === "converted" ||
        Object.values(conversion.finetuned).some((v) => v === "converted"),
    }
    return Result.succeed(report)
  } catch (e) {
    const known = failureOf(e) ?? (isPeriogtError(e) ? e : undefined)
    if (known !== undefined) return Result.fail(known)
    throw e
  } finally {
    lock.release()
  }
}
