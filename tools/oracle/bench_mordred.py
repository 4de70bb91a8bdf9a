#!/usr/bin/env python
"""Time mordred 1.2.0 (`Calculator(descriptors, ignore_3D=True)`, as upstream) on the capped 3-, 6-, 9-mers of a
polymer CSV (column `smiles`), one molecule at a time in this process. Used by bench/descriptors.ts.

  tools/oracle/.venv/bin/python tools/oracle/bench_mordred.py --csv /work/shared/data/periogt/datasets/eps/eps.csv \
      --out /tmp/mordred-eps.json [--limit N] [--families ABCIndex,Chi,...] [--upstream PATH]

--families restricts mordred to those modules (for a like-for-like comparison with a partial port).
Output JSON: {"families": [...] | null, "descriptors": count, "molecules": [{"row", "n", "smiles", "seconds",
"cpu_seconds", "atoms"}], "skipped": [...]}; the capped SMILES come from upstream's own generate_multimer_smiles."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--families", default="")
    ap.add_argument("--upstream", default=os.environ.get("PERIOGT_UPSTREAM", "/work/upstream/PerioGT/PerioGT_common"))
    a = ap.parse_args(argv)

    from periogt_oracle.descriptors import _install_nx_shim
    from periogt_oracle.upstream import load
    _install_nx_shim()
    up = load(a.upstream)
    from mordred import Calculator, descriptors
    from rdkit import Chem

    fams = [f for f in a.families.split(",") if f] or None
    if fams:
        mods = [getattr(descriptors, f) for f in fams]
        calc = Calculator(mods, ignore_3D=True)
    else:
        calc = Calculator(descriptors, ignore_3D=True)

    with open(a.csv, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    if a.limit:
        rows = rows[: a.limit]
    mols, skipped = [], []
    t_all = time.perf_counter()
    for i, r in enumerate(rows):
        for n in (3, 6, 9):
            try:
                smi = up.aug.generate_multimer_smiles(num_repeat_units=n, smiles=r["smiles"])
            except Exception as e:
                skipped.append({"row": i, "n": n, "why": f"{type(e).__name__}: {e}"})
                continue
            mol = Chem.MolFromSmiles(smi)
            t0 = time.perf_counter()
            c0 = time.process_time()
            calc(mol)
            dt = time.perf_counter() - t0
            cpu = time.process_time() - c0
            mols.append({"row": i, "n": n, "smiles": smi, "seconds": dt, "cpu_seconds": cpu, "atoms": mol.GetNumAtoms()})
        print(f"[{i + 1}/{len(rows)}] {time.perf_counter() - t_all:.1f}s", file=sys.stderr, flush=True)
    Path(a.out).write_text(json.dumps({"families": fams, "descriptors": len(calc.descriptors),
                                       "molecules": mols, "skipped": skipped}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
