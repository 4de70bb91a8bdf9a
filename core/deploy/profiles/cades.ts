import type { ClusterProfileInput } from "./schema.ts"

/**
 * CADES Baseline (ORNL; CNMS users). Each value is a fact about the site as its documentation states it;
 * where a value is an assumption about the site rather than a documented fact, its note says so.
 */
export const cades: ClusterProfileInput = {
  name: "cades",
  title: "CADES Baseline (ORNL, CNMS)",
  scheduler: "slurm",
  os: "Red Hat Enterprise Linux; Lmod modules (defaults gcc/12.4.0, openmpi/5.0.5)",
  login_host: "baseline.ccs.ornl.gov",
  account: "MAT269",
  account_note: "MAT269 is the CNMS umbrella project code: a placeholder until your PI confirms the account to charge",
  apptainer_version: "1.2.5",
  modules: [],
  apptainer_modules: ["apptainer"],
  modules_note: "assumption: Apptainer comes from a module named apptainer (check `module avail apptainer`); periogt itself needs no module",
  partitions: [
    {
      name: "batch_cnms",
      max_gpus_per_job: 0,
      cpus_per_node: 128,
      mem_per_node: "512G",
      note: "CNMS-owned, CPU-only: nodes baseline[161-180], 2x AMD EPYC 7713, 128 cores and 512 GB per node",
    },
    {
      name: "gpu_acmhs",
      max_gpus_per_job: 8,
      gpus_per_node: 8,
      gpu_kind: "H100",
      gres: "gpu:1",
      gres_assumed: true,
      mem_per_node: "1T",
      access: "not CNMS-owned: access is negotiated",
      note: "a single node with 8x H100 and 1 TB RAM; the gres name gpu:1 is an assumption",
    },
  ],
  default_partition: "batch_cnms",
  gpu_kind: "H100",
  filesystems: [
    {
      path: "/gpfs/wolf2/olcf/mat269/scratch",
      kind: "scratch",
      purged: true,
      note: "GPFS (Wolf2) scratch, shared 2.3 PB: treated as purgeable, results only",
    },
    {
      path: "/gpfs/wolf2/olcf/mat269/proj-shared",
      kind: "project",
      purged: false,
      note: "GPFS project-shared area, the spec's home for checkpoints; confirm its retention with CADES",
    },
  ],
  paths: {
    base_dir: "/gpfs/wolf2/olcf/mat269/proj-shared/periogt",
    checkpoint_dir: "/gpfs/wolf2/olcf/mat269/proj-shared/periogt/checkpoints",
    results_dir: "/gpfs/wolf2/olcf/mat269/scratch/$USER/periogt/results",
  },
  notes: [
    "Home is NFS with a 50 GB quota; NFS project directories (persistent) also suit checkpoints, at a site-specific path",
    "Paths under /gpfs/wolf2/olcf/mat269 belong to project MAT269: change mat269 to your project",
    "GPFS and NFS project paths are not mounted into Apptainer by default: the jobs bind the checkpoint and results directories",
    "Compute nodes take no inbound connections from the internet: reach a server job through an SSH tunnel",
    "Apptainer 1.2.5 ships an nvliblist.conf written for CUDA 11: if CUDA is not usable inside --nv, see the apptainer README",
    "Legacy SHPC Condo V100 (sm_70) works; P100 (sm_60) is below periogt's minimum compute capability 7.0",
  ],
}

/**
 * CADES Baseline's GPU partition: the jobs go to gpu_acmhs (access negotiated) and run the GPU image,
 * kept beside the CPU one as periogt-gpu.sif (`periogt gen apptainer --cluster cades-gpu` builds it).
 * The jobs of either profile choose --nv and CUDA when they run, from the GPUs they can see.
 */
export const cadesGpu: ClusterProfileInput = {
  ...cades,
  name: "cades-gpu",
  title: "CADES Baseline (ORNL, CNMS), GPU partition gpu_acmhs",
  default_partition: "gpu_acmhs",
  ood_cluster: "cades", // the same cluster as cades; the id is an assumption (ask the OnDemand admins)
  paths: { ...cades.paths, container: "/gpfs/wolf2/olcf/mat269/proj-shared/periogt/periogt-gpu.sif" },
}
