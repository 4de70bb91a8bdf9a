import type { DeployPlan, Valued } from "./plan.ts"

/** Markdown pieces every generated README shares: where each value came from, what to edit, warnings. */

const row = (name: string, v: Valued<unknown> | undefined) =>
  v === undefined ? [] : [`| ${name} | \`${Array.isArray(v.value) ? v.value.join(",") || "(none)" : String(v.value) || "(empty)"}\` | ${v.from} |`]

export const valuesTable = (plan: DeployPlan, extra: ReadonlyArray<readonly [string, Valued<unknown> | undefined]> = []): string[] => [
  "| value | as written | from |",
  "|---|---|---|",
  ...row("base_dir", plan.baseDir),
  ...row("checkpoint_dir", plan.checkpointDir),
  ...row("results_dir", plan.resultsDir),
  ...row("cache_dir", plan.cacheDir),
  ...extra.flatMap(([n, v]) => row(n, v)),
]

export const jobValues = (plan: DeployPlan): ReadonlyArray<readonly [string, Valued<unknown> | undefined]> => [
  ["container", plan.container],
  ["container_gpu", plan.containerGpu.value === plan.container.value ? undefined : plan.containerGpu],
  ["bin", plan.bin],
  ["device", plan.jobDevice.value === "" ? { value: "(decided when the job runs)", from: plan.jobDevice.from } : plan.jobDevice],
  ["partition", plan.partition],
  ["gres", plan.gres],
  ["account", plan.account],
  ["qos", plan.qos],
  ["constraint", plan.constraint],
  ["reservation", plan.reservation],
  ["mail_type", plan.mailType],
  ["mail_user", plan.mailUser],
  ["predict time / cpus / mem", { value: `${plan.jobs.predict.time.value} / ${plan.jobs.predict.cpus.value} / ${plan.jobs.predict.mem.value}`, from: plan.jobs.predict.time.from }],
  ["batch time / cpus / mem", { value: `${plan.jobs.batch.time.value} / ${plan.jobs.batch.cpus.value} / ${plan.jobs.batch.mem.value}`, from: plan.jobs.batch.time.from }],
  ["server time / cpus / mem", { value: `${plan.jobs.server.time.value} / ${plan.jobs.server.cpus.value} / ${plan.jobs.server.mem.value}`, from: plan.jobs.server.time.from }],
  ["port", plan.port.from.startsWith("configuration: default") ? { value: "(a free port, chosen when the server job starts)", from: "default" } : plan.port],
  ["modules", plan.modules],
  ["apptainer_modules", plan.apptainerModules],
  ["login_host", plan.loginHost],
]

/** "Before you submit" items: placeholders, the account to confirm, warnings, purged filesystems. */
export const attention = (plan: DeployPlan): string[] => {
  const out: string[] = []
  for (const p of plan.placeholders) out.push(`- **Edit** \`${p.name}\`: \`${p.value}\` still holds a placeholder.`)
  if (plan.account !== undefined && plan.profile.accountNote !== undefined && plan.account.from.startsWith("cluster profile")) {
    out.push(`- **Confirm the account** \`${plan.account.value}\`: ${plan.profile.accountNote}.`)
  }
  for (const w of plan.warnings) out.push(`- **Warning:** ${w}.`)
  for (const f of plan.purged) out.push(`- \`${f.path}\` is **purged**${f.note === undefined ? "" : ` (${f.note})`}: never put \`PERIOGT_CHECKPOINT_DIR\` there, or exported overrides pointing there; the jobs warn if you do.`)
  if (plan.purged.length === 0) out.push("- Keep `PERIOGT_CHECKPOINT_DIR` on a persistent filesystem: many sites purge their scratch space, and the checkpoints take hours to prepare again.")
  return out
}

export const clusterNotes = (plan: DeployPlan): string[] => {
  const p = plan.profile
  const out = [`Cluster: **${p.title}** (\`${p.name}\`, ${p.origin === "built-in" ? "built-in profile" : `profile ${p.origin}`}).`, ""]
  for (const part of p.partitions) {
    const facts = [
      part.max_gpus_per_job === 0 ? "CPU only" : `${part.max_gpus_per_job} GPU${part.max_gpus_per_job > 1 ? "s" : ""} per job${part.gpu_kind === undefined ? "" : ` (${part.gpu_kind})`}`,
      part.max_time === undefined ? undefined : `max ${part.max_time}`,
      part.gres === undefined ? undefined : `gres \`${part.gres}\`${part.gres_assumed === true ? " (assumed)" : ""}`,
      part.access,
      part.interactive_only === true ? "interactive only" : undefined,
    ].filter((x) => x !== undefined)
    out.push(`- partition \`${part.name}\`: ${facts.join("; ")}${part.note === undefined ? "" : `. ${part.note}`}`)
  }
  for (const n of p.notes) out.push(`- ${n}`)
  return out
}
