/**
 * What the Apptainer and Conda adapters write about the CUDA provider set, from the one pins table
 * (core/gpu/cudaPins.ts): the list of pinned files, and the bash that checks a directory holds them
 * (each wheel, or all of that wheel's files already extracted) before `periogt setup --gpu --from`
 * installs and verifies them. So `setup --gpu`, the image and the Conda environment name the same files.
 */
import * as path from "node:path"
import { CUDA_PINS, type CudaPins } from "./cudaPins.ts"

const base = (member: string) => path.posix.basename(member)

/** Comment lines (with `prefix`, e.g. "# " or "    # ") naming every pinned wheel and file with its sha256. */
export const pinnedFilesComment = (prefix: string, pins: CudaPins = CUDA_PINS): ReadonlyArray<string> => [
  `${prefix}The pinned CUDA set (ONNX Runtime ${pins.onnxruntime} CUDA provider, CUDA ${pins.cuda}, cuDNN ${pins.cudnn}; driver >= ${pins.minDriver}):`,
  ...pins.wheels.flatMap((w) => [
    `${prefix}  ${w.wheel}  sha256 ${w.sha256}`,
    ...w.files.map((f) => `${prefix}    ${base(f.member)}  sha256 ${f.sha256}`),
  ]),
]

/**
 * Bash that dies unless `$<dirVar>` holds, for every pinned wheel, the wheel itself or all of its
 * files; with `copyTo`, copies exactly those (nothing else of the directory) into "$<copyTo>".
 * Needs a `die` function.
 */
export const pinnedSourceBash = (dirVar: string, option: string, copyTo?: string, pins: CudaPins = CUDA_PINS): ReadonlyArray<string> => [
  `# The pinned CUDA wheels (or their extracted files) that periogt setup --gpu --from installs and verifies.`,
  `if [[ "$${dirVar}" == *"<"*">"* || ! -d "$${dirVar}" ]]; then die "$${dirVar} is not a directory: give ${option} DIR holding the pinned CUDA wheels (see README.md)"; fi`,
  "cuda_wheel() {",
  '  local wheel="$1"; shift',
  `  if [[ -f "$${dirVar}/$wheel" ]]; then`,
  copyTo === undefined ? "    return 0" : `    cp "$${dirVar}/$wheel" "$${copyTo}/"; return 0`,
  "  fi",
  '  for f in "$@"; do',
  `    if [[ ! -f "$${dirVar}/$f" ]]; then die "neither $wheel nor its file $f is in $${dirVar}: give ${option} DIR holding the pinned CUDA wheels (see README.md)"; fi`,
  "  done",
  copyTo === undefined ? undefined : `  for f in "$@"; do cp "$${dirVar}/$f" "$${copyTo}/"; done`,
  "}",
  ...pins.wheels.map((w) => `cuda_wheel ${w.wheel} ${w.files.map((f) => base(f.member)).join(" ")}`),
].filter((l): l is string => l !== undefined)
