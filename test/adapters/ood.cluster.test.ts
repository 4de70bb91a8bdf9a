import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { periogtBinary } from "../support/binary.ts"
import { startSlurmCluster, type SlurmCluster } from "./slurmCluster.ts"
import { missingTools } from "./tools.ts"

/**
 * The Open OnDemand app and the server job, run as Slurm jobs on the one-node loopback cluster with the
 * compiled periogt (serving its demonstration model, so no checkpoints are needed):
 * - the OnDemand app: its ERB templates rendered with Ruby as OnDemand renders them, wrapped the way
 *   OnDemand's `basic` batch-connect template wraps them (helpers find_port and create_passwd, `host`
 *   and `port` exported, before.sh sourced, connection.yml written, script.sh run);
 * - server.sbatch from `periogt gen slurm`, and a copy of its folder with its own settings.
 * Each server answers its page and, with the generated key, the API (200), and 401 without the key.
 */

const why = missingTools(["slurmctld", "slurmd", "sbatch", "scontrol", "sinfo", "munged", "ruby"])

let cluster: SlurmCluster | undefined
let work = ""
let bin = ""

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Waits until `file` exists and `ready(text)` holds, or the job ends. */
const waitFor = async (file: string, ready: (text: string) => boolean, jobId: string, timeoutMs = 120_000): Promise<string> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : ""
    if (ready(text)) return text
    const state = Bun.spawnSync(["scontrol", "show", "job", "-o", jobId], { env: cluster?.env, stdout: "pipe" }).stdout.toString()
    if (/JobState=(FAILED|COMPLETED|CANCELLED|TIMEOUT)/.test(state)) throw new Error(`job ${jobId} ended before ${file} was ready: ${state}\n${text}`)
    await sleep(200)
  }
  throw new Error(`${file} not ready after ${timeoutMs} ms`)
}

/** Polls until something answers HTTP at `url` (any status). */
const waitHttp = async (url: string, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs
  let last = ""
  while (Date.now() < deadline) {
    try {
      return await fetch(url)
    } catch (e) {
      last = String(e)
      await sleep(200)
    }
  }
  throw new Error(`nothing answers at ${url}: ${last}`)
}

const checkServer = async (hostPort: string, key: string) => {
  const page = await waitHttp(`http://${hostPort}/`)
  expect(page.status).toBe(200)
  expect(await page.text()).toContain("<html")
  const withKey = await fetch(`http://${hostPort}/v1/health`, { headers: { "x-api-key": key } })
  expect(withKey.status).toBe(200)
  const without = await fetch(`http://${hostPort}/v1/health`)
  expect(without.status).toBe(401)
  const wrong = await fetch(`http://${hostPort}/v1/health`, { headers: { "x-api-key": `${key}x` } })
  expect(wrong.status).toBe(401)
}

/** A PERIOGT_BIN that serves the demonstration model (no checkpoints in these tests). */
const demoBin = () => {
  const p = path.join(work, "periogt-demo")
  fs.writeFileSync(p, `#!/bin/bash\nif [[ "$1" == serve ]]; then exec "${bin}" "$@" --demo; fi\nexec "${bin}" "$@"\n`)
  fs.chmodSync(p, 0o755)
  return p
}

const render = (template: string, attrs: Record<string, string>, out: string) => {
  const rb = path.join(work, "render.rb")
  if (!fs.existsSync(rb)) {
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
  }
  const p = Bun.spawnSync(["ruby", rb, template, JSON.stringify(attrs)], { stdout: "pipe", stderr: "pipe" })
  if (p.exitCode !== 0) throw new Error(`ruby ${template}: ${p.stderr.toString()}`)
  fs.writeFileSync(out, p.stdout.toString())
}

const genCli = (target: string, out: string, sets: ReadonlyArray<string>) => {
  const p = Bun.spawnSync([bin, "gen", target, "--cluster", "generic", "--out", out, ...sets.flatMap((s) => ["--set", s])], { cwd: work, env: { PATH: process.env["PATH"] ?? "", HOME: work }, stdout: "pipe", stderr: "pipe" })
  if (p.exitCode !== 0) throw new Error(`periogt gen ${target} failed: ${p.stderr.toString()}`)
}

const cancel = (jobId: string) => Bun.spawnSync(["scancel", jobId], { env: cluster?.env })

describe.skipIf(why !== undefined)(`OnDemand session and server job on a one-node Slurm cluster${why === undefined ? "" : ` (skipped: ${why})`}`, () => {
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-oodjobs-"))
    fs.chmodSync(work, 0o755)
    bin = process.env["PERIOGT_TEST_BIN"] || periogtBinary()
    cluster = await startSlurmCluster()
  }, 300_000)

  afterAll(() => {
    cluster?.stop()
    if (work !== "") fs.rmSync(work, { recursive: true, force: true })
  })

  test("the OnDemand app's rendered templates start periogt serve with the session's key: 200 with it, 401 without", async () => {
    const c = cluster as SlurmCluster
    const app = path.join(work, "ood-app")
    genCli("ood", app, [`base_dir=${path.join(work, "base")}`, `results_dir=${path.join(work, "results")}`, `bin=${demoBin()}`])
    const session = path.join(work, "session")
    fs.mkdirSync(session, { recursive: true })
    const attrs = { partition: "", num_cores: "2", memory_gb: "2", bc_num_hours: "1" }
    render(path.join(app, "template/before.sh.erb"), attrs, path.join(session, "before.sh"))
    render(path.join(app, "template/script.sh.erb"), attrs, path.join(session, "script.sh"))
    fs.chmodSync(path.join(session, "script.sh"), 0o755)
    // What OnDemand's basic template does around them (its helpers, simplified to bash builtins).
    const wrapper = path.join(session, "job_script_content.sh")
    fs.writeFileSync(
      wrapper,
      [
        "#!/bin/bash",
        `cd ${JSON.stringify(session)}`,
        "port_used() { (exec 3<>\"/dev/tcp/$1/$2\") 2>/dev/null; }",
        "find_port() { local p; while :; do p=$((2000 + RANDOM % 63000)); if ! port_used \"$1\" \"$p\"; then echo \"$p\"; return; fi; done; }",
        "create_passwd() { tr -cd 'a-zA-Z0-9' </dev/urandom 2>/dev/null | head -c\"${1:-8}\"; }",
        "host=$(hostname)",
        "export host port",
        "source ./before.sh",
        'printf "host: %s\\nport: %s\\napi_key: %s\\n" "$host" "$port" "$api_key" >connection.yml.new && mv connection.yml.new connection.yml',
        "./script.sh",
        "",
      ].join("\n"),
    )
    const jobId = c.sbatch(["--time=00:05:00", "--mem=1G", `--output=${path.join(session, "output.log")}`, wrapper], { cwd: session, env: { HOME: work, USER: "root" } })
    try {
      const conn = await waitFor(path.join(session, "connection.yml"), (t) => t.includes("api_key:"), jobId)
      const host = /^host: (.*)$/m.exec(conn)?.[1] ?? ""
      const port = /^port: (\d+)$/m.exec(conn)?.[1] ?? ""
      const key = /^api_key: (.*)$/m.exec(conn)?.[1] ?? ""
      expect(key).toMatch(/^[A-Za-z0-9]{32}$/)
      expect(fs.statSync(path.join(session, "api_key")).mode & 0o777).toBe(0o600)
      await checkServer(`${host}:${port}`, key)
      expect(fs.readFileSync(path.join(session, "output.log"), "utf8")).toContain(`periogt-ood: serving on ${host}:${port}; X-Api-Key required`)
    } finally {
      cancel(jobId)
    }
  }, 300_000)

  test("a script that asks for a GPU goes to a CPU partition with --gres=none on the command line (the README's advice)", async () => {
    const c = cluster as SlurmCluster
    const jobs = path.join(work, "jobs-gres")
    genCli("slurm", jobs, [`base_dir=${path.join(work, "base")}`, `bin=${demoBin()}`, "gres=gpu:1", "cpus=1", "mem=256M", "time=00:05:00"])
    expect(() => c.sbatch([path.join(jobs, "predict.sbatch")], { cwd: work, env: { HOME: work, SMILES: "*CC*", PROPERTY: "eps" } })).toThrow("gres")
    // The failing nvidia-smi stand-in first on the job's PATH: a GPU of the test machine never counts.
    const smi = path.resolve(import.meta.dir, "../fixtures/nvidia-smi")
    const id = c.sbatch(["--gres=none", path.join(jobs, "predict.sbatch")], { cwd: work, env: { HOME: work, USER: "root", SMILES: "*CC*", PROPERTY: "eps", PATH: `${smi}:${c.env["PATH"] ?? "/usr/bin:/bin"}`, FAKE_SMI_CASE: "failing" } })
    const [o] = await c.waitFinal(id)
    // It ran (on the CPU: no GPU here), as far as the missing checkpoints: exit 2 from periogt, not from sbatch.
    expect(o?.exitCode).toBe("2:0")
    const log = fs.readFileSync(o?.stdoutPath ?? "", "utf8")
    expect(log).toContain("no GPU visible to this job (nvidia-smi -L): device cpu")
  }, 300_000)

  test("server.sbatch, from a copied job folder: loopback, a free port, the generated key: 200 with it, 401 without", async () => {
    const c = cluster as SlurmCluster
    const jobs = path.join(work, "jobs")
    genCli("slurm", jobs, [`base_dir=${path.join(work, "base")}`, `results_dir=${path.join(work, "results-original")}`, `bin=${demoBin()}`, "cpus=1", "mem=1G", "time=00:05:00"])
    const copy = path.join(work, "jobs-copy")
    fs.cpSync(jobs, copy, { recursive: true })
    const copyResults = path.join(work, "results-copy")
    const env = fs.readFileSync(path.join(copy, "setup_env.sh"), "utf8")
    fs.writeFileSync(path.join(copy, "setup_env.sh"), env.replace(/^export PERIOGT_RESULTS_DIR=.*$/m, `export PERIOGT_RESULTS_DIR="\${PERIOGT_RESULTS_DIR:-${copyResults}}"`))
    const submit = path.join(work, "submit-server")
    fs.mkdirSync(submit, { recursive: true })
    const jobId = c.sbatch([path.join(copy, "server.sbatch")], { cwd: submit, env: { HOME: work, USER: "root" } })
    try {
      const connFile = path.join(copyResults, `server-${jobId}`, "connection.txt")
      const conn = await waitFor(connFile, (t) => t.includes("api_key="), jobId)
      const host = /^host=(.*)$/m.exec(conn)?.[1] ?? ""
      const port = /^port=(\d+)$/m.exec(conn)?.[1] ?? ""
      expect(host).toBe("127.0.0.1")
      const keyFile = path.join(copyResults, `server-${jobId}`, "api_key")
      expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600)
      await checkServer(`127.0.0.1:${port}`, fs.readFileSync(keyFile, "utf8").trim())
      const log = fs.readFileSync(path.join(submit, `periogt-server-${jobId}.out`), "utf8")
      expect(log).toContain(`periogt-job: settings from ${copy}/setup_env.sh (the folder of the submitted script)`)
      expect(log).toContain(`tunnel from your machine: ssh -N -L ${port}:127.0.0.1:${port} -J root@<login-node> root@`)
      expect(fs.existsSync(path.join(work, "results-original"))).toBe(false)
    } finally {
      cancel(jobId)
    }
  }, 300_000)
})
