#!/usr/bin/env bash
# Run the featurizer oracle over every SMILES of upstream's public datasets
# (column `smiles` of <datasets>/*/*.csv). For the non-CI parity tool only;
# writes outside git, to .cache/oracle/datasets/<prop>/ (gitignored).
# Usage: tools/oracle/featurize_datasets.sh [PATH_TO/PerioGT_common] [DATASETS_DIR] [OUT_DIR]
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
upstream="${1:-${PERIOGT_UPSTREAM:-/work/upstream/PerioGT/PerioGT_common}}"
datasets="${2:-$root/../shared/data/periogt/datasets}"
out="${3:-$root/.cache/oracle/datasets}"
jobs="${JOBS:-2}"
py="$here/.venv/bin/python"
[ -x "$py" ] || bash "$here/setup.sh"
[ -d "$datasets" ] || { echo "no datasets at $datasets" >&2; exit 2; }
mkdir -p "$out"
start=$(date +%s)
run_one() {
  csv="$1"; prop="$(basename "$(dirname "$csv")")"
  mkdir -p "$out/$prop"
  "$py" "$here/featurize.py" --upstream "$upstream" \
    --upstream-commit fe649e2b71e5d93d2dbd85ea1bc6428ac452ee36 \
    --input "$csv" --out "$out/$prop" --quiet > "$out/$prop.log" 2>&1
  echo "$prop: rc=$? $(tail -1 "$out/$prop.log")"
}
export -f run_one; export here upstream out py
ls "$datasets"/*/*.csv | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {}
"$py" - "$out" <<'PY'
import json, sys, pathlib, collections
out = pathlib.Path(sys.argv[1])
tot = collections.Counter(); kinds = collections.Counter()
for m in sorted(out.glob("*/manifest.json")):
    d = json.loads(m.read_text())
    c = d["counts"]
    bad = [u for u in d["units"] if u["upstream_errors"]]
    for u in bad:
        kinds.update(u["upstream_errors"])
    print(f"{m.parent.name}: units={c['units']} valid={c['valid']} invalid={c['invalid']} "
          f"with_upstream_errors={len(bad)} seconds={c['seconds']}")
    tot.update(units=c["units"], valid=c["valid"], invalid=c["invalid"], upstream_errors=len(bad))
print("total:", dict(tot))
print("error kinds:", dict(kinds))
PY
echo "elapsed: $(( $(date +%s) - start )) s"
