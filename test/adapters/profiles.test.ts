import { describe, expect, test } from "bun:test"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Result } from "effect"
import type { Adapter } from "../../core/deploy/Adapter.ts"
import { generate } from "../../core/deploy/generate.ts"
import { loadProfile, BUILTIN_PROFILES, purgedFilesystemOf } from "../../core/deploy/profiles/index.ts"
import { AdapterRegistry, registry } from "../../core/deploy/registry.ts"
import { parseSets } from "../../core/deploy/sets.ts"
import { fixedConfig } from "./cases.ts"

const ok = <A, E>(r: Result.Result<A, E>): A => {
  if (Result.isFailure(r)) throw r.failure
  return r.success
}
const err = <A, E extends { message: string; code?: string }>(r: Result.Result<A, E>): E => {
  if (Result.isSuccess(r)) throw new Error("expected a failure")
  return r.failure
}

const gen = (target: string, cluster: string, sets: ReadonlyArray<string> = [], env: Record<string, string> = {}) =>
  generate({ target, cluster, sets, outDir: "/out", config: fixedConfig(env), env, cwd: "/home/user", version: "0.0.0-test", selfBinary: "/bin/periogt" })

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "periogt-profiles-"))

describe("built-in cluster profiles", () => {
  test("cades: batch_cnms CPU-only 128 cores / 512G, gpu_acmhs 8x H100 (negotiated), MAT269 a placeholder to confirm", () => {
    const p = ok(loadProfile("cades", {}))
    const cpu = p.partitions.find((x) => x.name === "batch_cnms")
    expect(cpu).toMatchObject({ max_gpus_per_job: 0, cpus_per_node: 128, mem_per_node: "512G" })
    expect(p.partitions.find((x) => x.name === "gpu_acmhs")).toMatchObject({ max_gpus_per_job: 8, gpu_kind: "H100", gres_assumed: true })
    expect(p.account).toBe("MAT269")
    expect(p.accountNote).toContain("placeholder")
    expect(p.apptainerVersion).toBe("1.2.5")
    expect(p.loginHost).toBe("baseline.ccs.ornl.gov")
    expect(p.defaultPartition).toBe("batch_cnms")
  })

  test("explorer: gpu 1 GPU 8h, multigpu gated 24h, gpu-interactive interactive only; /scratch purged, /projects persistent", () => {
    const p = ok(loadProfile("explorer", {}))
    expect(p.partitions.find((x) => x.name === "gpu")).toMatchObject({ max_gpus_per_job: 1, max_time: "08:00:00", gres: "gpu:h200:1", gres_assumed: true, gpu_kind: "H200" })
    expect(p.partitions.find((x) => x.name === "multigpu")).toMatchObject({ max_gpus_per_job: 8, max_time: "24:00:00" })
    expect(p.partitions.find((x) => x.name === "multigpu")?.access).toContain("approval")
    expect(p.partitions.find((x) => x.name === "gpu-interactive")?.interactive_only).toBe(true)
    expect(p.filesystems.find((f) => f.path === "/scratch")?.purged).toBe(true)
    expect(p.filesystems.find((f) => f.path === "/projects")?.purged).toBe(false)
    expect(p.account).toBeUndefined()
  })

  test("no built-in profile puts checkpoints on a purged filesystem", () => {
    for (const name of Object.keys(BUILTIN_PROFILES)) {
      const p = ok(loadProfile(name, {}))
      const plan = ok(gen("slurm", name)).plan
      expect({ name, purged: purgedFilesystemOf(p, plan.checkpointDir.value)?.path }).toEqual({ name, purged: undefined })
    }
  })

  test("unknown names are refused with the list of built-ins", () => {
    const e = err(loadProfile("frontier", {}))
    expect(e.code).toBe("validation_error")
    expect(e.action).toContain("cades, cades-gpu, explorer, generic")
  })
})

describe("user profiles (TOML or JSON, Schema-validated, ${VAR} expanded)", () => {
  const toml = (name: string, text: string) => {
    const f = path.join(tmp, name)
    fs.writeFileSync(f, text)
    return f
  }
  const good = `
name = "mycluster"
title = "My cluster"
scheduler = "pbs"
account = "\${LAB_ACCOUNT}"
default_partition = "gpuq"
gpu_kind = "A100"
[paths]
base_dir = "\${LAB_ROOT:-/data/lab}/periogt"
results_dir = "/scratch/$USER/periogt"
[[partitions]]
name = "gpuq"
max_gpus_per_job = 4
gres = "gpu:a100:1"
max_time = "12:00:00"
[[filesystems]]
path = "/scratch"
kind = "scratch"
purged = true
`

  test("a TOML profile loads, with ${VAR} and ${VAR:-fallback} expanded and $USER left to the job", () => {
    const p = ok(loadProfile(toml("ok.toml", good), { LAB_ACCOUNT: "lab42" }))
    expect(p.account).toBe("lab42")
    expect(p.paths.baseDir).toBe("/data/lab/periogt")
    expect(p.paths.resultsDir).toBe("/scratch/$USER/periogt")
    expect(p.scheduler).toBe("pbs")
    const g = ok(gen("pbs", path.join(tmp, "ok.toml"), [], { LAB_ACCOUNT: "lab42" }))
    const script = g.files.find((f) => f.path === "batch.pbs")?.content ?? ""
    expect(script).toContain("#PBS -A lab42\n")
    expect(script).toContain("#PBS -q gpuq\n")
    expect(script).toContain("#PBS -l nodes=1:ppn=8:gpus=1\n")
    expect(err(gen("slurm", path.join(tmp, "ok.toml"), [], { LAB_ACCOUNT: "x" })).message).toContain("runs PBS")
  })

  test("an unset ${VAR} without fallback is an error naming it", () => {
    const e = err(loadProfile(path.join(tmp, "ok.toml"), {}))
    expect(e.message).toContain("${LAB_ACCOUNT}")
  })

  test("the example profile in adapters/README.md loads", () => {
    const readme = fs.readFileSync(path.resolve(import.meta.dir, "../../adapters/README.md"), "utf8")
    const example = /```toml\n([\s\S]*?)```/.exec(readme)?.[1] ?? ""
    const p = ok(loadProfile(toml("readme.toml", example), { LAB_ACCOUNT: "lab1" }))
    expect(p.paths.baseDir).toBe("/projects/mylab/periogt")
    expect(p.jobs.batch).toEqual({ time: "04:00:00", cpus: 16, mem: "64G" })
    expect(ok(gen("slurm", path.join(tmp, "readme.toml"), [], { LAB_ACCOUNT: "lab1" })).plan.gres?.value).toBe("gpu:a100:1")
  })

  test("a JSON profile loads", () => {
    const f = path.join(tmp, "c.json")
    fs.writeFileSync(f, JSON.stringify({ name: "j", title: "J", paths: { base_dir: "/p/periogt" } }))
    expect(ok(loadProfile(f, {})).paths.baseDir).toBe("/p/periogt")
  })

  test("schema errors, unknown keys, bad references and checkpoints on a purged filesystem are refused", () => {
    expect(err(loadProfile(toml("bad1.toml", 'name = "x"\ntitle = "X"\nqueues = 3\n'), {})).message).toContain("does not match the profile schema")
    expect(err(loadProfile(toml("bad2.toml", 'name = "x"\ntitle = "X"\n[paths]\nbase_dir = "relative/dir"\n'), {})).message).toContain("base_dir")
    expect(err(loadProfile(toml("bad3.toml", 'name = "x"\ntitle = "X"\ndefault_partition = "nope"\n'), {})).message).toContain("not among its partitions")
    const purged = 'name = "x"\ntitle = "X"\n[paths]\ncheckpoint_dir = "/scratch/me/ckpt"\n[[filesystems]]\npath = "/scratch"\nkind = "scratch"\npurged = true\n'
    const e = err(loadProfile(toml("bad4.toml", purged), {}))
    expect(e.message).toContain("purged")
    expect(err(loadProfile(path.join(tmp, "absent.toml"), {})).message).toContain("cannot be read")
  })
})

describe("the plan: one resolved configuration + profile + --set; adapters only format", () => {
  test("precedence: --set > configuration given by the user > profile > configuration default", () => {
    expect(ok(gen("slurm", "explorer")).plan.checkpointDir).toMatchObject({ value: "/projects/<group>/periogt/checkpoints" })
    const fromEnv = ok(gen("slurm", "explorer", [], { PERIOGT_BASE_DIR: "/projects/lab/periogt" })).plan
    expect(fromEnv.baseDir.value).toBe("/projects/lab/periogt")
    expect(fromEnv.checkpointDir.value).toBe("/projects/lab/periogt/checkpoints")
    expect(fromEnv.resultsDir.value).toBe("/projects/lab/periogt/results")
    const fromSet = ok(gen("slurm", "explorer", ["checkpoint_dir=/projects/x/ck"], { PERIOGT_CHECKPOINT_DIR: "/projects/y/ck" })).plan
    expect(fromSet.checkpointDir).toEqual({ value: "/projects/x/ck", from: "--set checkpoint_dir" })
    const generic = ok(gen("slurm", "generic")).plan
    // Never the generating user's home: $HOME is expanded on the node, for whoever runs the job.
    expect(generic.baseDir.value).toBe("$HOME/periogt")
    expect(generic.checkpointDir.value).toBe("$HOME/periogt/checkpoints")
    expect(generic.partition).toBeUndefined()
    expect(generic.gres).toBeUndefined()
  })

  test("the device follows the partition unless the user set it", () => {
    expect(ok(gen("slurm", "cades")).plan.device.value).toBe("cpu")
    expect(ok(gen("slurm", "cades", ["partition=gpu_acmhs"])).plan.device.value).toBe("cuda")
    expect(ok(gen("slurm", "explorer")).plan.device.value).toBe("cuda")
    expect(ok(gen("slurm", "explorer", [], { PERIOGT_DEVICE: "auto" })).plan.device.value).toBe("auto")
    expect(err(gen("slurm", "cades", ["device=cuda"])).message).toContain("has no GPUs")
  })

  test("gpu_type and gres override the profile's gres", () => {
    expect(ok(gen("slurm", "explorer", ["gpu_type=a100"])).plan.gres?.value).toBe("gpu:a100:1")
    expect(ok(gen("slurm", "explorer", ["gres=gpu:v100:1"])).plan.gres?.value).toBe("gpu:v100:1")
    expect(ok(gen("modal", "explorer", ["modal.gpu=A100"])).plan.modal.gpu.value).toBe("A100")
  })

  test("partition limits are enforced", () => {
    expect(err(gen("slurm", "explorer", ["time=09:00:00"])).message).toContain("exceeds partition gpu's limit 08:00:00")
    // multigpu is for jobs of 2+ GPUs: refused for periogt's 1-GPU jobs, and never suggested.
    expect(err(gen("slurm", "explorer", ["partition=multigpu", "time=20:00:00"])).message).toContain("takes jobs of 2 or more GPUs")
    expect(ok(gen("slurm", "explorer")).files.map((f) => f.content).join("\n")).not.toContain("--partition=multigpu")
    expect(err(gen("slurm", "explorer", ["partition=gpu-interactive"])).message).toContain("interactive sessions only")
    expect(err(gen("slurm", "cades", ["cpus=256"])).message).toContain("128 per node")
  })

  test("a user checkpoint directory on a purged filesystem is generated with a warning in the README", () => {
    const g = ok(gen("slurm", "explorer", ["checkpoint_dir=/scratch/me/ck"]))
    expect(g.plan.warnings.join()).toContain("lies on /scratch, which is purged")
    expect(g.files.find((f) => f.path === "README.md")?.content).toContain("**Warning:** checkpoint directory /scratch/me/ck")
  })

  test("--set is checked", () => {
    expect(err(parseSets(["colour=blue"], "/")).message).toContain("unknown key")
    expect(err(parseSets(["time=2h"], "/")).message).toContain("HH:MM:SS")
    expect(err(parseSets(["account=a", "account=b"], "/")).message).toContain("twice")
    expect(err(parseSets(["novalue"], "/")).message).toContain("key=value")
    expect(ok(parseSets(["bin=rel/periogt"], "/work"))).toEqual({ bin: "/work/rel/periogt" })
  })

  test("pbs refuses a Slurm cluster", () => {
    expect(err(gen("pbs", "explorer")).message).toContain("runs Slurm, not PBS")
  })
})

describe("profile fields and limits (issue 20)", () => {
  test("memory over the partition's limit is refused, naming what to change", () => {
    const e = err(gen("slurm", "cades", ["mem=900G"]))
    expect(e.message).toContain("asks for 900G of memory (--set mem); partition batch_cnms has 512G per node")
    expect(e.action).toBe("use --set mem=512G or less")
    expect(ok(gen("slurm", "cades", ["mem=512G"])).plan.jobs.batch.mem.value).toBe("512G")
    expect(err(gen("slurm", "cades", ["server.mem=1T"])).action).toBe("use --set server.mem=512G or less")
  })

  test("a too-long time names the key it came from, not predict.time", () => {
    expect(err(gen("slurm", "explorer", ["time=09:00:00"])).action).toBe("use --set time=08:00:00 or less")
    expect(err(gen("slurm", "explorer", ["batch.time=09:00:00"])).action).toBe("use --set batch.time=08:00:00 or less")
  })

  test("a profile file's job memory over its partition is refused with the file and line to edit", () => {
    const f = path.join(tmp, "bigmem.toml")
    fs.writeFileSync(f, ['name = "bigmem"', 'title = "Big memory"', 'default_partition = "cpu"', "[[partitions]]", 'name = "cpu"', "max_gpus_per_job = 0", 'mem_per_node = "256G"', "[jobs.batch]", 'time = "01:00:00"', "cpus = 8", 'mem = "300G"', ""].join("\n"))
    const e = err(gen("slurm", f))
    expect(e.message).toContain("the batch job asks for 300G of memory, beyond partition cpu's 256G per node")
    expect(e.action).toBe(`edit jobs.batch.mem in ${f} line 11: 256G or less`)
  })

  test("qos, constraint, reservation and mail reach the directives (Slurm and PBS)", () => {
    const sets = ["qos=long", "constraint=h100|a100", "reservation=lab_res", "mail_type=END,FAIL", "mail_user=me@example.edu"]
    const slurm = ok(gen("slurm", "explorer", sets)).files.find((f) => f.path === "batch.sbatch")?.content ?? ""
    for (const d of ["#SBATCH --qos=long\n", "#SBATCH --constraint=h100|a100\n", "#SBATCH --reservation=lab_res\n", "#SBATCH --mail-type=END,FAIL\n", "#SBATCH --mail-user=me@example.edu\n"]) expect(slurm).toContain(d)
    const pbs = ok(gen("pbs", "generic", sets)).files.find((f) => f.path === "batch.pbs")?.content ?? ""
    for (const d of ["#PBS -l qos=long\n", "#PBS -m ae\n", "#PBS -M me@example.edu\n"]) expect(pbs).toContain(d)
    const f = path.join(tmp, "mail.toml")
    fs.writeFileSync(f, ['name = "mail"', 'title = "Mail"', 'scheduler = "slurm"', 'qos = "normal"', 'mail_type = "FAIL"', ""].join("\n"))
    const fromProfile = ok(gen("slurm", f)).plan
    expect(fromProfile.qos).toEqual({ value: "normal", from: "cluster profile mail (qos)" })
    expect(fromProfile.mailType?.value).toBe("FAIL")
  })

  test("the account's next step points at the #SBATCH --account lines of the job scripts", () => {
    const g = ok(gen("slurm", "explorer", ["account=<lab-account>"]))
    const steps = g.adapter.nextSteps({ plan: g.plan }).join("\n")
    expect(steps).toMatch(/edit the account \(<lab-account>\) on the #SBATCH --account line of each job script: \/out\/predict\.sbatch line \d+/)
    expect(steps).not.toContain("account (<lab-account>) in /out/setup_env.sh")
  })

  test("OnDemand next steps name the file and line of each placeholder", () => {
    const g = ok(gen("ood", "explorer", ["account=<lab>"]))
    const steps = g.adapter.nextSteps({ plan: g.plan }).join("\n")
    const form = g.files.find((f) => f.path === "form.yml")?.content.split("\n") ?? []
    const script = g.files.find((f) => f.path === "template/script.sh.erb")?.content.split("\n") ?? []
    expect(form[form.findIndex((l) => l === "  bc_account:") + 2]).toBe('    value: "<lab>"')
    expect(steps).toContain(`edit the account (<lab>) in /out/form.yml line ${form.findIndex((l) => l === "  bc_account:") + 3}`)
    expect(steps).toContain(`edit base_dir (/projects/<group>/periogt) in /out/template/script.sh.erb line ${script.findIndex((l) => l.startsWith("export PERIOGT_BASE_DIR=")) + 1}`)
  })

  test("--set time/cpus/mem size every job: the message says so", () => {
    expect(err(gen("slurm", "cades", ["mem=900G"])).message).toStartWith("every job asks for 900G of memory (--set mem)")
    expect(err(gen("slurm", "cades", ["batch.mem=900G"])).message).toStartWith("the batch job asks for 900G of memory (--set batch.mem)")
    expect(err(gen("slurm", "explorer", ["time=09:00:00"])).message).toStartWith("every job's time 09:00:00 (--set time) exceeds")
  })

  test("the generic profile writes no home directory of the generating user", () => {
    for (const target of ["slurm", "pbs", "apptainer", "conda"]) {
      const text = ok(gen(target, "generic")).files.map((f) => f.content).join("\n")
      expect({ target, home: text.includes("/home/user") }).toEqual({ target, home: false })
    }
  })

  test("cades-gpu: gpu_acmhs and the GPU image beside the CPU one", () => {
    const p = ok(gen("slurm", "cades-gpu")).plan
    expect(p.partition?.value).toBe("gpu_acmhs")
    expect(p.containerGpu.value).toBe("/gpfs/wolf2/olcf/mat269/proj-shared/periogt/periogt-gpu.sif")
    const cades = ok(gen("slurm", "cades")).plan
    expect(cades.container.value).toBe("/gpfs/wolf2/olcf/mat269/proj-shared/periogt/periogt.sif")
    expect(cades.containerGpu.value).toBe(p.containerGpu.value)
    expect(ok(gen("apptainer", "cades-gpu")).plan.imageOutput.value).toBe(p.containerGpu.value)
    expect(ok(gen("apptainer", "cades", ["flavor=gpu"])).plan.imageOutput.value).toBe(p.containerGpu.value)
    expect(ok(gen("apptainer", "cades")).plan.imageOutput.value).toBe(cades.container.value)
  })

  test("Modal: L4 by default whatever the cluster, key auth on by default", () => {
    for (const c of ["cades", "explorer", "generic"]) {
      const p = ok(gen("modal", c)).plan
      expect(p.modal.gpu.value).toBe("L4")
      expect(p.modal.auth.value).toBe("key")
    }
  })
})

describe("registry", () => {
  test("holds the six targets; an unknown one is refused with the list", () => {
    expect(registry.names()).toEqual(["slurm", "pbs", "apptainer", "conda", "modal", "ood"])
    const e = err(registry.get("kubernetes"))
    expect(e.action).toContain("slurm, pbs, apptainer, conda, modal, ood")
  })

  test("a name registered twice is a programming error", () => {
    const a: Adapter = { name: "x", description: "", files: () => Result.succeed([]), nextSteps: () => [] }
    expect(() => new AdapterRegistry().register(a).register(a)).toThrow("registered twice")
  })

  test("adapters never import one another", () => {
    const dir = path.resolve(import.meta.dir, "../../adapters")
    const names = fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)
    for (const n of names) {
      const text = fs.readFileSync(path.join(dir, n, "index.ts"), "utf8")
      for (const other of names.filter((x) => x !== n)) expect({ adapter: n, imports: text.includes(`../${other}/`) }).toEqual({ adapter: n, imports: false })
    }
  })
})
