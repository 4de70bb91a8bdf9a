"""Load upstream PerioGT (folder PerioGT_common) from a path given at run time.

Upstream's modules use top-level package names (`data`, `utils`, `models`),
so the upstream folder is put first on sys.path. Nothing is copied."""

from __future__ import annotations

import os
import subprocess
import sys
import types
import warnings
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Upstream:
    path: Path
    commit: str | None
    aug: types.ModuleType          # utils/aug.py
    features: types.ModuleType     # utils/features.py
    function: types.ModuleType     # utils/function.py
    smiles2g: types.ModuleType     # data/smiles2g_light.py
    constants: types.ModuleType    # data/constants.py


def _git_commit(path: Path) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        if out.returncode == 0:
            return out.stdout.strip()
    except Exception:
        pass
    return None


def load(path: str | os.PathLike) -> Upstream:
    p = Path(path).resolve()
    for rel in ("utils/aug.py", "utils/features.py", "data/smiles2g_light.py", "models/light.py"):
        if not (p / rel).is_file():
            raise SystemExit(f"--upstream {p}: missing {rel}; expected the PerioGT_common folder")
    os.environ.setdefault("DGLBACKEND", "pytorch")
    warnings.filterwarnings("ignore")
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))
    import importlib
    aug = importlib.import_module("utils.aug")
    features = importlib.import_module("utils.features")
    function = importlib.import_module("utils.function")
    smiles2g = importlib.import_module("data.smiles2g_light")
    constants = importlib.import_module("data.constants")
    for m in (aug, features, function, smiles2g, constants):
        mp = Path(m.__file__).resolve()
        if p not in mp.parents:
            raise SystemExit(f"module {m.__name__} was imported from {mp}, not from {p}")
    return Upstream(path=p, commit=_git_commit(p), aug=aug, features=features,
                    function=function, smiles2g=smiles2g, constants=constants)
