#!/usr/bin/env bash
# Create tools/oracle/.venv with the pinned oracle environment. Idempotent:
# re-running only installs what is missing. Marks a working venv with .venv/READY.
# Usage: tools/oracle/setup.sh [PATH_TO/PerioGT_common]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
py="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$py" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade "pip==23.2.1" "setuptools<70" wheel
"$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
# Smoke test: import the stack the oracle needs; write READY only if it works.
DGLBACKEND=pytorch "$venv/bin/python" - <<'PY'
import numpy, rdkit, torch, dgl, dgllife, mordred, networkx, sklearn
from rdkit import Chem
g = dgl.graph(([0, 1], [1, 0]))
assert g.num_nodes() == 2
print("oracle venv ok: rdkit", rdkit.__version__, "torch", torch.__version__, "dgl", dgl.__version__)
PY
# Upstream's own modules must import too, where a checkout is at hand
# (arg 1, $PERIOGT_UPSTREAM, or the default path); skipped with a note otherwise.
upstream="${1:-${PERIOGT_UPSTREAM:-/work/upstream/PerioGT/PerioGT_common}}"
if [ -f "$upstream/data/smiles2g_light.py" ]; then
  (cd "$upstream" && DGLBACKEND=pytorch "$venv/bin/python" -W ignore -c "
import sys; sys.path.insert(0, '.')
import data.smiles2g_light, utils.aug, utils.features, models.light
print('upstream modules import from', sys.path[0] or '.')")
else
  echo "note: no upstream checkout at $upstream; upstream import check skipped" >&2
fi
touch "$venv/READY"
