#!/usr/bin/env bash
# Installs what the adapter and job tests need: a one-node Slurm (slurmctld, slurmd, the client tools,
# munge, slurmdbd with MariaDB for accounting), shellcheck, and Ruby (the Open OnDemand app's ERB
# templates are rendered with it, as OnDemand renders them). Idempotent: installs only what is
# missing; runs `apt-get update` first when it must install. Debian/Ubuntu, as root (CI). Exits 0 when
# everything is present, 3 when it cannot install.
set -euo pipefail

need=()
command -v slurmctld >/dev/null 2>&1 || need+=(slurmctld)
command -v slurmd >/dev/null 2>&1 || need+=(slurmd)
command -v sbatch >/dev/null 2>&1 || need+=(slurm-client)
command -v munged >/dev/null 2>&1 || need+=(munge)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
command -v ruby >/dev/null 2>&1 || need+=(ruby)
# Accounting for the job-lifecycle tests (sacct): slurmdbd and a MariaDB server they start themselves.
command -v slurmdbd >/dev/null 2>&1 || need+=(slurmdbd)
command -v mariadbd >/dev/null 2>&1 || need+=(mariadb-server)

if [[ ${#need[@]} -eq 0 ]]; then
  echo "install-slurm: slurmctld, slurmd, slurm-client, munge, slurmdbd, mariadb-server, shellcheck and ruby are present"
  exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
  echo "install-slurm: missing ${need[*]}; run as root to install them" >&2
  exit 3
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-slurm: missing ${need[*]}; apt-get is not available on this system" >&2
  exit 3
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${need[@]}"
echo "install-slurm: installed ${need[*]}"
