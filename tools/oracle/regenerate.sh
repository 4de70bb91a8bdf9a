#!/usr/bin/env bash
# Regenerate test/fixtures/featurizer/ from test/fixtures/polymers/*.csv with upstream PerioGT,
# then test/fixtures/molecule/ from the featurizer fixtures (tools/oracle/molecule.py).
# Usage: tools/oracle/regenerate.sh [PATH_TO/PerioGT_common]
#   default path: $PERIOGT_UPSTREAM, else /work/upstream/PerioGT/PerioGT_common
# The upstream checkout must be commit fe649e2b71e5d93d2dbd85ea1bc6428ac452ee36 (see README.md).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
upstream="${1:-${PERIOGT_UPSTREAM:-/work/upstream/PerioGT/PerioGT_common}}"
py="$here/.venv/bin/python"
[ -x "$py" ] || bash "$here/setup.sh"
out="$root/test/fixtures/featurizer"
mkdir -p "$out"
# Drop the fixtures of the previous run (only files its manifest lists).
if [ -f "$out/manifest.json" ]; then
  "$py" - "$out" <<'PY'
import json, sys, pathlib
out = pathlib.Path(sys.argv[1])
for u in json.loads((out / "manifest.json").read_text())["units"]:
    (out / u["file"]).unlink(missing_ok=True)
PY
fi
cd "$root"
"$py" "$here/featurize.py" --upstream "$upstream" \
  --upstream-commit fe649e2b71e5d93d2dbd85ea1bc6428ac452ee36 \
  --input test/fixtures/polymers/valid.csv \
  --invalid test/fixtures/polymers/invalid.csv \
  --out test/fixtures/featurizer/ --quiet "${@:2}"
# Molecule-layer fixture (test/fixtures/molecule/): RDKit's per-atom/per-bond properties of every
# distinct SMILES of the featurizer fixtures just written (needs no upstream checkout). If it changes,
# re-check test/fixtures/molecule/known_differences.json:
#   PERIOGT_WRITE_KNOWN=1 bun test test/chem/moleculeLayer.test.ts
"$py" "$here/molecule.py" --featurizer test/fixtures/featurizer --out test/fixtures/molecule
