import { Effect, Result } from "effect"
import { artifactLayout, buildIndex, writeIndex } from "../artifacts/index.ts"
import { AppConfig } from "../config/index.ts"
import { EXIT, toPeriogtError } from "../errors/index.ts"
import { Log } from "../log/index.ts"
import { convertCheckpoints } from "../pipeline/convert.ts"
import { writeOut } from "../io/stdout.ts"

/** `periogt convert`: the checkpoint directory's networks to ONNX, recorded in `index.json`. */
export const convertProgram = () =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    const layout = artifactLayout(config.checkpointDir.value)
    const index = buildIndex(layout)
    if (Result.isFailure(index)) return yield* index.failure
    const report = yield* Effect.tryPromise({ try: () => convertCheckpoints(layout, index.success, (m) => log.info(m)), catch: toPeriogtError })
    const indexChanged = writeIndex(layout, report.index)
    const converted = { pretrained: report.pretrained, ...report.finetuned }
    const changed = indexChanged || Object.values(converted).some((v) => v === "converted")
    if (!changed) log.info("every checkpoint was already converted; nothing changed")
    writeOut(JSON.stringify({ status: changed ? "updated" : "unchanged", onnx_dir: layout.onnxDir, converted }) + "\n")
    return EXIT.success
  })
