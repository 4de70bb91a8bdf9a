import { describe, expect, test } from "bun:test"
import { Redacted, Result } from "effect"
import { resolveConfig, type ResolveInputs } from "../../core/config/index.ts"

const base: ResolveInputs = {
  flags: {},
  env: {},
  cwd: "/work",
  home: "/home/alice",
  uid: 1000,
  tmpdir: "/tmp",
  isWritableDir: () => true,
  readSecretFile: () => {
    throw new Error("ENOENT")
  },
}

const ok = (inputs: Partial<ResolveInputs>) => {
  const r = resolveConfig({ ...base, ...inputs })
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
}
const fail = (inputs: Partial<ResolveInputs>) => {
  const r = resolveConfig({ ...base, ...inputs })
  if (Result.isSuccess(r)) throw new Error("expected a validation error")
  return r.failure
}

describe("configuration resolution", () => {
  test("defaults derive from HOME and base_dir, and say so", () => {
    const c = ok({})
    expect(c.baseDir.value).toBe("/home/alice/periogt")
    expect(c.checkpointDir.value).toBe("/home/alice/periogt/checkpoints")
    expect(c.resultsDir.value).toBe("/home/alice/periogt/results")
    expect(c.cacheDir.value).toBe("/home/alice/.cache/periogt")
    expect(c.device.value).toBe("auto")
    expect(c.port.value).toBe(8000)
    expect(c.host.value).toBe("127.0.0.1")
    expect(c.checkpointDir.source.kind).toBe("default")
    expect(c.apiKey).toBeUndefined()
  })

  test("flag beats environment beats file beats default", () => {
    const file = { path: "/etc/periogt.toml", values: { device: "cuda", port: 9000, base_dir: "/projects/lab/periogt" } }
    const c = ok({ file, env: { PERIOGT_DEVICE: "cpu", PERIOGT_PORT: "8100" }, flags: { device: "auto" } })
    expect(c.device).toEqual({ value: "auto", source: { kind: "flag", name: "device" } })
    expect(c.port).toEqual({ value: 8100, source: { kind: "env", name: "PERIOGT_PORT" } })
    expect(c.baseDir).toEqual({ value: "/projects/lab/periogt", source: { kind: "file", name: "/etc/periogt.toml" } })
    expect(c.checkpointDir.value).toBe("/projects/lab/periogt/checkpoints")
  })

  test("base_dir from the environment moves every derived path", () => {
    const c = ok({ env: { PERIOGT_BASE_DIR: "/scratch/bob/p" } })
    expect(c.checkpointDir.value).toBe("/scratch/bob/p/checkpoints")
    expect(c.resultsDir.value).toBe("/scratch/bob/p/results")
  })

  test("relative paths: from the working directory for env and flags, from the file's directory for the file", () => {
    expect(ok({ env: { PERIOGT_RESULTS_DIR: "out" } }).resultsDir.value).toBe("/work/out")
    expect(ok({ file: { path: "/cfg/p.toml", values: { results_dir: "out" } } }).resultsDir.value).toBe("/cfg/out")
  })

  test("a bad device names the variable, the value and what is allowed", () => {
    const e = fail({ env: { PERIOGT_DEVICE: "gpu" } })
    expect(e.code).toBe("validation_error")
    expect(e.exitCode).toBe(2)
    expect(e.message).toContain("PERIOGT_DEVICE")
    expect(e.message).toContain('"gpu"')
    expect(e.details).toEqual({ variable: "PERIOGT_DEVICE", value: "gpu", allowed: ["auto", "cpu", "cuda"] })
  })

  test.each([
    ["PERIOGT_PORT", "0"],
    ["PERIOGT_PORT", "70000"],
    ["PERIOGT_PORT", "80a"],
    ["PERIOGT_THREADS", "-1"],
    ["PERIOGT_THREADS", "1.5"],
    ["PERIOGT_LOG_FORMAT", "xml"],
    ["PERIOGT_LOG_LEVEL", "verbose"],
  ])("%s=%s is refused", (variable, value) => {
    const e = fail({ env: { [variable]: value } })
    expect(e.code).toBe("validation_error")
    expect(e.details?.["variable"]).toBe(variable)
    expect(e.details?.["value"]).toBe(value)
  })

  test.each(["PERIOGT_BASE_DIR", "PERIOGT_CHECKPOINT_DIR", "PERIOGT_RESULTS_DIR", "PERIOGT_CACHE_DIR", "PERIOGT_DEVICE", "PERIOGT_THREADS", "PERIOGT_WORKERS", "PERIOGT_HOST", "PERIOGT_PORT", "PERIOGT_API_KEY", "PERIOGT_API_KEY_FILE", "PERIOGT_LOG_FORMAT", "PERIOGT_LOG_LEVEL"])(
    "%s set but empty is a validation_error naming it, never the default",
    (variable) => {
      for (const value of ["", "  "]) {
        const e = fail({ env: { [variable]: value } })
        expect(e.code).toBe("validation_error")
        expect(e.message).toBe(`${variable} is set but empty`)
        expect(e.details?.["variable"]).toBe(variable)
        expect(e.action).toContain(`unset ${variable}`)
      }
    },
  )

  test("an empty value in the config file or as a flag is an error too, said where it was written", () => {
    const file = fail({ file: { path: "/cfg/p.toml", values: { checkpoint_dir: "" } } })
    expect(file.message).toBe("checkpoint_dir in /cfg/p.toml is set but empty")
    expect(file.action).toContain("in /cfg/p.toml, remove checkpoint_dir")
    // ${VAR:-} expanding to nothing is empty as well.
    expect(fail({ file: { path: "/cfg/p.toml", values: { results_dir: "${SCRATCH:-}" } } }).message).toContain("is set but empty")
    expect(fail({ flags: { results_dir: "" } }).message).toBe("--results-dir is set but empty")
  })

  test("a bad value in the config file: the action says to fix the file, once, without repeating the allowed values", () => {
    const e = fail({ file: { path: "/cfg/p.toml", values: { device: "gpu" } } })
    expect(e.message).toBe('device = "gpu" in /cfg/p.toml is not valid: expected one of auto, cpu, cuda')
    expect(e.action).toBe("in /cfg/p.toml, set device to one of auto, cpu, cuda (or remove the line)")
    expect(e.action).not.toContain("PERIOGT_DEVICE")
    const env = fail({ env: { PERIOGT_DEVICE: "gpu" } })
    expect(env.message).toBe('PERIOGT_DEVICE="gpu" is not valid: expected one of auto, cpu, cuda')
    expect(env.action).toBe("set PERIOGT_DEVICE to one of auto, cpu, cuda")
    expect(fail({ env: { PERIOGT_THREADS: "1.5" } }).message).toBe('PERIOGT_THREADS="1.5" is not valid: expected an integer from 0 to 4096')
    expect(fail({ file: { path: "/cfg/p.toml", values: { port: [1] } } }).action).toContain("in /cfg/p.toml, set port to")
  })

  test("a bad value given as a flag names the flag", () => {
    expect(fail({ flags: { device: "tpu" } }).message).toContain("--device")
  })

  test("config file values expand ${VAR} and ${VAR:-fallback}", () => {
    const file = { path: "/cfg/p.toml", values: { checkpoint_dir: "${PROJECT}/periogt/ckpt", results_dir: "${SCRATCH:-/tmp/s}/results" } }
    const c = ok({ file, env: { PROJECT: "/projects/lab" } })
    expect(c.checkpointDir.value).toBe("/projects/lab/periogt/ckpt")
    expect(c.resultsDir.value).toBe("/tmp/s/results")
  })

  test("an unset ${VAR} in the file is an error naming it, never an empty path", () => {
    const e = fail({ file: { path: "/cfg/p.toml", values: { checkpoint_dir: "${PROJECT}/ckpt" } } })
    expect(e.code).toBe("validation_error")
    expect(e.details?.["variable"]).toBe("PROJECT")
  })

  test("unknown keys in the file are refused (typos do not pass silently)", () => {
    const e = fail({ file: { path: "/cfg/p.toml", values: { chekpoint_dir: "/x" } } })
    expect(e.details?.["unknown"]).toEqual(["chekpoint_dir"])
  })

  test("cache: XDG first, then home, then TMPDIR when home is read-only", () => {
    expect(ok({ env: { XDG_CACHE_HOME: "/xdg" } }).cacheDir.value).toBe("/xdg/periogt")
    expect(ok({ isWritableDir: () => false }).cacheDir.value).toBe("/tmp/periogt-1000")
    expect(ok({ env: { PERIOGT_CACHE_DIR: "/c" } }).cacheDir.value).toBe("/c")
  })

  test("the API key comes from the variable or the first line of the file, and stays redacted", () => {
    const inline = ok({ env: { PERIOGT_API_KEY: "s3cret" } }).apiKey
    expect(inline && Redacted.value(inline.value)).toBe("s3cret")
    expect(String(inline?.value)).not.toContain("s3cret")
    const fromFile = ok({ env: { PERIOGT_API_KEY_FILE: "/run/key" }, readSecretFile: () => "filekey\nignored\n" }).apiKey
    expect(fromFile && Redacted.value(fromFile.value)).toBe("filekey")
    expect(fail({ env: { PERIOGT_API_KEY_FILE: "/nope" } }).details?.["variable"]).toBe("PERIOGT_API_KEY_FILE")
    expect(fail({ env: { PERIOGT_API_KEY_FILE: "/empty" }, readSecretFile: () => "\n" }).message).toContain("empty")
  })
})
