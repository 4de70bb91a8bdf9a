import type { ClusterProfileInput } from "./schema.ts"

/**
 * NEU Explorer (Northeastern University Research Computing). Each value is a fact about the site as its
 * documentation states it, unless its note marks it as an assumption.
 */
export const explorer: ClusterProfileInput = {
  name: "explorer",
  title: "NEU Explorer (Northeastern University)",
  scheduler: "slurm",
  os: "Rocky Linux 9.3",
  login_host: "login.explorer.northeastern.edu",
  account_note: "Explorer jobs need no --account by default; pass --set account=NAME if your group charges one",
  modules: [],
  apptainer_modules: ["apptainer"],
  modules_note: "assumption: Apptainer comes from a module named apptainer (check `module avail apptainer`); periogt itself needs no module",
  partitions: [
    {
      name: "gpu",
      max_gpus_per_job: 1,
      gpu_kind: "H200",
      gres: "gpu:h200:1",
      gres_assumed: true,
      max_time: "08:00:00",
      note: "1 GPU per job, 8 h at most, no approval; H200 (140 GB), A100, V100-SXM2 nodes.",
    },
    {
      name: "multigpu",
      max_gpus_per_job: 8,
      min_gpus_per_job: 2,
      gres: "gpu:1",
      max_time: "24:00:00",
      access: "gated: ServiceNow approval and a scaling test",
      note: "for jobs of 2 to 8 GPUs, 24 h; periogt uses one GPU: never suggested, refused",
    },
    {
      name: "gpu-interactive",
      max_gpus_per_job: 1,
      gres: "gpu:1",
      interactive_only: true,
      note: "1 GPU, interactive sessions only (srun --pty / Open OnDemand)",
    },
  ],
  default_partition: "gpu",
  gpu_kind: "H200",
  filesystems: [
    { path: "/home", kind: "home", purged: false, note: "limited quota" },
    { path: "/scratch", kind: "scratch", purged: true, note: "ephemeral, subject to periodic purge: results only, never checkpoints" },
    { path: "/projects", kind: "project", purged: false, note: "persistent, PI-managed: the place for checkpoints" },
  ],
  paths: {
    base_dir: "/projects/<group>/periogt",
    checkpoint_dir: "/projects/<group>/periogt/checkpoints",
    results_dir: "/scratch/$USER/periogt/results",
  },
  notes: [
    "Replace <group> with your PI's /projects directory",
    "K40m and K80 nodes are not supported (compute capability below 7.0); CUDA 12 needs driver 560.28 or newer",
    "Open OnDemand can proxy an interactive server; from outside, use the SSH tunnel the server job prints",
    "Conda is the Research Computing team's recommended package manager: see the conda target",
  ],
}
