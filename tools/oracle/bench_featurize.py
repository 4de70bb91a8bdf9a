"""Times upstream PerioGT's own featurizer stages (the ones bench/featurize.ts times on our side) over
the SMILES of a CSV (default: the eps dataset), one process, CPU, as upstream runs them:

  augment      utils/aug.periodicity_augment_traverse
  prompt       PolyGraphBuilderFinetune._generate_augmented_graphs (5-mer bond mapping, augmentation,
               selection with the oracle's deterministic rule, SafeSubstructureMatcher in its worker
               process, _build_graph_with_bid per candidate)
  fingerprint  generate_multimer_smiles(3, capped) + utils/features._fp_md_from_smiles (Mordred stubbed)

Usage: tools/oracle/.venv/bin/python tools/oracle/bench_featurize.py --upstream PATH/PerioGT_common
           [--csv PATH] [--limit N] [--out JSON]
Prints one JSON object: units, seconds per stage, ms/unit per stage, failures per stage.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here))

from periogt_oracle import upstream as upstream_mod  # noqa: E402
from periogt_oracle.featurizer import Featurizer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", default="/work/upstream/PerioGT/PerioGT_common")
    ap.add_argument("--csv", default="/work/shared/data/periogt/datasets/eps/eps.csv")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--out")
    a = ap.parse_args()
    up = upstream_mod.load(a.upstream)
    fz = Featurizer(up)
    with open(a.csv, newline="") as fh:
        smiles = [r["smiles"] for r in csv.DictReader(fh)]
    if a.limit:
        smiles = smiles[: a.limit]
    stages = {"augment": 0.0, "prompt": 0.0, "fingerprint": 0.0}
    failures = {k: 0 for k in stages}
    graphs = 0
    t_all = time.perf_counter()
    for s in smiles:
        t = time.perf_counter()
        try:
            up.aug.periodicity_augment_traverse(s)
        except Exception:
            failures["augment"] += 1
        stages["augment"] += time.perf_counter() - t
        t = time.perf_counter()
        try:
            g, _, _ = fz.builder._generate_augmented_graphs(s)
            graphs += len(g)
        except Exception:
            failures["prompt"] += 1
        stages["prompt"] += time.perf_counter() - t
        t = time.perf_counter()
        try:
            fz.fingerprint(up.aug.generate_multimer_smiles(3, s, replace_dummy_atoms=True))
        except Exception:
            failures["fingerprint"] += 1
        stages["fingerprint"] += time.perf_counter() - t
    total = time.perf_counter() - t_all
    fz.close()
    n = max(1, len(smiles))
    res = {
        "side": "upstream (python)",
        "csv": a.csv,
        "units": len(smiles),
        "prompt_graphs": graphs,
        "seconds": {k: round(v, 3) for k, v in stages.items()} | {"total": round(total, 3)},
        "ms_per_unit": {k: round(1000 * v / n, 3) for k, v in stages.items()} | {"total": round(1000 * total / n, 3)},
        "failures": failures,
    }
    text = json.dumps(res, indent=1)
    if a.out:
        Path(a.out).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
