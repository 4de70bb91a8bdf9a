import { afterAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Result } from "effect"
import { generate } from "../../core/deploy/generate.ts"
import { writeGenerated } from "../../core/deploy/write.ts"
import { fixedConfig } from "./cases.ts"
import { missingTools } from "./tools.ts"

/**
 * What the generated job scripts decide when they run (issue 20), run directly with bash and stand-ins
 * on PATH: a copied job folder uses its own settings (or refuses clearly); --nv and the device follow
 * the GPUs the job sees (the nvidia-smi stand-in of test/fixtures/nvidia-smi); the server job never
 * listens without a key, and beyond loopback only when asked.
 */

const work = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-runtime-"))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

const SMI = path.resolve(import.meta.dir, "../fixtures/nvidia-smi")

const writeTarget = (name: string, target: string, cluster: string, sets: ReadonlyArray<string>) => {
  const out = path.join(work, name)
  const r = generate({ target, cluster, sets, outDir: out, config: fixedConfig(), env: {}, cwd: work, version: "0.0.0-test", selfBinary: "/nonexistent/periogt" })
  if (Result.isFailure(r)) throw r.failure
  writeGenerated(out, r.success.files)
  return out
}

/** A stand-in (periogt or apptainer): records its arguments and the PERIOGT_* environment, then exits with $FAKE_EXIT. */
const recorder = (file: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(
    file,
    ["#!/bin/bash", 'printf "%s\\n" "$@" > "$FAKE_LOG"', 'env | grep "^PERIOGT_" | sort > "$FAKE_LOG.env"', 'echo \'{"ok":true}\'', 'exit "${FAKE_EXIT:-0}"', ""].join("\n"),
  )
  fs.chmodSync(file, 0o755)
  return file
}
const fakePeriogt = recorder(path.join(work, "bin", "fake-periogt"))
const apptainerDir = path.join(work, "apptainer-bin")
recorder(path.join(apptainerDir, "apptainer"))

const base = path.join(work, "base")
const ckpt = path.join(work, "ckpt")
fs.mkdirSync(ckpt, { recursive: true })
const submit = path.join(work, "submit")
fs.mkdirSync(submit, { recursive: true })

const run = (script: string, env: Record<string, string>, cwd = submit) => {
  const log = path.join(work, `fake-${Math.random().toString(36).slice(2)}.log`)
  const p = Bun.spawnSync(["bash", script], {
    cwd,
    // The failing nvidia-smi stand-in first: a real GPU of the test machine never counts unless a test says so.
    env: { PATH: `${SMI}:/usr/bin:/bin`, FAKE_SMI_CASE: "failing", HOME: work, USER: "tester", FAKE_LOG: log, ...env },
    stdout: "pipe",
    stderr: "pipe",
  })
  const called = fs.existsSync(log)
  const envLines = called ? fs.readFileSync(`${log}.env`, "utf8").trim().split("\n") : []
  return {
    code: p.exitCode,
    stdout: p.stdout.toString(),
    stderr: p.stderr.toString(),
    called,
    args: called ? fs.readFileSync(log, "utf8").trim().split("\n") : [],
    env: Object.fromEntries(envLines.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)])) as Record<string, string>,
  }
}

describe("a job folder carries its own settings", () => {
  const original = writeTarget("jobs", "slurm", "generic", [`base_dir=${base}`, `checkpoint_dir=${ckpt}`])
  const copy = path.join(work, "jobs-copy")
  fs.cpSync(original, copy, { recursive: true })
  const copyResults = path.join(work, "copy-results")
  const env = fs.readFileSync(path.join(copy, "setup_env.sh"), "utf8")
  fs.writeFileSync(path.join(copy, "setup_env.sh"), env.replace(/^export PERIOGT_RESULTS_DIR=.*$/m, `export PERIOGT_RESULTS_DIR="\${PERIOGT_RESULTS_DIR:-${copyResults}}"`))

  test("run from the copy: the copy's setup_env.sh, said in the log", () => {
    const r = run(path.join(copy, "predict.sbatch"), { PERIOGT_BIN: fakePeriogt, SMILES: "*CC*", PROPERTY: "eps", SLURM_JOB_ID: "7" })
    expect(r.code).toBe(0)
    // periogt refuses a PERIOGT_* variable set but empty: the jobs never pass one.
    expect(Object.entries(r.env).filter(([, v]) => v === "")).toEqual([])
    expect(r.env["PERIOGT_PORT"]).toBeUndefined()
    expect(r.stdout).toContain(`periogt-job: settings from ${copy}/setup_env.sh (this script's folder)`)
    expect(fs.existsSync(path.join(copyResults, "predict-7.json"))).toBe(true)
    expect(fs.existsSync(path.join(base, "results", "predict-7.json"))).toBe(false)
  })

  test("under Slurm (a copy of the script in a spool directory): the folder of the submitted script, from scontrol", () => {
    const spool = path.join(work, "spool", "job8")
    fs.mkdirSync(spool, { recursive: true })
    fs.copyFileSync(path.join(copy, "predict.sbatch"), path.join(spool, "slurm_script"))
    const scontrolDir = path.join(work, "scontrol-bin")
    fs.mkdirSync(scontrolDir, { recursive: true })
    fs.writeFileSync(
      path.join(scontrolDir, "scontrol"),
      `#!/bin/bash\n[[ "$*" == "show job 8" ]] || exit 1\necho "JobId=8 JobName=periogt-predict"\necho "   Command=${path.join(copy, "predict.sbatch")}"\necho "   WorkDir=${submit}"\n`,
    )
    fs.chmodSync(path.join(scontrolDir, "scontrol"), 0o755)
    const r = run(path.join(spool, "slurm_script"), { PATH: `${scontrolDir}:/usr/bin:/bin`, PERIOGT_BIN: fakePeriogt, SMILES: "*CC*", PROPERTY: "eps", SLURM_JOB_ID: "8" })
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`periogt-job: settings from ${copy}/setup_env.sh (the folder of the submitted script)`)
    expect(fs.existsSync(path.join(copyResults, "predict-8.json"))).toBe(true)
  })

  test("PERIOGT_JOB_DIR names the folder explicitly", () => {
    const spool = path.join(work, "spool", "job9")
    fs.mkdirSync(spool, { recursive: true })
    fs.copyFileSync(path.join(copy, "predict.sbatch"), path.join(spool, "slurm_script"))
    const r = run(path.join(spool, "slurm_script"), { PERIOGT_JOB_DIR: copy, PERIOGT_BIN: fakePeriogt, SMILES: "*CC*", PROPERTY: "eps", SLURM_JOB_ID: "9" })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`settings from ${copy}/setup_env.sh (PERIOGT_JOB_DIR)`)
  })

  test("under PBS (a copy in a spool directory): the submitted script from qstat -f, else this job's script in $PBS_O_WORKDIR", () => {
    const pbs = writeTarget("pbs-jobs", "pbs", "generic", [`base_dir=${base}`, `checkpoint_dir=${ckpt}`])
    const pbsCopy = path.join(work, "pbs-copy")
    fs.cpSync(pbs, pbsCopy, { recursive: true })
    const pbsResults = path.join(work, "pbs-copy-results")
    const text = fs.readFileSync(path.join(pbsCopy, "setup_env.sh"), "utf8")
    fs.writeFileSync(path.join(pbsCopy, "setup_env.sh"), text.replace(/^export PERIOGT_RESULTS_DIR=.*$/m, `export PERIOGT_RESULTS_DIR="\${PERIOGT_RESULTS_DIR:-${pbsResults}}"`))
    const spool = path.join(work, "pbs-spool")
    fs.mkdirSync(spool, { recursive: true })
    fs.copyFileSync(path.join(pbsCopy, "predict.pbs"), path.join(spool, "11.server.SC"))
    const qstatDir = path.join(work, "qstat-bin")
    fs.mkdirSync(qstatDir, { recursive: true })
    fs.writeFileSync(path.join(qstatDir, "qstat"), `#!/bin/bash\n[[ "$*" == "-f 11.server" ]] || exit 1\necho "Job Id: 11.server"\necho "    Job_Name = periogt-predict"\necho "    Submit_arguments = -V ../pbs-copy/predict.pbs"\n`)
    fs.chmodSync(path.join(qstatDir, "qstat"), 0o755)
    const common = { PERIOGT_BIN: fakePeriogt, SMILES: "*CC*", PROPERTY: "eps", PBS_JOBID: "11.server", PBS_JOBNAME: "periogt-predict" }
    const r = run(path.join(spool, "11.server.SC"), { ...common, PATH: `${qstatDir}:/usr/bin:/bin`, PBS_O_WORKDIR: submit })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`periogt-job: settings from ${pbsCopy}/setup_env.sh (the folder of the submitted script)`)
    expect(fs.existsSync(path.join(pbsResults, "predict-11.server.json"))).toBe(true)
    // No qstat: qsub run in the copy's folder is found through the job's name.
    const r2 = run(path.join(spool, "11.server.SC"), { ...common, PBS_JOBID: "12.server", PBS_O_WORKDIR: pbsCopy })
    expect(r2.code).toBe(0)
    expect(r2.stdout).toContain(`periogt-job: settings from ${pbsCopy}/setup_env.sh (the folder of the submitted script)`)
  })

  test("a script whose folder cannot be found and whose generated folder is gone refuses, saying what to do", () => {
    const gone = writeTarget("jobs-gone", "slurm", "generic", [`base_dir=${base}`, `checkpoint_dir=${ckpt}`])
    const spool = path.join(work, "spool", "job10")
    fs.mkdirSync(spool, { recursive: true })
    fs.copyFileSync(path.join(gone, "predict.sbatch"), path.join(spool, "slurm_script"))
    fs.rmSync(gone, { recursive: true })
    const r = run(path.join(spool, "slurm_script"), { PERIOGT_BIN: fakePeriogt, SMILES: "*CC*", PROPERTY: "eps" })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`periogt-job: error: no setup_env.sh in ${gone}`)
    expect(r.stderr).toContain("Export PERIOGT_JOB_DIR=/path/to/the/job/folder before submitting")
    expect(r.called).toBe(false)
  })
})

describe("messages name the file and line to edit", () => {
  test("a placeholder left in a copied explorer folder: the copy's setup_env.sh and its line", () => {
    const ex = writeTarget("explorer-placeholder", "slurm", "explorer", [])
    const r = run(path.join(ex, "predict.sbatch"), { PERIOGT_BIN: fakePeriogt, SMILES: "*CC*", PROPERTY: "eps" })
    expect(r.code).toBe(2)
    const line = fs.readFileSync(path.join(ex, "setup_env.sh"), "utf8").split("\n").findIndex((l) => l.startsWith("export PERIOGT_BASE_DIR=")) + 1
    expect(r.stderr).toContain(`PERIOGT_BASE_DIR=/projects/<group>/periogt still holds a placeholder: edit ${ex}/setup_env.sh line ${line} or export PERIOGT_BASE_DIR`)
  })
})

describe("GPU or CPU, decided when the job runs", () => {
  // cades: a CPU image by default, the GPU variant beside it; one script for both kinds of partition.
  const cades = writeTarget("cades", "slurm", "cades", [`base_dir=${base}`, `checkpoint_dir=${ckpt}`, `results_dir=${path.join(work, "cades-results")}`])
  const cpuImage = path.join(base, "periogt.sif")
  const gpuImage = path.join(base, "periogt-gpu.sif")
  fs.mkdirSync(base, { recursive: true })
  fs.writeFileSync(cpuImage, "")
  const jobEnv = (pathPrefix: string, extra: Record<string, string> = {}) => ({ PATH: `${pathPrefix}${apptainerDir}:/usr/bin:/bin`, SMILES: "*CC*", PROPERTY: "eps", ...extra })

  test("no GPU visible (no nvidia-smi, or one that fails): no --nv, the CPU image, device cpu", () => {
    // Without any nvidia-smi only where the machine has none of its own in /usr/bin or /bin.
    const noSmi = Bun.which("nvidia-smi", { PATH: "/usr/bin:/bin" }) === null
    for (const [prefix, extra] of [...(noSmi ? ([["", {}]] as const) : []), [`${SMI}:`, { FAKE_SMI_CASE: "failing" }]] as const) {
      const r = run(path.join(cades, "predict.sbatch"), jobEnv(prefix, extra))
      expect(r.code).toBe(0)
      expect(r.args[0]).toBe("exec")
      expect(r.args).not.toContain("--nv")
      expect(r.args).toContain(cpuImage)
      expect(r.env["PERIOGT_DEVICE"]).toBe("cpu")
      expect(r.stdout).toContain("no GPU visible to this job (nvidia-smi -L): device cpu")
    }
  })

  test("a GPU visible: --nv, the GPU image, device cuda", () => {
    fs.writeFileSync(gpuImage, "")
    try {
      const r = run(path.join(cades, "predict.sbatch"), jobEnv(`${SMI}:`, { FAKE_SMI_CASE: "h100" }))
      expect(r.code).toBe(0)
      expect(r.args.slice(0, 2)).toEqual(["exec", "--nv"])
      expect(r.args).toContain(gpuImage)
      expect(r.env["PERIOGT_DEVICE"]).toBe("cuda")
      expect(r.stdout).toContain("GPU visible (GPU 0: NVIDIA H100 80GB HBM3")
      // An exported PERIOGT_DEVICE=cpu wins: no --nv.
      const cpu = run(path.join(cades, "predict.sbatch"), jobEnv(`${SMI}:`, { FAKE_SMI_CASE: "h100", PERIOGT_DEVICE: "cpu" }))
      expect(cpu.args).not.toContain("--nv")
      expect(cpu.env["PERIOGT_DEVICE"]).toBe("cpu")
    } finally {
      fs.rmSync(gpuImage)
    }
  })

  test("a GPU visible but no GPU image: the CPU image on the CPU, with a warning (never cuda_unavailable)", () => {
    const r = run(path.join(cades, "predict.sbatch"), jobEnv(`${SMI}:`, { FAKE_SMI_CASE: "a100" }))
    expect(r.code).toBe(0)
    expect(r.args).not.toContain("--nv")
    expect(r.args).toContain(cpuImage)
    expect(r.env["PERIOGT_DEVICE"]).toBe("cpu")
    expect(r.stderr).toContain(`a GPU is visible but the GPU image ${gpuImage} does not exist`)
  })

  test("explorer: one GPU image serves both; PERIOGT_BIN runs the executable with cuda or cpu", () => {
    const ex = writeTarget("explorer", "slurm", "explorer", [`base_dir=${path.join(work, "exbase")}`, `checkpoint_dir=${ckpt}`, `results_dir=${path.join(work, "ex-results")}`])
    const r = run(path.join(ex, "predict.sbatch"), { PATH: `${SMI}:/usr/bin:/bin`, FAKE_SMI_CASE: "h200", PERIOGT_BIN: fakePeriogt, SMILES: "*CC*", PROPERTY: "eps" })
    expect(r.code).toBe(0)
    expect(r.env["PERIOGT_DEVICE"]).toBe("cuda")
    const cpu = run(path.join(ex, "predict.sbatch"), { PATH: `${SMI}:/usr/bin:/bin`, FAKE_SMI_CASE: "failing", PERIOGT_BIN: fakePeriogt, SMILES: "*CC*", PROPERTY: "eps" })
    expect(cpu.env["PERIOGT_DEVICE"]).toBe("cpu")
  })
})

describe("server.sbatch", () => {
  const jobs = writeTarget("server-jobs", "slurm", "explorer", [`base_dir=${path.join(work, "srvbase")}`, `checkpoint_dir=${ckpt}`, `results_dir=${path.join(work, "srv-results")}`])
  const server = path.join(jobs, "server.sbatch")

  test("loopback, a free port, a new 0600 key; the log prints the tunnel, the URL and where the key is", () => {
    const r = run(server, { PERIOGT_BIN: fakePeriogt, SLURM_JOB_ID: "41", PERIOGT_HOST: "0.0.0.0" })
    expect(r.code).toBe(0)
    expect(r.args).toEqual(["serve"])
    expect(r.env["PERIOGT_HOST"]).toBe("127.0.0.1")
    const port = Number(r.env["PERIOGT_PORT"])
    expect(port).toBeGreaterThanOrEqual(20000)
    expect(port).toBeLessThan(32000)
    const keyFile = path.join(work, "srv-results", "server-41", "api_key")
    expect(r.env["PERIOGT_API_KEY_FILE"]).toBe(keyFile)
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600)
    expect(fs.statSync(path.dirname(keyFile)).mode & 0o077).toBe(0)
    expect(fs.readFileSync(keyFile, "utf8")).toMatch(/^[0-9a-f]{64}$/)
    expect(r.stdout).toContain(`listening on 127.0.0.1:${port}; X-Api-Key required`)
    expect(r.stdout).toContain(`tunnel from your machine: ssh -N -L ${port}:127.0.0.1:${port} -J tester@login.explorer.northeastern.edu tester@`)
    expect(r.stdout).toContain(`then open http://localhost:${port}/`)
    expect(r.stdout).toContain(`API key: ${keyFile}`)
    expect(r.stdout).not.toContain(fs.readFileSync(keyFile, "utf8"))
    expect(fs.readFileSync(path.join(work, "srv-results", "server-41", "connection.txt"), "utf8")).toContain(`port=${port}`)
  })

  test("two servers on one node get their own port and key", () => {
    const a = run(server, { PERIOGT_BIN: fakePeriogt, SLURM_JOB_ID: "42" })
    const b = run(server, { PERIOGT_BIN: fakePeriogt, SLURM_JOB_ID: "43" })
    expect(a.env["PERIOGT_API_KEY_FILE"]).not.toBe(b.env["PERIOGT_API_KEY_FILE"])
    expect(fs.readFileSync(a.env["PERIOGT_API_KEY_FILE"] ?? "", "utf8")).not.toBe(fs.readFileSync(b.env["PERIOGT_API_KEY_FILE"] ?? "", "utf8"))
  })

  test("a port already listened on is never chosen", async () => {
    // bash's RANDOM is deterministic once seeded: listen on the port the seed picks first, then ask.
    const first = Number(Bun.spawnSync(["bash", "-c", "RANDOM=7; echo $((20000 + RANDOM % 12000))"], { stdout: "pipe" }).stdout.toString().trim())
    const net = await import("node:net")
    const holder = net.createServer()
    await new Promise<void>((resolve, reject) => {
      holder.once("error", reject)
      holder.listen(first, "127.0.0.1", () => resolve())
    })
    try {
      const pick = (seed: number) =>
        Number(Bun.spawnSync(["bash", "-c", `source "$1"; RANDOM=${seed}; periogt_free_port`, "x", path.join(jobs, "setup_env.sh")], { stdout: "pipe", env: { PATH: "/usr/bin:/bin", HOME: work } }).stdout.toString().trim())
      const chosen = pick(7)
      expect(chosen).toBeGreaterThanOrEqual(20000)
      expect(chosen).not.toBe(first)
    } finally {
      await new Promise<void>((r) => holder.close(() => r()))
    }
  })

  test("PERIOGT_SERVER_BIND=node: the node's hostname, still with a key; a key file of yours is used as is", () => {
    const own = path.join(work, "own-key")
    fs.writeFileSync(own, "my-key\n", { mode: 0o600 })
    const r = run(server, { PERIOGT_BIN: fakePeriogt, SLURM_JOB_ID: "45", PERIOGT_SERVER_BIND: "node", PERIOGT_API_KEY_FILE: own, PERIOGT_PORT: "28123" })
    expect(r.code).toBe(0)
    expect(r.env["PERIOGT_HOST"]).toBe(os.hostname())
    expect(r.env["PERIOGT_PORT"]).toBe("28123")
    expect(r.env["PERIOGT_API_KEY_FILE"]).toBe(own)
    expect(fs.existsSync(path.join(work, "srv-results", "server-45", "api_key"))).toBe(false)
    expect(r.stdout).toContain(`tunnel from your machine: ssh -N -L 28123:`)
  })

  test("an unknown PERIOGT_SERVER_BIND is refused before the server starts", () => {
    const r = run(server, { PERIOGT_BIN: fakePeriogt, PERIOGT_SERVER_BIND: "0.0.0.0" })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("PERIOGT_SERVER_BIND=0.0.0.0: expected loopback or node")
    expect(r.called).toBe(false)
  })

  test("in the container: the key file's directory is bound", () => {
    const sif = path.join(work, "srvbase", "periogt.sif")
    fs.mkdirSync(path.dirname(sif), { recursive: true })
    fs.writeFileSync(sif, "")
    const r = run(server, { PATH: `${apptainerDir}:/usr/bin:/bin`, SLURM_JOB_ID: "46" })
    expect(r.code).toBe(0)
    expect(r.args.slice(0, 1)).toEqual(["exec"])
    expect(r.args).toContain(path.join(work, "srv-results"))
    expect(r.args.slice(-2)).toEqual(["periogt", "serve"])
    expect(r.env["PERIOGT_API_KEY_FILE"]).toBe(path.join(work, "srv-results", "server-46", "api_key"))
  })
})

describe("Open OnDemand app: the ERB templates as OnDemand renders them (Ruby's ERB, trim mode '-')", () => {
  const why = missingTools(["ruby", "shellcheck"])
  const render = (template: string, attrs: Record<string, string>): string => {
    const rb = path.join(work, "render.rb")
    fs.writeFileSync(
      rb,
      [
        'require "erb"',
        'require "json"',
        "class Ctx",
        "  def initialize(h) = @h = h",
        "  def method_missing(name, *args) = @h.key?(name.to_s) ? @h[name.to_s] : super",
        "  def respond_to_missing?(name, priv = false) = @h.key?(name.to_s) || super",
        "end",
        "attrs = JSON.parse(ARGV[1])",
        "context = Ctx.new(attrs)",
        "b = binding",
        "attrs.each { |k, v| b.local_variable_set(k.to_sym, v) }",
        'print ERB.new(File.read(ARGV[0]), trim_mode: "-").result(b)',
        "",
      ].join("\n"),
    )
    const p = Bun.spawnSync(["ruby", rb, template, JSON.stringify(attrs)], { stdout: "pipe", stderr: "pipe" })
    if (p.exitCode !== 0) throw new Error(`ruby ${template}: ${p.stderr.toString()}`)
    return p.stdout.toString()
  }
  const session = { num_cores: "4", memory_gb: "16", bc_num_hours: "2", host: "node7", port: "24680", api_key: "k" }

  for (const cluster of ["explorer", "cades", "generic"]) {
    test.skipIf(why !== undefined)(`${cluster}: before.sh and script.sh render to scripts that pass bash -n and shellcheck; submit.yml and form.yml are YAML${why === undefined ? "" : ` (skipped: ${why})`}`, () => {
      const app = writeTarget(`ood-${cluster}`, "ood", cluster, [])
      const partitions = cluster === "generic" ? [""] : cluster === "explorer" ? ["gpu", "gpu-interactive"] : ["batch_cnms", "gpu_acmhs"]
      for (const partition of partitions) {
        const out = path.join(work, `ood-${cluster}-rendered-${partition || "default"}`)
        fs.mkdirSync(out, { recursive: true })
        for (const f of ["template/before.sh.erb", "template/script.sh.erb", "submit.yml.erb", "view.html.erb"]) {
          fs.writeFileSync(path.join(out, path.basename(f, ".erb")), render(path.join(app, f), { ...session, partition }))
        }
        for (const f of ["before.sh", "script.sh"]) {
          const n = Bun.spawnSync(["bash", "-n", f], { cwd: out, stderr: "pipe" })
          if (n.exitCode !== 0) throw new Error(`bash -n ${cluster}/${f}: ${n.stderr.toString()}`)
          const s = Bun.spawnSync(["shellcheck", "-s", "bash", f], { cwd: out, stdout: "pipe" })
          if (s.exitCode !== 0) throw new Error(`shellcheck ${cluster}/${f}:\n${s.stdout.toString()}`)
        }
        expect(fs.readFileSync(path.join(out, "script.sh"), "utf8")).toContain("export PERIOGT_THREADS=4\n")
        const yaml = Bun.spawnSync(["ruby", "-ryaml", "-rjson", "-e", "print JSON.generate(YAML.safe_load(File.read(ARGV[0])))", path.join(out, "submit.yml")], { stdout: "pipe", stderr: "pipe" })
        if (yaml.exitCode !== 0) throw new Error(`submit.yml: ${yaml.stderr.toString()}`)
        const submitted = JSON.parse(yaml.stdout.toString()) as { batch_connect: { template: string; conn_params: string[] }; script: { queue_name?: string; native: string[] } }
        expect(submitted.batch_connect).toEqual({ template: "basic", conn_params: ["api_key"] })
        expect(submitted.script.native).toContain("--cpus-per-task=4")
        expect(submitted.script.native).toContain("--mem=16G")
        expect(submitted.script.queue_name).toBe(partition === "" ? undefined : partition)
        const gres = submitted.script.native.find((x) => x.startsWith("--gres="))
        expect({ partition, gres }).toEqual({ partition, gres: partition === "gpu" ? "--gres=gpu:h200:1" : partition === "gpu_acmhs" ? "--gres=gpu:1" : partition === "gpu-interactive" ? "--gres=gpu:1" : undefined })
        expect(fs.readFileSync(path.join(out, "view.html"), "utf8")).toContain('action="/rnode/node7/24680/"')
      }
      const form = Bun.spawnSync(["ruby", "-ryaml", "-rjson", "-e", "print JSON.generate(YAML.safe_load(File.read(ARGV[0])))", path.join(app, "form.yml")], { stdout: "pipe", stderr: "pipe" })
      if (form.exitCode !== 0) throw new Error(`form.yml: ${form.stderr.toString()}`)
      const parsed = JSON.parse(form.stdout.toString()) as { cluster: string; attributes: { partition: { options?: unknown[][] } } }
      expect(parsed.cluster).toBe(cluster)
      const names = (parsed.attributes.partition.options ?? []).map((o) => o[1])
      expect(names).toEqual(cluster === "generic" ? [] : partitions)
    }, 60_000)
  }

  test("the OnDemand form of cades carries the partitions' limits; explorer never offers multigpu", () => {
    const cades = fs.readFileSync(path.join(writeTarget("ood-limits-cades", "ood", "cades", []), "form.yml"), "utf8")
    expect(cades).toContain('"batch_cnms", data-max-num-cores: 128, data-max-memory-gb: 512]')
    const ex = fs.readFileSync(path.join(writeTarget("ood-limits-explorer", "ood", "explorer", []), "form.yml"), "utf8")
    expect(ex).toContain('"gpu", data-max-bc-num-hours: 8]')
    expect(ex).not.toContain("multigpu")
  })
})

describe("conda install.sh: creates or updates, and stops on any other failure", () => {
  // A stand-in conda: `env list` lists $FAKE_CONDA_ENVS, `env create` fails when FAKE_CONDA_CREATE_FAILS=1,
  // `run` prints the prefix; every call is logged.
  const dir = path.join(work, "conda-bin")
  const prefix = path.join(work, "conda-prefix")
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(
    path.join(dir, "conda"),
    [
      "#!/bin/bash",
      'echo "$*" >> "$CONDA_LOG"',
      'case "$1 $2" in',
      '  "env list") echo "# conda environments:"; for e in ${FAKE_CONDA_ENVS:-}; do echo "$e   /opt/envs/$e"; done ;;',
      '  "env create") if [[ "${FAKE_CONDA_CREATE_FAILS:-0}" == 1 ]]; then echo "CondaHTTPError: HTTP 000 CONNECTION FAILED" >&2; exit 1; fi ;;',
      '  "env update") ;;',
      '  "run "*) mkdir -p "$FAKE_PREFIX/bin"; printf %s "$FAKE_PREFIX" ;;',
      "esac",
      "",
    ].join("\n"),
  )
  fs.chmodSync(path.join(dir, "conda"), 0o755)
  const conda = writeTarget("conda-cades", "conda", "cades", [])
  const install = (env: Record<string, string>) => {
    const log = path.join(work, `conda-${Math.random().toString(36).slice(2)}.log`)
    const p = Bun.spawnSync(["bash", path.join(conda, "install.sh"), "--binary", fakePeriogt], {
      env: { PATH: `${dir}:/usr/bin:/bin`, HOME: work, CONDA_LOG: log, FAKE_LOG: `${log}.periogt`, FAKE_PREFIX: prefix, ...env },
      stdout: "pipe",
      stderr: "pipe",
    })
    return { code: p.exitCode, stderr: p.stderr.toString(), calls: fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [] }
  }

  test("a failed create (the environment does not exist) stops with conda's message; no update is tried", () => {
    const r = install({ FAKE_CONDA_CREATE_FAILS: "1" })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("CondaHTTPError")
    expect(r.stderr).toContain("install.sh: error: conda env create failed")
    expect(r.stderr).not.toContain("exists")
    expect(r.calls.some((c) => c.startsWith("env update"))).toBe(false)
  })

  test("an existing environment is updated, never created again", () => {
    const r = install({ FAKE_CONDA_ENVS: "base periogt" })
    expect(r.stderr).toContain("install.sh: the environment periogt exists; updating it")
    expect(r.calls.some((c) => c.startsWith("env update"))).toBe(true)
    expect(r.calls.some((c) => c.startsWith("env create"))).toBe(false)
  })
})
