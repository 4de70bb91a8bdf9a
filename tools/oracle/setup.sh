#!/usr/bin/env bash
# Create tools/oracle/.venv with the pinned oracle environment. Idempotent:
# re-running only installs what is missing. Marks a working venv with .venv/READY.
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
touch "$venv/READY"
