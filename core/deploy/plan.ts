import * as path from "node:path"
import { Result } from "effect"
import type { Device, PeriogtConfig, Resolved } from "../config/index.ts"
import { describeSource } from "../config/index.ts"
import { ValidationError } from "../errors/index.ts"
import { JOB_KINDS, memMiB, profileFieldLocation, purgedFilesystemOf, timeSeconds, type ClusterProfile, type Filesystem, type JobKind, type Partition } from "./profiles/index.ts"
import type { SetKey, SetValues } from "./sets.ts"

/**
 * The deployment plan: every value any adapter writes, decided here and only here, from the resolved
 * configuration, the cluster profile and `--set`. Each value keeps where it came from. Adapters format
 * a plan; they never compute a value of their own.
 *
 * Precedence for the paths and the device: `--set` > configuration given by the user (flag, env, file)
 * > cluster profile > configuration default.
 */
export interface Valued<T> {
  readonly value: T
  readonly from: string
}

export interface JobPlan {
  readonly time: Valued<string>
  readonly cpus: Valued<number>
  readonly mem: Valued<string>
}

/** Values no profile or configuration holds; each overridable with `--set`. */
export const DEPLOY_DEFAULTS = {
  imageGpu: "nvidia/cuda:12.6.3-cudnn-runtime-ubuntu22.04",
  imageCpu: "debian:bookworm-slim",
  containerName: "periogt.sif",
  /** The GPU image beside a CPU one, on clusters whose default jobs run on the CPU (CADES). */
  containerGpuName: "periogt-gpu.sif",
  /**
   * The base directory when neither the configuration nor the profile names one: written as is, so
   * `$HOME` is the home of whoever runs the job, never that of whoever generated the files.
   */
  baseDir: "$HOME/periogt",
  condaEnv: "periogt",
  modalApp: "periogt",
  modalVolume: "periogt-checkpoints",
  /** Where the Modal Volume is mounted; PERIOGT_CHECKPOINT_DIR inside the Modal container. */
  modalCheckpointDir: "/vol/checkpoints",
  /** Modal's GPU when none is given: the cheapest that runs periogt comfortably (24 GB, sm_89). */
  modalGpu: "L4",
  /** The Modal Secret that holds PERIOGT_API_KEY. */
  modalSecret: "periogt-api-key",
  /** CPU cores and memory (MiB) of the Modal `setup` function: conversion holds two checkpoints at once. */
  modalSetupCpu: 4,
  modalSetupMemoryMiB: 16384,
  ortCudaPlaceholder: "<ort-cuda-dir>",
} as const

export interface PlanInputs {
  readonly target: string
  /** `--cluster` as the user wrote it (for the header line). */
  readonly clusterArg: string
  readonly config: PeriogtConfig
  readonly profile: ClusterProfile
  readonly sets: SetValues
  /** `--set` items in the order given, for the header line. */
  readonly setItems: ReadonlyArray<string>
  /** Absolute output directory: scripts refer to their siblings through it. */
  readonly outDir: string
  /** periogt's version, written into headers and labels. */
  readonly version: string
  /** The executable baked into images / installed by Conda unless `--set binary=`: normally this one. */
  readonly selfBinary: string
}

export interface DeployPlan {
  readonly target: string
  readonly version: string
  readonly command: string
  readonly profile: ClusterProfile
  readonly outDir: string
  readonly baseDir: Valued<string>
  readonly checkpointDir: Valued<string>
  readonly resultsDir: Valued<string>
  /** Only when given (configuration or --set): otherwise periogt's own default applies on the node. */
  readonly cacheDir: Valued<string> | undefined
  readonly container: Valued<string>
  /** The image the jobs run when a GPU is visible to them (the same as `container` when that is a GPU image). */
  readonly containerGpu: Valued<string>
  /** Where `periogt gen apptainer` writes its image: `containerGpu` for a GPU build, else `container`. */
  readonly imageOutput: Valued<string>
  /**
   * PERIOGT_DEVICE written into the jobs' environment: empty when the job decides when it runs (a GPU
   * visible to it: --nv and cuda; none: cpu); a value only when given (--set device, configuration).
   */
  readonly jobDevice: Valued<string>
  /** Empty: jobs run the container; a path: jobs run this executable directly. */
  readonly bin: Valued<string>
  readonly device: Valued<Device>
  readonly host: Valued<string>
  readonly port: Valued<number>
  readonly account: Valued<string> | undefined
  readonly qos: Valued<string> | undefined
  readonly constraint: Valued<string> | undefined
  readonly reservation: Valued<string> | undefined
  readonly mailType: Valued<string> | undefined
  readonly mailUser: Valued<string> | undefined
  readonly partition: Valued<string> | undefined
  /** The profile's facts about the chosen partition, when it knows it. */
  readonly partitionFacts: Partition | undefined
  readonly gres: Valued<string> | undefined
  /** The jobs request a GPU (and run the container with --nv). */
  readonly gpu: boolean
  readonly gpuKind: Valued<string> | undefined
  readonly jobs: Readonly<Record<JobKind, JobPlan>>
  readonly modules: Valued<ReadonlyArray<string>>
  readonly apptainerModules: Valued<ReadonlyArray<string>>
  readonly loginHost: Valued<string> | undefined
  readonly flavor: Valued<"gpu" | "cpu">
  readonly binary: Valued<string>
  readonly ortCudaDir: Valued<string>
  readonly image: Valued<string>
  readonly condaEnv: Valued<string>
  readonly modal: {
    readonly app: Valued<string>
    readonly volume: Valued<string>
    readonly gpu: Valued<string>
    /** key: periogt's X-Api-Key from the Modal Secret; proxy: Modal's proxy auth tokens; both. */
    readonly auth: Valued<"key" | "proxy" | "both">
    /** The Modal Secret providing PERIOGT_API_KEY (key and both). */
    readonly secret: Valued<string>
    readonly setupCpu: number
    readonly setupMemoryMiB: number
    readonly checkpointDir: string
    readonly device: Valued<Device>
    /** Modal runs on a GPU unless `--set flavor=cpu`; independent of the cluster's partition. */
    readonly flavor: Valued<"gpu" | "cpu">
    readonly image: Valued<string>
  }
  readonly ood: {
    /** The Open OnDemand cluster id the app submits to. */
    readonly cluster: Valued<string>
    /** Partitions offered in the form: every one a 1-GPU or CPU job may use (interactive ones included: OnDemand sessions are interactive). */
    readonly partitions: ReadonlyArray<Partition>
  }
  /** Purged filesystems of the cluster: the scripts warn when a checkpoint directory lies on one. */
  readonly purged: ReadonlyArray<Filesystem>
  /** Values that still hold a `<placeholder>` the user must edit. */
  readonly placeholders: ReadonlyArray<{ readonly name: string; readonly value: string }>
  readonly warnings: ReadonlyArray<string>
}

const fromSet = (key: SetKey) => `--set ${key}`
const fromProfile = (p: ClusterProfile, what: string) => `cluster profile ${p.name} (${what})`
const fromConfig = <T>(r: Resolved<T>) => `configuration: ${describeSource(r.source)}`
const given = (r: Resolved<unknown>) => r.source.kind !== "default"

const invalid = (message: string, action: string, details: Record<string, unknown> = {}) => Result.fail(new ValidationError({ message, action, details }))

const PLACEHOLDER = /<[^<>]+>/

export const makePlan = (i: PlanInputs): Result.Result<DeployPlan, ValidationError> => {
  const { config: c, profile: p, sets: s } = i
  const v = <T>(value: T, from: string): Valued<T> => ({ value, from })

  // Paths: a user-given base directory carries the directories derived from it.
  const userBase = s.base_dir !== undefined ? v(s.base_dir, fromSet("base_dir")) : given(c.baseDir) ? v(c.baseDir.value, fromConfig(c.baseDir)) : undefined
  const baseDir =
    userBase ?? (p.paths.baseDir !== undefined ? v(p.paths.baseDir, fromProfile(p, "paths.base_dir")) : v(DEPLOY_DEFAULTS.baseDir, "default: $HOME/periogt of the user who runs the job"))
  const underBase = (key: "checkpoint_dir" | "results_dir", r: Resolved<string>, profileValue: string | undefined, leaf: string): Valued<string> => {
    const set = s[key]
    if (set !== undefined) return v(set, fromSet(key))
    if (given(r)) return v(r.value, fromConfig(r))
    if (userBase !== undefined) return v(path.posix.join(userBase.value, leaf), `<base_dir>/${leaf}`)
    if (profileValue !== undefined) return v(profileValue, fromProfile(p, `paths.${key}`))
    return v(path.posix.join(baseDir.value, leaf), `<base_dir>/${leaf}`)
  }
  const checkpointDir = underBase("checkpoint_dir", c.checkpointDir, p.paths.checkpointDir, "checkpoints")
  const resultsDir = underBase("results_dir", c.resultsDir, p.paths.resultsDir, "results")
  const cacheDir = s.cache_dir !== undefined ? v(s.cache_dir, fromSet("cache_dir")) : given(c.cacheDir) ? v(c.cacheDir.value, fromConfig(c.cacheDir)) : undefined
  const container =
    s.container !== undefined
      ? v(s.container, fromSet("container"))
      : p.paths.container !== undefined
        ? v(p.paths.container, fromProfile(p, "paths.container"))
        : v(path.posix.join(baseDir.value, DEPLOY_DEFAULTS.containerName), `<base_dir>/${DEPLOY_DEFAULTS.containerName}`)
  const bin = s.bin !== undefined ? v(s.bin, fromSet("bin")) : v("", "default: run the container")

  // Partition, GPU request, device.
  const partitionName = s.partition !== undefined ? v(s.partition, fromSet("partition")) : p.defaultPartition !== undefined ? v(p.defaultPartition, fromProfile(p, "default_partition")) : undefined
  const partitionFacts = partitionName === undefined ? undefined : p.partitions.find((x) => x.name === partitionName.value)
  const warnings: string[] = []
  if (partitionName !== undefined && partitionFacts === undefined && p.partitions.length > 0) {
    warnings.push(`partition ${partitionName.value} is not in cluster profile ${p.name} (${p.partitions.map((x) => x.name).join(", ")}): its limits are not checked`)
  }
  if (partitionFacts?.interactive_only === true) {
    return invalid(`partition ${partitionFacts.name} is for interactive sessions only`, `choose a batch partition: ${p.partitions.filter((x) => x.interactive_only !== true).map((x) => x.name).join(", ")}`, { partition: partitionFacts.name })
  }
  if (partitionFacts?.min_gpus_per_job !== undefined && partitionFacts.min_gpus_per_job > 1) {
    return invalid(
      `partition ${partitionFacts.name} takes jobs of ${partitionFacts.min_gpus_per_job} or more GPUs (cluster profile ${p.name}); periogt uses one GPU`,
      `choose a partition for 1-GPU jobs: ${p.partitions.filter((x) => x.max_gpus_per_job > 0 && (x.min_gpus_per_job ?? 0) <= 1 && x.interactive_only !== true).map((x) => x.name).join(", ") || "none in this profile"} (--set partition=NAME)`,
      { partition: partitionFacts.name },
    )
  }
  if (partitionFacts?.access !== undefined) warnings.push(`partition ${partitionFacts.name}: ${partitionFacts.access}`)

  const explicitDevice = s.device !== undefined ? v(s.device as Device, fromSet("device")) : given(c.device) ? v(c.device.value, fromConfig(c.device)) : undefined
  const partitionHasGpu = partitionFacts !== undefined && partitionFacts.max_gpus_per_job > 0
  const gpuType = s.gpu_type
  let gres: Valued<string> | undefined
  if (s.gres !== undefined) gres = v(s.gres, fromSet("gres"))
  else if (gpuType !== undefined) gres = v(`gpu:${gpuType}:1`, fromSet("gpu_type"))
  else if (partitionFacts?.gres !== undefined) gres = v(partitionFacts.gres, fromProfile(p, `partition ${partitionFacts.name}${partitionFacts.gres_assumed === true ? ", assumed gres name" : ""}`))
  else if (partitionHasGpu || explicitDevice?.value === "cuda") gres = v("gpu:1", "one GPU: the generic gres request")
  if (partitionFacts !== undefined && partitionFacts.max_gpus_per_job === 0 && gres !== undefined) {
    return invalid(
      `partition ${partitionFacts.name} has no GPUs, but ${gres.from} asks for ${gres.value}${explicitDevice?.value === "cuda" ? " (device cuda)" : ""}`,
      `pick a GPU partition (${p.partitions.filter((x) => x.max_gpus_per_job > 0).map((x) => x.name).join(", ") || "none in this profile"}) with --set partition=NAME, or use --set device=cpu`,
      { partition: partitionFacts.name },
    )
  }
  const gpu = gres !== undefined
  const device: Valued<Device> =
    explicitDevice ??
    (partitionFacts !== undefined || gpu
      ? v<Device>(gpu ? "cuda" : "cpu", gpu ? `the jobs request a GPU (${gres?.value})` : `partition ${partitionFacts?.name} has no GPUs`)
      : v(c.device.value, fromConfig(c.device)))
  if (device.value === "cuda" && !gpu) {
    return invalid("device cuda, but the jobs request no GPU", "add --set gres=gpu:1 (or a GPU partition), or use --set device=auto", {})
  }
  const gpuKind =
    gpuType !== undefined
      ? v(gpuType.toUpperCase(), fromSet("gpu_type"))
      : partitionFacts?.gpu_kind !== undefined
        ? v(partitionFacts.gpu_kind, fromProfile(p, `partition ${partitionFacts.name}`))
        : p.gpuKind !== undefined
          ? v(p.gpuKind, fromProfile(p, "gpu_kind"))
          : undefined

  // Job sizes, checked against the partition's limit.
  const jobs = {} as Record<JobKind, JobPlan>
  for (const kind of JOB_KINDS) {
    const pick = <K extends "time" | "cpus" | "mem">(k: K): Valued<string> => {
      const own = s[`${kind}.${k}` as SetKey]
      if (own !== undefined) return v(own, fromSet(`${kind}.${k}` as SetKey))
      const all = s[k]
      if (all !== undefined) return v(all, fromSet(k))
      return v(String(p.jobs[kind][k]), fromProfile(p, `jobs.${kind}.${k}`))
    }
    const cpus = pick("cpus")
    jobs[kind] = { time: pick("time"), cpus: v(Number(cpus.value), cpus.from), mem: pick("mem") }
    // What to change: the --set the value came from, or the profile field (file and line).
    const advice = (k: "time" | "cpus" | "mem", from: string, limit: string) => {
      const set = /^--set (\S+)$/.exec(from)?.[1]
      if (set !== undefined) return `use --set ${set}=${limit} or less`
      return `edit ${profileFieldLocation(p, ["jobs", kind, k])} to ${limit} or less, or use --set ${kind}.${k}=${limit}`
    }
    const facts = partitionFacts
    // `--set time=` (or cpus, mem) sizes every job: say so rather than naming the first job checked.
    const who = (from: string, k: string) => (from === `--set ${k}` ? "every job" : `the ${kind} job`)
    const max = facts?.max_time
    if (facts !== undefined && max !== undefined && timeSeconds(jobs[kind].time.value) > timeSeconds(max)) {
      return invalid(`${who(jobs[kind].time.from, "time") === "every job" ? "every job's" : `the ${kind} job's`} time ${jobs[kind].time.value} (${jobs[kind].time.from}) exceeds partition ${facts.name}'s limit ${max}`, advice("time", jobs[kind].time.from, max), { partition: facts.name, limit: max })
    }
    if (facts?.cpus_per_node !== undefined && jobs[kind].cpus.value > facts.cpus_per_node) {
      return invalid(`${who(jobs[kind].cpus.from, "cpus")} asks for ${jobs[kind].cpus.value} cores (${jobs[kind].cpus.from}); partition ${facts.name} has ${facts.cpus_per_node} per node`, advice("cpus", jobs[kind].cpus.from, String(facts.cpus_per_node)), { partition: facts.name, limit: facts.cpus_per_node })
    }
    if (facts?.mem_per_node !== undefined && memMiB(jobs[kind].mem.value) > memMiB(facts.mem_per_node)) {
      return invalid(`${who(jobs[kind].mem.from, "mem")} asks for ${jobs[kind].mem.value} of memory (${jobs[kind].mem.from}); partition ${facts.name} has ${facts.mem_per_node} per node`, advice("mem", jobs[kind].mem.from, facts.mem_per_node), { partition: facts.name, limit: facts.mem_per_node })
    }
  }

  const list = (key: "modules" | "apptainer_modules", fallback: ReadonlyArray<string>, what: string): Valued<ReadonlyArray<string>> => {
    const raw = s[key]
    if (raw !== undefined) return v(raw.split(",").map((x) => x.trim()).filter((x) => x !== ""), fromSet(key))
    return v(fallback, fromProfile(p, what))
  }

  const account = s.account !== undefined ? v(s.account, fromSet("account")) : p.account !== undefined ? v(p.account, fromProfile(p, "account")) : undefined
  const loginHost = s.login_host !== undefined ? v(s.login_host, fromSet("login_host")) : p.loginHost !== undefined ? v(p.loginHost, fromProfile(p, "login_host")) : undefined
  const flavor: Valued<"gpu" | "cpu"> = s.flavor !== undefined ? v(s.flavor as "gpu" | "cpu", fromSet("flavor")) : device.value === "cpu" ? v("cpu", "device cpu") : v("gpu", `device ${device.value}`)
  const image = s.image !== undefined ? v(s.image, fromSet("image")) : flavor.value === "gpu" ? v(DEPLOY_DEFAULTS.imageGpu, "default GPU base: CUDA 12 runtime with cuDNN 9") : v(DEPLOY_DEFAULTS.imageCpu, "default CPU base: a small glibc distribution")
  const ortCudaDir = s.ort_cuda_dir !== undefined ? v(s.ort_cuda_dir, fromSet("ort_cuda_dir")) : v(DEPLOY_DEFAULTS.ortCudaPlaceholder, "placeholder: give --set ort_cuda_dir=DIR or build.sh --ort-cuda-dir DIR")
  const modalFlavor: Valued<"gpu" | "cpu"> = s.flavor !== undefined ? v(s.flavor as "gpu" | "cpu", fromSet("flavor")) : v("gpu", "default: a Modal function with a GPU")
  // Images: the jobs pick the GPU image when a GPU is visible to them. A cluster whose default image is a
  // CPU one (CADES) keeps its GPU image beside it; elsewhere the one GPU image serves both kinds of node.
  const containerGpu =
    s.container !== undefined || device.value !== "cpu"
      ? v(container.value, s.container !== undefined ? fromSet("container") : `${container.from}; a GPU image, which serves CPU nodes too`)
      : v(path.posix.join(path.posix.dirname(container.value), DEPLOY_DEFAULTS.containerGpuName), `beside the CPU image: its GPU variant (periogt gen apptainer --cluster ${i.clusterArg} --set flavor=gpu)`)
  const imageOutput = flavor.value === "gpu" ? containerGpu : container
  const jobDevice: Valued<string> = explicitDevice !== undefined ? v(explicitDevice.value, explicitDevice.from) : v("", "decided when the job runs: a GPU visible to it (nvidia-smi -L) gives --nv and cuda, none gives cpu")
  const pick = <K extends "qos" | "constraint" | "reservation" | "mail_type" | "mail_user">(key: K, profileValue: string | undefined): Valued<string> | undefined =>
    s[key] !== undefined ? v(s[key] as string, fromSet(key)) : profileValue !== undefined ? v(profileValue, fromProfile(p, key)) : undefined
  const modalDevice: Valued<Device> =
    s.device !== undefined ? v(s.device as Device, fromSet("device")) : given(c.device) ? v(c.device.value, fromConfig(c.device)) : v(modalFlavor.value === "gpu" ? "cuda" : "cpu", `flavor ${modalFlavor.value}`)
  const modalImage = s.image !== undefined ? v(s.image, fromSet("image")) : modalFlavor.value === "gpu" ? v(DEPLOY_DEFAULTS.imageGpu, "default GPU base: CUDA 12 runtime with cuDNN 9") : v("debian_slim", "Modal's debian_slim")

  const purged = p.filesystems.filter((f) => f.purged)
  const onPurged = purgedFilesystemOf(p, checkpointDir.value)
  if (onPurged !== undefined) {
    warnings.push(`checkpoint directory ${checkpointDir.value} (${checkpointDir.from}) lies on ${onPurged.path}, which is purged: checkpoints there will be deleted`)
  }

  const plan: Omit<DeployPlan, "placeholders"> = {
    target: i.target,
    version: i.version,
    command: ["periogt gen", i.target, "--cluster", i.clusterArg, ...i.setItems.flatMap((x) => ["--set", x])].join(" "),
    profile: p,
    outDir: i.outDir,
    baseDir,
    checkpointDir,
    resultsDir,
    cacheDir,
    container,
    containerGpu,
    imageOutput,
    jobDevice,
    bin,
    device,
    host: v(c.host.value, fromConfig(c.host)),
    port: s.port !== undefined ? v(Number(s.port), fromSet("port")) : v(c.port.value, fromConfig(c.port)),
    account,
    qos: pick("qos", p.qos),
    constraint: pick("constraint", p.constraint),
    reservation: pick("reservation", p.reservation),
    mailType: pick("mail_type", p.mailType),
    mailUser: pick("mail_user", p.mailUser),
    partition: partitionName,
    partitionFacts,
    gres,
    gpu,
    gpuKind,
    jobs,
    modules: list("modules", p.modules, "modules"),
    apptainerModules: list("apptainer_modules", p.apptainerModules, "apptainer_modules"),
    loginHost,
    flavor,
    binary: s.binary !== undefined ? v(s.binary, fromSet("binary")) : v(i.selfBinary, "this periogt executable"),
    ortCudaDir,
    image,
    condaEnv: s["conda.env"] !== undefined ? v(s["conda.env"], fromSet("conda.env")) : v(DEPLOY_DEFAULTS.condaEnv, "default"),
    modal: {
      app: s["modal.app"] !== undefined ? v(s["modal.app"], fromSet("modal.app")) : v(DEPLOY_DEFAULTS.modalApp, "default"),
      volume: s["modal.volume"] !== undefined ? v(s["modal.volume"], fromSet("modal.volume")) : v(DEPLOY_DEFAULTS.modalVolume, "default"),
      gpu: s["modal.gpu"] !== undefined ? v(s["modal.gpu"], fromSet("modal.gpu")) : v(DEPLOY_DEFAULTS.modalGpu, "default: L4, chosen for cost (the cluster's GPU kind does not apply to Modal)"),
      auth: s["modal.auth"] !== undefined ? v(s["modal.auth"] as "key" | "proxy" | "both", fromSet("modal.auth")) : v("key", "default: periogt's X-Api-Key, the key from a Modal Secret"),
      secret: s["modal.secret"] !== undefined ? v(s["modal.secret"], fromSet("modal.secret")) : v(DEPLOY_DEFAULTS.modalSecret, "default"),
      setupCpu: DEPLOY_DEFAULTS.modalSetupCpu,
      setupMemoryMiB: DEPLOY_DEFAULTS.modalSetupMemoryMiB,
      checkpointDir: DEPLOY_DEFAULTS.modalCheckpointDir,
      device: modalDevice,
      flavor: modalFlavor,
      image: modalImage,
    },
    ood: {
      cluster: s["ood.cluster"] !== undefined ? v(s["ood.cluster"], fromSet("ood.cluster")) : p.oodCluster !== undefined ? v(p.oodCluster, fromProfile(p, "ood_cluster")) : v(p.name, `cluster profile ${p.name} (its name)`),
      partitions: p.partitions.filter((x) => (x.min_gpus_per_job ?? 0) <= 1),
    },
    purged,
    warnings,
  }
  const mailUserValue = ["slurm", "pbs"].includes(i.target) ? plan.mailUser?.value : undefined
  const candidates: ReadonlyArray<readonly [string, string | undefined]> = [
    ["account", account?.value],
    ["base_dir", baseDir.value],
    ["checkpoint_dir", checkpointDir.value],
    ["results_dir", resultsDir.value],
    ["container", ["slurm", "pbs", "apptainer", "ood"].includes(i.target) ? container.value : undefined],
    ["login_host", ["slurm", "pbs"].includes(i.target) ? loginHost?.value : undefined],
    ["mail_user", mailUserValue],
    ["ort_cuda_dir", (i.target === "modal" ? modalFlavor.value : flavor.value) === "gpu" && ["apptainer", "conda", "modal"].includes(i.target) ? ortCudaDir.value : undefined],
  ]
  const placeholders = candidates.filter((x): x is readonly [string, string] => x[1] !== undefined && PLACEHOLDER.test(x[1])).map(([name, value]) => ({ name, value }))
  return Result.succeed({ ...plan, placeholders })
}
