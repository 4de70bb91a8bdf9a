/**
 * The demonstration model's files, embedded in the executable (see assets/README.md for what they are).
 * Each import is a path that Bun.file reads, from the source tree or from inside the compiled binary.
 */
import examplesCsv from "./assets/examples.csv" with { type: "file" }
import finetunedPth from "./assets/finetuned.pth" with { type: "file" }
import pretrainedPth from "./assets/pretrained.pth" with { type: "file" }
// a JSON import would be parsed into the bundle; as a file it stays bytes until the demo runs
import scalerJsonPath from "./assets/scaler.json" with { type: "file" }

const scalerJson = scalerJsonPath as unknown as string

export const DEMO_ASSETS = { examplesCsv, finetunedPth, pretrainedPth, scalerJson } as const
