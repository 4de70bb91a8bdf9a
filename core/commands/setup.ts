import { Effect, Result } from "effect"
import { artifactLayout, buildIndex, writeIndex } from "../artifacts/index.ts"
import { AppConfig } from "../config/index.ts"
import { EXIT, ValidationError } from "../errors/index.ts"
import { Log } from "../log/index.ts"

/**
 * `setup --skip-download`: index artifacts placed by hand. Downloading, verification, extraction and
 * conversion arrive with the end-to-end issue; until then `setup` without the flag says so.
 */
export const setupProgram = (o: { readonly skipDownload?: boolean }) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const log = yield* Log
    const layout = artifactLayout(config.checkpointDir.value)
    if (o.skipDownload !== true) {
      return yield* new ValidationError({
        message: "downloading artifacts is not part of this build of periogt yet",
        action: "download pretrained_ckpt.zip and finetuned_ckpt.zip (Zenodo record 17035498), extract them under PERIOGT_CHECKPOINT_DIR, then run `periogt setup --skip-download`",
        details: { checkpoint_dir: layout.root },
      })
    }
    const index = buildIndex(layout)
    if (Result.isFailure(index)) return yield* index.failure
    const changed = writeIndex(layout, index.success)
    log.info(changed ? "wrote index.json" : "index.json already up to date; nothing changed", { path: layout.index, properties: Object.keys(index.success).join(",") })
    process.stdout.write(JSON.stringify({ status: changed ? "updated" : "unchanged", index: layout.index, properties: Object.keys(index.success) }) + "\n")
    return EXIT.success
  })
