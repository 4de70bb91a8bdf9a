#!/usr/bin/env bash
# Create tools/oracle/.venv37: PerioGT's training environment (Python 3.7, rdkit 2021.09.2,
# mordred 1.2.0, numpy 1.21.5, networkx 2.2, scipy 1.7.3, pandas 1.3.5), beside the 2022.09 oracle
# (.venv, setup.sh). Idempotent; marks a working venv with .venv37/READY.
# Usage: tools/oracle/setup37.sh [PATH_TO/PerioGT_common]
#   Python 3.7: $PYTHON37, else python3.7 on PATH, else pyenv's 3.7.16.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv37"
py="${PYTHON37:-}"
if [ -z "$py" ]; then
  if command -v pyenv >/dev/null && [ -x "$(pyenv root)/versions/3.7.16/bin/python3.7" ]; then
    py="$(pyenv root)/versions/3.7.16/bin/python3.7"
  elif command -v python3.7 >/dev/null; then
    py="$(command -v python3.7)"
  else
    echo "setup37.sh: no Python 3.7 found (set PYTHON37, or: pyenv install 3.7.16)" >&2
    exit 2
  fi
fi
if [ ! -x "$venv/bin/python" ]; then
  "$py" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade "pip==23.2.1" "setuptools<68" wheel
"$venv/bin/python" -m pip install --quiet -r "$here/requirements37.txt"
"$venv/bin/python" - <<'PY'
import sys, rdkit, mordred, numpy, networkx, scipy, pandas
assert sys.version_info[:2] == (3, 7), sys.version
want = {"rdkit": "2021.09.2", "mordred": "1.2.0", "numpy": "1.21.5", "networkx": "2.2", "scipy": "1.7.3", "pandas": "1.3.5"}
got = {"rdkit": rdkit.__version__, "mordred": mordred.__version__, "numpy": numpy.__version__,
       "networkx": networkx.__version__, "scipy": scipy.__version__, "pandas": pandas.__version__}
assert got == want, got
print("training-environment venv ok:", sys.version.split()[0], got)
PY
upstream="${1:-${PERIOGT_UPSTREAM:-/work/upstream/PerioGT/PerioGT_common}}"
if [ -f "$upstream/utils/features.py" ]; then
  (cd "$upstream" && "$venv/bin/python" -W ignore -c "
import sys; sys.path.insert(0, '.')
import utils.aug, utils.features
print('upstream utils.aug, utils.features import from', sys.path[0] or '.')")
else
  echo "note: no upstream checkout at $upstream; upstream import check skipped" >&2
fi
touch "$venv/READY"
