import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Result } from "effect"
import { ValidationError } from "../errors/index.ts"
import { readSmallRegularFile } from "../io/outputFile.ts"
import { usableCores } from "./cores.ts"
import { resolveConfig, type ConfigFileInput, type PeriogtConfig } from "./resolve.ts"
import { CONFIG_FILE_ENV, type SettingKey } from "./settings.ts"

/** Reads a TOML config file; its keys are the setting keys (`checkpoint_dir = "${PROJECT}/periogt"`). */
export const readConfigFile = (file: string): Result.Result<ConfigFileInput, ValidationError> => {
  const abs = path.resolve(file)
  let text: string
  try {
    text = readSmallRegularFile(abs)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return Result.fail(
      new ValidationError({
        message: `config file ${abs} cannot be read: ${code === "ENOTREG" || code === "EFBIG" ? (e as Error).message : (code ?? String(e))}`,
        action: `check the path given by --config or ${CONFIG_FILE_ENV}`,
        details: { file: abs },
      }),
    )
  }
  try {
    const values = Bun.TOML.parse(text) as Record<string, unknown>
    return Result.succeed({ path: abs, values })
  } catch (e) {
    return Result.fail(
      new ValidationError({
        message: `config file ${abs} is not valid TOML: ${e instanceof Error ? e.message : String(e)}`,
        action: "fix the file; keys are the setting names, e.g. checkpoint_dir = \"/projects/lab/periogt/checkpoints\"",
        details: { file: abs },
      }),
    )
  }
}

const isWritableDir = (dir: string): boolean => {
  try {
    fs.accessSync(dir, fs.constants.W_OK)
    return true
  } catch {
    return false
  }
}

/** Gathers flags, this process's environment and the optional config file, then resolves. */
export const loadConfig = (options: {
  readonly flags: Partial<Record<SettingKey, string>>
  readonly configFile?: string | undefined
  readonly env?: Readonly<Record<string, string | undefined>>
}): Result.Result<PeriogtConfig, ValidationError> => {
  const env = options.env ?? process.env
  const fileName = options.configFile ?? env[CONFIG_FILE_ENV]
  if (fileName !== undefined && fileName.trim() === "") {
    const where = options.configFile !== undefined ? "--config" : CONFIG_FILE_ENV
    return Result.fail(
      new ValidationError({
        message: `${where} is set but empty`,
        action: where === "--config" ? "give --config the path of a TOML file, or drop it" : `unset ${CONFIG_FILE_ENV}, or set it to the path of a TOML file`,
        details: { variable: CONFIG_FILE_ENV, value: fileName },
      }),
    )
  }
  let file: ConfigFileInput | undefined
  if (fileName !== undefined) {
    const read = readConfigFile(fileName)
    if (Result.isFailure(read)) return Result.fail(read.failure)
    file = read.success
  }
  return resolveConfig({
    flags: options.flags,
    env,
    file,
    cwd: process.cwd(),
    home: env["HOME"] || os.homedir(),
    uid: typeof process.getuid === "function" ? process.getuid() : 0,
    tmpdir: env["TMPDIR"] || os.tmpdir(),
    isWritableDir,
    readSecretFile: (f) => readSmallRegularFile(f),
    usableCores: usableCores(env),
  })
}
