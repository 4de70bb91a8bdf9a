#!/usr/bin/env python
"""Write test/fixtures/descriptors/: mordred 1.2.0 `Calculator(descriptors, ignore_3D=True)` on the capped
3-, 6-, 9-mers of the test set, plus the scaled md vector upstream feeds the network.

Usage (from the repository root):
  tools/oracle/.venv/bin/python tools/oracle/descriptors.py \
      [--upstream /work/upstream/PerioGT/PerioGT_common] [--input test/fixtures/polymers/valid.csv] \
      [--out test/fixtures/descriptors] [--scaler /work/shared/data/periogt/scaler_all.pkl] \
      [--timeout 300] [--workers 2] [--ids vin001,vin002]
The capped SMILES come from upstream's own utils/aug.py generate_multimer_smiles (loaded by
periogt_oracle/upstream.py); the format is documented in test/fixtures/descriptors/README.md."""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from periogt_oracle import PINNED_UPSTREAM_COMMIT  # noqa: E402
from periogt_oracle import io as fio  # noqa: E402
from periogt_oracle.descriptors import NX_SHIM, descriptor_table, run_many  # noqa: E402
from periogt_oracle.manifest import now_utc, versions  # noqa: E402

FORMAT_VERSION = 1
UNITS = (3, 6, 9)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream", default=os.environ.get("PERIOGT_UPSTREAM", "/work/upstream/PerioGT/PerioGT_common"))
    ap.add_argument("--input", default="test/fixtures/polymers/valid.csv")
    ap.add_argument("--out", default="test/fixtures/descriptors")
    ap.add_argument("--scaler", default="/work/shared/data/periogt/scaler_all.pkl")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per molecule before it is skipped")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--ids", default="", help="comma-separated ids (debugging; the manifest then lists only these)")
    ap.add_argument("--emit-tables", metavar="PATH", default="",
                    help="write the element tables (RDKit periodic table, mordred data/*.txt) the TypeScript port "
                         "uses as JSON to PATH and exit")
    ap.add_argument("--emit-kekule", metavar="PATH", default="",
                    help="write RDKit's Kekulé bond orders (Chem.AddHs + Chem.Kekulize, as mordred's kekulized "
                         "molecule) of every molecule already in --out to PATH (gzip JSON) and exit")
    a = ap.parse_args(argv)
    if a.emit_kekule:
        return emit_kekule(Path(a.out), Path(a.emit_kekule))
    if a.emit_tables:
        from periogt_oracle.descriptors import element_tables
        fio.write_json(Path(a.emit_tables), element_tables(), indent=None)
        return 0

    from periogt_oracle.upstream import load
    up = load(a.upstream)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    table = descriptor_table()
    fio.write_json(out / "names.json", {"count": len(table), "names": [n for n, _ in table],
                                        "families": [f for _, f in table]}, indent=None)

    rows = fio.read_csv(a.input)
    for i, r in enumerate(rows):  # datasets (e.g. datasets/eps/eps.csv) have no id column
        r.setdefault("id", f"{Path(a.input).stem}_{i:05d}")
        if not r["id"]:
            r["id"] = f"{Path(a.input).stem}_{i:05d}"
    if a.ids:
        keep = set(a.ids.split(","))
        rows = [r for r in rows if r["id"] in keep]
    jobs, capped = [], {}
    for r in rows:
        capped[r["id"]] = {}
        for n in UNITS:
            try:
                smi = up.aug.generate_multimer_smiles(num_repeat_units=n, smiles=r["smiles"])
            except Exception as e:  # upstream's _gen_multimer_smiles turns this into None
                capped[r["id"]][n] = {"error": f"{type(e).__name__}: {e}"}
                continue
            capped[r["id"]][n] = {"smiles": smi}
            jobs.append(((r["id"], n), smi))
    # largest first, so the slow ones overlap with the many small ones
    jobs.sort(key=lambda j: -len(j[1]))
    t0 = time.time()
    res = run_many(jobs, a.scaler, workers=a.workers, timeout=a.timeout,
                   log=lambda s: print(f"[{time.time() - t0:7.1f}s] {s}", file=sys.stderr, flush=True))

    units, n_bytes, skipped = [], 0, []
    for r in rows:
        uid = r["id"]
        mols = {}
        for n in UNITS:
            c = capped[uid][n]
            if "error" in c:
                mols[str(n)] = {"smiles": None, "skipped": "generate_multimer_smiles: " + c["error"]}
                skipped.append(f"{uid}/{n}: {mols[str(n)]['skipped']}")
                continue
            x = res[(uid, n)]
            if "raw" not in x:
                why = f"timeout after {x['timeout']}s" if "timeout" in x else x.get("error", "?")
                mols[str(n)] = {"smiles": c["smiles"], "skipped": why}
                skipped.append(f"{uid}/{n}: {why}")
                continue
            mols[str(n)] = {"smiles": c["smiles"], **x}
        rec = {"id": uid, "smiles": r["smiles"], "family": r.get("family"), "mols": mols}
        n_bytes += fio.write_json_gz(out / f"{uid}.json.gz", rec)
        units.append({"id": uid, "file": f"{uid}.json.gz",
                      "atoms": {k: v.get("atoms") for k, v in mols.items()},
                      "seconds": {k: v.get("seconds") for k, v in mols.items()},
                      "skipped": {k: v["skipped"] for k, v in mols.items() if "skipped" in v}})
    scaler_md5 = hashlib.md5(Path(a.scaler).read_bytes()).hexdigest()
    manifest = {
        "format_version": FORMAT_VERSION,
        "generated_at": now_utc(),
        "generator": "tools/oracle/descriptors.py",
        "upstream": {"repository": "wuyuhui-zju/PerioGT", "folder": "PerioGT_common",
                     "commit": up.commit or PINNED_UPSTREAM_COMMIT},
        "versions": versions(),
        "calculator": "mordred.Calculator(mordred.descriptors, ignore_3D=True)",
        "descriptor_count": len(table),
        "shims": [NX_SHIM],
        "scaler": {"path": a.scaler, "md5": scaler_md5},
        "input": a.input,
        "capped_units": list(UNITS),
        "timeout_s": a.timeout,
        "counts": {"polymers": len(units), "molecules": sum(1 for j in jobs if "raw" in res[j[0]]),
                   "skipped": len(skipped), "bytes": n_bytes, "seconds": round(time.time() - t0, 1)},
        "skipped": skipped,
        "units": units,
    }
    fio.write_json(out / "manifest.json", manifest)
    print(f"wrote {len(units)} polymers ({n_bytes / 1e6:.2f} MB gz) to {out} in {time.time() - t0:.1f}s; "
          f"skipped {len(skipped)}", file=sys.stderr)
    return 0


def emit_kekule(out: Path, dest: Path) -> int:
    """{"polymer/n": "1212…"}: the Kekulé order of each heavy-atom bond (bond index order) in the molecule
    mordred kekulizes (AddHs then Kekulize, aromatic flags kept)."""
    from rdkit import Chem, rdBase
    man = json.loads((out / "manifest.json").read_text())
    res = {}
    for u in man["units"]:
        rec = json.loads(gzip.decompress((out / u["file"]).read_bytes()))
        for n, m in rec["mols"].items():
            if "raw" not in m:
                continue
            mol = Chem.MolFromSmiles(m["smiles"])
            nb = mol.GetNumBonds()
            mh = Chem.AddHs(mol)
            Chem.Kekulize(mh)
            res[f"{u['id']}/{n}"] = "".join(str(int(b.GetBondTypeAsDouble())) for b in list(mh.GetBonds())[:nb])
    fio.write_json_gz(dest, {"rdkit": rdBase.rdkitVersion, "generator": "tools/oracle/descriptors.py --emit-kekule",
                             "kekule": res})
    print(f"wrote {len(res)} Kekulé forms to {dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
