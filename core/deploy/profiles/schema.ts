import { Schema } from "effect"

/**
 * A cluster profile: the facts about one cluster that deployment assets need (partitions, GPU kinds and
 * gres names, time limits, filesystems and which are purged, accounts, modules, suggested paths).
 * Built-in profiles (cades, explorer, generic) and user files (TOML or JSON) share this one Schema.
 * Keys are snake_case so that a TOML file reads naturally.
 */

/** Slurm time: `HH:MM:SS` or `D-HH:MM:SS`. */
export const TimeText = Schema.String.check(Schema.isPattern(/^(\d+-)?\d{1,3}:\d{2}:\d{2}$/))
/** Memory with a unit: `512M`, `32G`, `1T`. */
export const MemText = Schema.String.check(Schema.isPattern(/^\d+[KMGT]$/))
/**
 * A path written into shell scripts inside double quotes. It may hold `<placeholder>` parts the user
 * edits and `$NAME` references (no braces) left for the job's shell (e.g. `/scratch/$USER/...`);
 * characters that would break double quoting are refused.
 */
export const PathText = Schema.String.check(Schema.isPattern(/^\/[^"`\\\n]*$/))
const Name = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_.-]+$/))
const Line = Schema.String.check(Schema.isPattern(/^[^\n\r]*$/))
/** Slurm's --mail-type: a comma list such as `END,FAIL`. */
export const MailTypeText = Schema.String.check(Schema.isPattern(/^(NONE|BEGIN|END|FAIL|REQUEUE|ALL|INVALID_DEPEND|STAGE_OUT|TIME_LIMIT(_[0-9]+)?|ARRAY_TASKS)(,(NONE|BEGIN|END|FAIL|REQUEUE|ALL|INVALID_DEPEND|STAGE_OUT|TIME_LIMIT(_[0-9]+)?|ARRAY_TASKS))*$/))
/** A mail address or a user name for --mail-user. */
export const MailUserText = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_.+<>-]+(@[A-Za-z0-9.-]+)?$/))
/** A Slurm --constraint expression: features joined by & | , with optional brackets and counts. */
export const ConstraintText = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_.:&|,*\[\]()-]+$/))

export const Partition = Schema.Struct({
  name: Name,
  /** GPUs one job may use on this partition; 0 for a CPU-only partition. */
  max_gpus_per_job: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  /** Jobs must ask for at least this many GPUs (site policy, e.g. a multi-GPU partition): periogt uses one, so a partition above 1 is never suggested and is refused. */
  min_gpus_per_job: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  gpus_per_node: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  /** Marketing name of the GPU (H100, H200, A100, V100): Modal's `gpu=` and the README use it. */
  gpu_kind: Schema.optional(Name),
  /** The `--gres` request for one GPU on this partition, e.g. `gpu:h200:1`. */
  gres: Schema.optional(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_:.-]+$/))),
  /** True when the gres name is our assumption rather than a documented fact of the cluster. */
  gres_assumed: Schema.optional(Schema.Boolean),
  max_time: Schema.optional(TimeText),
  cpus_per_node: Schema.optional(Schema.Int),
  mem_per_node: Schema.optional(MemText),
  /** Set when access must be requested (e.g. "approval via ServiceNow"). */
  access: Schema.optional(Line),
  /** Partitions for interactive sessions only: never written as a batch directive. */
  interactive_only: Schema.optional(Schema.Boolean),
  note: Schema.optional(Line),
})
export type Partition = typeof Partition.Type

export const Filesystem = Schema.Struct({
  path: PathText,
  kind: Schema.Literals(["home", "scratch", "project", "local"]),
  /** Files are deleted by a periodic purge: never a place for checkpoints. */
  purged: Schema.Boolean,
  note: Schema.optional(Line),
})
export type Filesystem = typeof Filesystem.Type

export const JobResources = Schema.Struct({
  time: TimeText,
  cpus: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  mem: MemText,
})
export type JobResources = typeof JobResources.Type

/** Suggested locations; each one omitted falls back to the resolved configuration's value. */
export const ProfilePaths = Schema.Struct({
  base_dir: Schema.optional(PathText),
  checkpoint_dir: Schema.optional(PathText),
  results_dir: Schema.optional(PathText),
  /** Where the Apptainer image is expected; default `<base_dir>/periogt.sif`. */
  container: Schema.optional(PathText),
})

export const ClusterProfileFields = Schema.Struct({
  name: Name,
  title: Line,
  /** The cluster's scheduler; omitted: any (generic). */
  scheduler: Schema.optional(Schema.Literals(["slurm", "pbs"])),
  os: Schema.optional(Line),
  login_host: Schema.optional(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_.<>-]+$/))),
  /** Account / project to charge; may be a placeholder the user confirms. Omitted: no account line. */
  account: Schema.optional(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_.<>-]+$/))),
  account_note: Schema.optional(Line),
  /** Quality of service (--qos); omitted: the account's default. */
  qos: Schema.optional(Name),
  /** Node features every job asks for (--constraint), e.g. `h100|a100`. */
  constraint: Schema.optional(ConstraintText),
  /** An advance reservation the jobs run in (--reservation). */
  reservation: Schema.optional(Name),
  /** When the scheduler mails the user (--mail-type), e.g. `END,FAIL`. */
  mail_type: Schema.optional(MailTypeText),
  /** Who gets the mail (--mail-user); omitted: the submitting user. */
  mail_user: Schema.optional(MailUserText),
  /** The Open OnDemand cluster id (the name of /etc/ood/config/clusters.d/<id>.yml); omitted: the profile's name. */
  ood_cluster: Schema.optional(Name),
  apptainer_version: Schema.optional(Line),
  /** Modules loaded in every job. */
  modules: Schema.optional(Schema.Array(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_./+-]+$/)))),
  /** Modules loaded only when the job runs the container. */
  apptainer_modules: Schema.optional(Schema.Array(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_./+-]+$/)))),
  modules_note: Schema.optional(Line),
  partitions: Schema.optional(Schema.Array(Partition)),
  /** The partition jobs use unless `--set partition=` says otherwise; omitted: the cluster's default. */
  default_partition: Schema.optional(Name),
  /** GPU kind when no partition names one (Modal's `gpu=`). */
  gpu_kind: Schema.optional(Name),
  filesystems: Schema.optional(Schema.Array(Filesystem)),
  paths: Schema.optional(ProfilePaths),
  jobs: Schema.optional(
    Schema.Struct({
      predict: Schema.optional(JobResources),
      batch: Schema.optional(JobResources),
      server: Schema.optional(JobResources),
    }),
  ),
  notes: Schema.optional(Schema.Array(Line)),
})
export type ClusterProfileInput = typeof ClusterProfileFields.Type

export const JOB_KINDS = ["predict", "batch", "server"] as const
export type JobKind = (typeof JOB_KINDS)[number]

/** A profile with every optional list filled in: what the planner reads. */
export interface ClusterProfile {
  readonly name: string
  readonly title: string
  readonly scheduler: "slurm" | "pbs" | undefined
  readonly os: string | undefined
  readonly loginHost: string | undefined
  readonly account: string | undefined
  readonly accountNote: string | undefined
  readonly qos: string | undefined
  readonly constraint: string | undefined
  readonly reservation: string | undefined
  readonly mailType: string | undefined
  readonly mailUser: string | undefined
  readonly oodCluster: string | undefined
  readonly apptainerVersion: string | undefined
  readonly modules: ReadonlyArray<string>
  readonly apptainerModules: ReadonlyArray<string>
  readonly modulesNote: string | undefined
  readonly partitions: ReadonlyArray<Partition>
  readonly defaultPartition: string | undefined
  readonly gpuKind: string | undefined
  readonly filesystems: ReadonlyArray<Filesystem>
  readonly paths: {
    readonly baseDir: string | undefined
    readonly checkpointDir: string | undefined
    readonly resultsDir: string | undefined
    readonly container: string | undefined
  }
  readonly jobs: Readonly<Record<JobKind, JobResources>>
  readonly notes: ReadonlyArray<string>
  /** Where the profile came from: `built-in` or the file's absolute path. */
  readonly origin: string
}
