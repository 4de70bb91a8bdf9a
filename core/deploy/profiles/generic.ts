import type { ClusterProfileInput } from "./schema.ts"

/**
 * Any Slurm or PBS cluster: claims nothing about partitions, accounts or filesystems. Paths come from
 * the resolved configuration (PERIOGT_BASE_DIR and friends); the cluster's default partition is used.
 */
export const generic: ClusterProfileInput = {
  name: "generic",
  title: "Generic cluster (no site facts)",
  gpu_kind: "H100",
  notes: [
    "No partition, account or gres is written: add them with --set partition=NAME --set account=NAME --set gres=gpu:1",
    "Keep checkpoints on a persistent filesystem, never on one that is purged (many sites purge /scratch)",
  ],
}
