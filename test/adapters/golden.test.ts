import { describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { FIXTURES, GOLDEN_CASES, generateCase } from "./cases.ts"
import { missingTools } from "./tools.ts"

/** Every generated file of every golden case, byte for byte, plus syntax and lint checks on the goldens. */

const listFiles = (dir: string): string[] => {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort()
}

/** Every file below `dir`, as relative paths (the OnDemand app has a template/ folder). */
const listTree = (dir: string, prefix = ""): string[] => {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listTree(path.join(dir, e.name), `${prefix}${e.name}/`) : e.isFile() ? [`${prefix}${e.name}`] : []))
    .sort()
}

const shellFiles = (dir: string) => listFiles(dir).filter((f) => /\.(sh|sbatch|pbs)$/.test(f))

describe("golden files (bun test/adapters/update-golden.ts regenerates them)", () => {
  for (const c of GOLDEN_CASES) {
    test(`${c.dir} matches byte for byte`, () => {
      const { files } = generateCase(c)
      const dir = path.join(FIXTURES, c.dir)
      expect(files.map((f) => f.path).sort()).toEqual(listTree(dir))
      for (const f of files) {
        const golden = fs.readFileSync(path.join(dir, f.path), "utf8")
        if (golden !== f.content) {
          throw new Error(`${c.dir}/${f.path} differs from its golden file; review, then run bun test/adapters/update-golden.ts`)
        }
        expect((fs.statSync(path.join(dir, f.path)).mode & 0o111) !== 0).toBe((f.mode & 0o111) !== 0)
      }
    })
  }

  test("generation is deterministic", () => {
    for (const c of GOLDEN_CASES) expect(generateCase(c).files).toEqual(generateCase(c).files)
  })
})

describe("generated shell scripts", () => {
  const dirs = [...new Set(GOLDEN_CASES.map((c) => path.join(FIXTURES, c.dir)))]

  test("pass bash -n", () => {
    for (const d of dirs) {
      for (const f of shellFiles(d)) {
        const p = Bun.spawnSync(["bash", "-n", f], { cwd: d, stderr: "pipe" })
        if (p.exitCode !== 0) throw new Error(`bash -n ${d}/${f}: ${p.stderr.toString()}`)
      }
    }
  }, 60_000)

  const why = missingTools(["shellcheck"])
  test.skipIf(why !== undefined)(`pass shellcheck${why === undefined ? "" : ` (skipped: ${why})`}`, () => {
    for (const d of dirs) {
      const files = shellFiles(d)
      if (files.length === 0) continue
      const p = Bun.spawnSync(["shellcheck", "-x", ...files], { cwd: d, stdout: "pipe", stderr: "pipe" })
      if (p.exitCode !== 0) throw new Error(`shellcheck in ${d}:\n${p.stdout.toString()}${p.stderr.toString()}`)
    }
  }, 120_000)

  test.skipIf(why !== undefined)("Apptainer definition sections pass shellcheck (sh)", () => {
    for (const d of dirs.filter((x) => fs.existsSync(path.join(x, "periogt.def")))) {
      const def = fs.readFileSync(path.join(d, "periogt.def"), "utf8")
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-def-"))
      try {
        for (const section of ["post", "environment", "runscript", "test"]) {
          const m = new RegExp(`^%${section}\\n([\\s\\S]*?)(?=^%|(?![\\s\\S]))`, "m").exec(def)
          expect(m).not.toBeNull()
          const body = `#!/bin/sh\n${(m?.[1] ?? "").replace(/^ {4}/gm, "")}`
          fs.writeFileSync(path.join(tmp, `${section}.sh`), body)
          const p = Bun.spawnSync(["shellcheck", "-s", "sh", `${section}.sh`], { cwd: tmp, stdout: "pipe" })
          if (p.exitCode !== 0) throw new Error(`${d}/periogt.def %${section}:\n${p.stdout.toString()}`)
        }
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true })
      }
    }
  }, 60_000)

  test("never set a directive twice", () => {
    for (const d of dirs) {
      for (const f of listFiles(d).filter((x) => x.endsWith(".sbatch"))) {
        const keys = [...fs.readFileSync(path.join(d, f), "utf8").matchAll(/^#SBATCH\s+(--?[A-Za-z-]+)/gm)].map((m) => m[1])
        expect({ file: `${d}/${f}`, dup: keys.filter((k, i) => keys.indexOf(k) !== i) }).toEqual({ file: `${d}/${f}`, dup: [] })
        expect(keys).toContain("--job-name")
      }
      for (const f of listFiles(d).filter((x) => x.endsWith(".pbs"))) {
        const keys = [...fs.readFileSync(path.join(d, f), "utf8").matchAll(/^#PBS\s+(-[A-Za-z])(?:\s+([a-z]+)=)?/gm)].map((m) => `${m[1]}${m[2] ?? ""}`)
        expect({ file: `${d}/${f}`, dup: keys.filter((k, i) => keys.indexOf(k) !== i) }).toEqual({ file: `${d}/${f}`, dup: [] })
      }
    }
  })

  test("scripts source only the setup_env.sh of their own job folder, never a path relative to the working directory", () => {
    for (const d of dirs) {
      for (const f of shellFiles(d)) {
        for (const m of fs.readFileSync(path.join(d, f), "utf8").matchAll(/^\s*(?:source|\.)\s+(\S+)/gm)) {
          expect({ file: `${d}/${f}`, source: m[1] }).toEqual({ file: `${d}/${f}`, source: '"${PERIOGT_JOB_DIR}/setup_env.sh"' })
        }
      }
    }
  })
})

describe("cluster goldens: a user edits only the account and paths", () => {
  for (const cluster of ["cades", "explorer"]) {
    test(`slurm/${cluster}: placeholders only on the path lines of setup_env.sh`, () => {
      const d = path.join(FIXTURES, "slurm", cluster)
      for (const f of listFiles(d).filter((x) => /\.(sh|sbatch)$/.test(x))) {
        const code = fs.readFileSync(path.join(d, f), "utf8").split("\n").filter((l) => !/^\s*#(?!SBATCH)/.test(l))
        // Example command lines in messages (example='...') are text, not settings.
        const withPlaceholder = code.filter((l) => /<[a-z][a-z_-]*>/.test(l) && !/<property>/.test(l) && !/^example=/.test(l))
        for (const l of withPlaceholder) expect(l).toMatch(/^export PERIOGT_(BASE_DIR|CHECKPOINT_DIR|RESULTS_DIR|CONTAINER)=/)
      }
    })
  }

  test("explorer keeps checkpoints on /projects and results on /scratch; cades checkpoints off GPFS scratch", () => {
    const ex = fs.readFileSync(path.join(FIXTURES, "slurm/explorer/setup_env.sh"), "utf8")
    expect(ex).toContain('export PERIOGT_BASE_DIR="${PERIOGT_BASE_DIR:-/projects/<group>/periogt}"')
    expect(ex).toContain('export PERIOGT_CHECKPOINT_DIR="${PERIOGT_CHECKPOINT_DIR:-${PERIOGT_BASE_DIR}/checkpoints}"')
    expect(ex).toContain('export PERIOGT_RESULTS_DIR="${PERIOGT_RESULTS_DIR:-/scratch/$USER/periogt/results}"')
    expect(ex).toContain('PERIOGT_PURGED=("/scratch")')
    const cades = fs.readFileSync(path.join(FIXTURES, "slurm/cades/setup_env.sh"), "utf8")
    expect(cades).toContain("/gpfs/wolf2/olcf/mat269/proj-shared/periogt")
    expect(cades).toContain('PERIOGT_PURGED=("/gpfs/wolf2/olcf/mat269/scratch")')
    expect(fs.readFileSync(path.join(FIXTURES, "slurm/explorer/README.md"), "utf8")).toContain("is **purged**")
  })

  test("explorer jobs ask for the gpu partition and an overridable H200 gres; cades for batch_cnms with the MAT269 account", () => {
    const ex = fs.readFileSync(path.join(FIXTURES, "slurm/explorer/predict.sbatch"), "utf8")
    expect(ex).toContain("#SBATCH --partition=gpu\n")
    expect(ex).toContain("#SBATCH --gres=gpu:h200:1\n")
    expect(ex).toContain("SBATCH_GRES=")
    expect(ex).toContain("is an assumption")
    expect(ex).not.toContain("#SBATCH --account")
    const cades = fs.readFileSync(path.join(FIXTURES, "slurm/cades/batch.sbatch"), "utf8")
    expect(cades).toContain("#SBATCH --partition=batch_cnms\n")
    expect(cades).toContain("#SBATCH --account=MAT269\n")
    expect(cades).not.toContain("#SBATCH --gres")
    const gpu = fs.readFileSync(path.join(FIXTURES, "slurm/cades-gpu/predict.sbatch"), "utf8")
    expect(gpu).toContain("#SBATCH --partition=gpu_acmhs\n")
    expect(gpu).toContain("#SBATCH --gres=gpu:1\n")
    // A CPU partition offered from a GPU script clears the gres request; multigpu is never offered.
    expect(gpu).toContain("# Alternative: sbatch --partition=batch_cnms --gres=none ...\n")
    expect(cades).toContain("# Alternative: sbatch --partition=gpu_acmhs --gres=gpu:1 ...; not CNMS-owned: access is negotiated; runs the GPU image PERIOGT_CONTAINER_GPU\n")
    expect(ex).not.toContain("multigpu")
    // --nv is decided when the job runs, never fixed at generation.
    for (const c of ["cades", "cades-gpu", "explorer", "generic"]) expect(fs.readFileSync(path.join(FIXTURES, `slurm/${c}/setup_env.sh`), "utf8")).toContain("PERIOGT_NV=()\n")
  })
})

describe("Modal app", () => {
  const why = Bun.which("python3") === null ? "python3 not found" : undefined
  test.skipIf(why !== undefined)(`compiles as Python${why === undefined ? "" : ` (skipped: ${why})`}`, () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-pyc-"))
    try {
      for (const c of GOLDEN_CASES.filter((x) => x.target === "modal")) {
        const file = path.join(FIXTURES, c.dir, "periogt_modal.py")
        const p = Bun.spawnSync(["python3", "-m", "py_compile", file], { env: { ...process.env, PYTHONPYCACHEPREFIX: cache }, stderr: "pipe" })
        if (p.exitCode !== 0) throw new Error(`${file}: ${p.stderr.toString()}`)
        const text = fs.readFileSync(file, "utf8")
        expect(text).toContain("@modal.web_server(PORT")
        expect(text).toContain('CHECKPOINT_DIR = "/vol/checkpoints"')
        expect(text).toContain("subprocess.Popen(SERVE)")
      }
    } finally {
      fs.rmSync(cache, { recursive: true, force: true })
    }
    // L4 whatever the cluster (cost), authentication on: the key from a Modal Secret.
    for (const c of ["cades", "explorer", "generic"]) {
      const text = fs.readFileSync(path.join(FIXTURES, `modal/${c}/periogt_modal.py`), "utf8")
      expect(text).toContain('GPU = "L4"')
      expect(text).toContain('AUTH = "key"')
      expect(text).toContain('secrets = [modal.Secret.from_name(API_KEY_SECRET, required_keys=["PERIOGT_API_KEY"])] if USE_KEY else []')
      expect(text).toContain("requires_proxy_auth=REQUIRES_PROXY_AUTH")
      expect(text).toContain("cpu=SETUP_CPU, memory=SETUP_MEMORY_MIB")
    }
  }, 60_000)

  // The generated module imported by Python with the real `modal` package (no Modal account needed to
  // import): a venv under .cache/modal-venv, made once with pip; skipped, saying why, where pip cannot.
  const venv = path.resolve(import.meta.dir, "../../.cache/modal-venv")
  const venvPython = path.join(venv, "bin/python")
  const modalWhy = (() => {
    if (Bun.which("python3") === null) return "python3 not found"
    if (!fs.existsSync(venvPython)) {
      const mk = Bun.spawnSync(["python3", "-m", "venv", venv], { stderr: "pipe" })
      if (mk.exitCode !== 0) return `python3 -m venv failed: ${mk.stderr.toString().trim().slice(-200)}`
    }
    if (Bun.spawnSync([venvPython, "-c", "import modal"]).exitCode === 0) return undefined
    const pip = Bun.spawnSync([path.join(venv, "bin/pip"), "install", "-q", "modal"], { stderr: "pipe", timeout: 240_000 })
    if (pip.exitCode !== 0) return `pip install modal failed (no network?): ${pip.stderr.toString().trim().split("\n").slice(-1)[0] ?? ""}`
    return undefined
  })()
  test.skipIf(modalWhy !== undefined)(`imports with the modal package: auth on, L4, setup's CPU and memory${modalWhy === undefined ? "" : ` (skipped: ${modalWhy})`}`, () => {
    const probe = [
      "import importlib.util, json, sys",
      "spec = importlib.util.spec_from_file_location('periogt_modal', sys.argv[1])",
      "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)",
      "s = m.serve._spec_",
      "print(json.dumps({'gpu': s.gpus, 'auth': m.AUTH, 'key': m.USE_KEY, 'proxy': m.REQUIRES_PROXY_AUTH, 'secrets': [repr(x) for x in s.secrets], 'serve': m.SERVE, 'setup_cpu': m.setup._spec_.cpu, 'setup_memory': m.setup._spec_.memory}))",
    ].join("\n")
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-modal-"))
    try {
      for (const c of GOLDEN_CASES.filter((x) => x.target === "modal")) {
        const file = path.join(FIXTURES, c.dir, "periogt_modal.py")
        const p = Bun.spawnSync([venvPython, "-c", probe, file], { cwd: tmp, stdout: "pipe", stderr: "pipe", env: { PATH: process.env["PATH"] ?? "", HOME: tmp, PYTHONDONTWRITEBYTECODE: "1" } })
        if (p.exitCode !== 0) throw new Error(`${file}: ${p.stderr.toString()}`)
        expect(JSON.parse(p.stdout.toString())).toEqual({
          gpu: "L4",
          auth: "key",
          key: true,
          proxy: false,
          secrets: ["modal.Secret.from_name('periogt-api-key')"],
          serve: ["/opt/periogt/bin/periogt", "serve"],
          setup_cpu: 4,
          setup_memory: 16384,
        })
      }
      // The other modes import too: proxy auth alone runs periogt with --allow-unauthenticated behind Modal's proxy.
      const text = fs.readFileSync(path.join(FIXTURES, "modal/explorer/periogt_modal.py"), "utf8")
      for (const [mode, expected] of [["proxy", { key: false, proxy: true, secrets: [] as string[], serve: ["/opt/periogt/bin/periogt", "serve", "--allow-unauthenticated"] }], ["both", { key: true, proxy: true, secrets: ["modal.Secret.from_name('periogt-api-key')"], serve: ["/opt/periogt/bin/periogt", "serve"] }]] as const) {
        const f = path.join(tmp, `${mode}.py`)
        fs.writeFileSync(f, text.replace(/^AUTH = "key"/m, `AUTH = "${mode}"`))
        const p = Bun.spawnSync([venvPython, "-c", probe, f], { cwd: tmp, stdout: "pipe", stderr: "pipe", env: { PATH: process.env["PATH"] ?? "", HOME: tmp, PYTHONDONTWRITEBYTECODE: "1" } })
        if (p.exitCode !== 0) throw new Error(`${mode}: ${p.stderr.toString()}`)
        expect(JSON.parse(p.stdout.toString())).toMatchObject(expected)
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  }, 300_000)
})
