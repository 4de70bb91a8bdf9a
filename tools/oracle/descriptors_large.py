#!/usr/bin/env python
"""Write test/fixtures/descriptors/large/: mordred 1.2.0 on capped oligomers of large conjugated repeat units
(organic-photovoltaic donor polymers with branched alkyl chains, 50-220 heavy atoms per unit), so that the
capped 9-mers reach 450-2000 heavy atoms: more than RDKit MinimalLib (WebAssembly) can read from SMILES, and
more than 1000 hydrogens (RDKit's 1000-match cap on the Crippen hydrogen patterns) and 1000 SMARTS matches.

Same pipeline and file format as descriptors.py (upstream's generate_multimer_smiles, then mordred's
Calculator(descriptors, ignore_3D=True) on Chem.MolFromSmiles), one <id>.json.gz per unit holding only
the oligomer sizes listed below, and a manifest. `seconds` is mordred's wall time on the shared machine of the
run (other jobs running), not a benchmark figure.

Usage (from the repository root; mordred needs minutes to an hour per molecule of 1000-2000 atoms):
  tools/oracle/.venv/bin/python tools/oracle/descriptors_large.py [--out test/fixtures/descriptors/large]
      [--workers 2] [--timeout 7200] [--ids a,b] [--only opv002/9,opv001/3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import hashlib
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from periogt_oracle import PINNED_UPSTREAM_COMMIT  # noqa: E402
from periogt_oracle import io as fio  # noqa: E402
from periogt_oracle.descriptors import NX_SHIM, run_many  # noqa: E402
from periogt_oracle.manifest import now_utc, versions  # noqa: E402

EH = "CC(CC)CCCC"  # 2-ethylhexyl
HD = "CC(CCCCCC)CCCCCCCC"  # 2-hexyldecyl


def pbdbt(r: str, first: str = "*", last: str = "*") -> str:
    """PBDB-T-type unit: benzodithiophene with alkylthienyl side groups, thiophene, benzodithiophenedione."""
    return (f"{first}c1cc2c(-c3ccc({r})s3)c3cc(-c4ccc(-c5sc({r})c6c5C(=O)c5c({r})sc(-c7ccc({last})s7)c5C6=O)s4)"
            f"sc3c(-c3ccc({r})s3)c2s1")


# id -> (repeat unit, oligomer sizes)
UNITS = {
    # PTB7-type: benzodithiophene (2-ethylhexyloxy) + fluorinated thienothiophene ester; 50 heavy atoms
    "opv001": (f"*c1cc2c(O{EH})c3cc(-c4sc(*)c5sc(C(=O)O{EH})c(F)c45)sc3c(O{EH})c2s1", (3, 6, 9)),
    # PBDB-T-type with 2-hexyldecyl chains; 110 heavy atoms
    "opv002": (pbdbt(HD), (3, 6, 9)),
    # two PBDB-T-type units (2-hexyldecyl) in one repeat unit; 220 heavy atoms: the 9-mer has 1980
    # (the inner unit's ring-closure digits become %11-%17: the outer unit's are still open there)
    "opv003": (pbdbt(HD, last=re.sub(r"(\d)", r"%1\1", pbdbt(HD, first="", last="*"))), (9,)),
}


# mordred modules by cost (CPU seconds on a 450-atom capped 9-mer), for dividing a molecule among processes
MODULE_COST = {"DetourMatrix": 4.4, "MolecularId": 4.2, "BCUT": 2.4, "Autocorrelation": 1.8, "PathCount": 1.5,
               "BaryszMatrix": 1.3, "ExtendedTopochemicalAtom": 1.1, "InformationContent": 1.1,
               "MolecularDistanceEdge": 0.9, "WalkCount": 0.7}


def _part(conn, smiles, indices):
    """mordred on the descriptors at `indices` of the calculator (a forked child): [(index, value)]."""
    try:
        from mordred import Calculator
        from rdkit import Chem
        from periogt_oracle.descriptors import calculator
        full = calculator()
        sub = Calculator([full.descriptors[i] for i in indices])
        conn.send(list(zip(indices, sub(Chem.MolFromSmiles(smiles)).values())))
    except Exception:
        import traceback
        conn.send({"error": traceback.format_exc()})
    finally:
        conn.close()


def compute_split(smiles: str, scaler_path: str, parts: int) -> dict:
    """periogt_oracle.descriptors.compute, the descriptors divided among `parts` forked processes by module."""
    import multiprocessing as mp
    import pickle
    import numpy as np
    from rdkit import Chem
    from mordred.error import MissingValueBase
    from periogt_oracle.descriptors import _enc, _f32, calculator
    full = calculator()
    by_module = {}
    for i, d in enumerate(full.descriptors):
        by_module.setdefault(d.__module__.split(".")[-1], []).append(i)
    groups = [[] for _ in range(parts)]
    load = [0.0] * parts
    for m in sorted(by_module, key=lambda m: -MODULE_COST.get(m, 0.2)):
        k = load.index(min(load))
        groups[k] += by_module[m]
        load[k] += MODULE_COST.get(m, 0.2)
    t0 = time.perf_counter()
    ctx = mp.get_context("fork")
    procs = []
    for g in groups:
        r, w = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_part, args=(w, smiles, sorted(g)), daemon=True)
        p.start()
        w.close()
        procs.append((p, r))
    values = [None] * len(full.descriptors)
    for p, r in procs:
        got = r.recv()
        p.join()
        if isinstance(got, dict):
            return got
        for i, v in got:
            values[i] = v
    seconds = time.perf_counter() - t0
    mol = Chem.MolFromSmiles(smiles)
    raw, errors = [], []
    for i, v in enumerate(values):
        if isinstance(v, MissingValueBase):
            raw.append(None)
            errors.append([i, v.header, str(v.error)])
        else:
            raw.append(_enc(float(v)))
    des = np.array(values, dtype=np.float32)
    des = np.where(np.isnan(des), 0, des)
    des = np.where(des > 1e12, 1e12, des)
    out = {"seconds": round(seconds, 4), "raw": raw, "errors": errors, "atoms": mol.GetNumAtoms(), "split": parts}
    with open(scaler_path, "rb") as f:
        scaler = pickle.load(f)
    try:
        out["md"] = [_f32(x) for x in scaler.transform(des.reshape(1, -1)).astype(np.float32)[0]]
    except Exception as e:
        out["md"] = None
        out["md_error"] = f"{type(e).__name__}: {e}"
    out["md_dtype_in"] = str(des.dtype)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream", default=os.environ.get("PERIOGT_UPSTREAM", "/work/upstream/PerioGT/PerioGT_common"))
    ap.add_argument("--out", default="test/fixtures/descriptors/large")
    ap.add_argument("--scaler", default="/work/shared/data/periogt/scaler_all.pkl")
    ap.add_argument("--timeout", type=float, default=7200.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--ids", default="")
    ap.add_argument("--only", default="", help="comma-separated id/n (e.g. opv002/9): just these molecules, merged "
                                                 "into what --out already holds (several runs may share --out)")
    ap.add_argument("--list", action="store_true", help="print id, n, heavy atoms, capped SMILES and exit")
    ap.add_argument("--split", type=int, default=1,
                    help="compute each molecule's descriptors in this many processes, mordred modules divided among "
                         "them (the same values: each descriptor is computed on its own; less wall time)")
    a = ap.parse_args(argv)
    from rdkit import Chem
    from periogt_oracle.upstream import load
    up = load(a.upstream)
    only = set(a.only.split(",")) if a.only else None
    units = {k: (v[0], tuple(n for n in v[1] if only is None or f"{k}/{n}" in only)) for k, v in UNITS.items()
             if not a.ids or k in a.ids.split(",")}
    units = {k: v for k, v in units.items() if v[1]}
    jobs, capped = [], {}
    for uid, (smi, sizes) in units.items():
        capped[uid] = {}
        for n in sizes:
            c = up.aug.generate_multimer_smiles(num_repeat_units=n, smiles=smi)
            capped[uid][n] = c
            jobs.append(((uid, n), c))
            if a.list:
                print(uid, n, Chem.MolFromSmiles(c).GetNumAtoms(), c[:80])
    if a.list:
        return 0
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    jobs.sort(key=lambda j: -len(j[1]))
    t0 = time.time()
    log = lambda s: print(f"[{time.time() - t0:7.1f}s] {s}", file=sys.stderr, flush=True)  # noqa: E731
    if a.split > 1:
        res = {}
        for key, smi in jobs:
            res[key] = compute_split(smi, a.scaler, a.split)
            log(f"{key}: " + (f"{res[key]['seconds']:.2f}s" if "seconds" in res[key] else str(res[key])[:200]))
    else:
        res = run_many(jobs, a.scaler, workers=a.workers, timeout=a.timeout, log=log)
    for uid, (smi, sizes) in units.items():
        path = out / f"{uid}.json.gz"
        # merged into the unit's file as it is now (another run may have written other sizes meanwhile)
        rec = json.loads(gzip.decompress(path.read_bytes())) if path.exists() else {"id": uid, "smiles": smi, "family": "opv", "mols": {}}
        for n in sizes:
            x = res[(uid, n)]
            if "raw" not in x:
                why = f"timeout after {x['timeout']}s" if "timeout" in x else x.get("error", "?")
                rec["mols"][str(n)] = {"smiles": capped[uid][n], "skipped": why}
            else:
                rec["mols"][str(n)] = {"smiles": capped[uid][n], **x}
        rec["mols"] = dict(sorted(rec["mols"].items(), key=lambda kv: int(kv[0])))
        fio.write_json_gz(path, rec)
    entries, skipped = [], []
    for uid in UNITS:
        path = out / f"{uid}.json.gz"
        if not path.exists():
            continue
        mols = json.loads(gzip.decompress(path.read_bytes()))["mols"]
        skipped += [f"{uid}/{k}: {v['skipped']}" for k, v in mols.items() if "skipped" in v]
        entries.append({"id": uid, "file": f"{uid}.json.gz",
                        "atoms": {k: v.get("atoms") for k, v in mols.items()},
                        "seconds": {k: v.get("seconds") for k, v in mols.items()},
                        "skipped": {k: v["skipped"] for k, v in mols.items() if "skipped" in v}})
    fio.write_json(out / "manifest.json", {
        "generated_at": now_utc(),
        "generator": "tools/oracle/descriptors_large.py",
        "upstream": {"repository": "wuyuhui-zju/PerioGT", "folder": "PerioGT_common",
                     "commit": up.commit or PINNED_UPSTREAM_COMMIT},
        "versions": versions(),
        "calculator": "mordred.Calculator(mordred.descriptors, ignore_3D=True)",
        "shims": [NX_SHIM],
        "scaler": {"path": a.scaler, "md5": hashlib.md5(Path(a.scaler).read_bytes()).hexdigest()},
        "timeout_s": a.timeout,
        "skipped": skipped,
        "units": entries,
    })
    print(f"wrote {', '.join(f'{u}/{n}' for u, (_, ns) in units.items() for n in ns)} into {out} in "
          f"{time.time() - t0:.1f}s; skipped so far {len(skipped)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
