"""Versions of everything the oracle ran with."""

from __future__ import annotations

import datetime
import platform
import sys
from importlib import metadata

PACKAGES = ("rdkit", "numpy", "scipy", "pandas", "networkx", "torch", "dgl", "dgllife",
            "mordred", "scikit-learn", "cloudpickle")


def versions() -> dict:
    v = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            v[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            v[p] = None
    try:
        from rdkit import rdBase
        v["rdkit_build"] = rdBase.rdkitVersion
    except Exception:
        pass
    return v


def now_utc() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
