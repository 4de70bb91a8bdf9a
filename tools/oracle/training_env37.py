#!/usr/bin/env python3.7
"""Training-environment oracle (issue 22): PerioGT's fingerprints and Mordred descriptors as its training
environment computed them — Python 3.7, rdkit-pypi 2021.9.2, mordred 1.2.0, numpy 1.21.5, networkx 2.2,
scipy 1.7.3, pandas 1.3.5 (tools/oracle/requirements37.txt, made by tools/oracle/setup37.sh) — for every
repeat unit whose capped oligomers keep an explicit hydrogen or deuterium: the one place where that
environment and the reference oracle (rdkit 2022.09.5, tools/oracle/.venv) disagree.

Runs under tools/oracle/.venv37 only (no PyTorch, no DGL). Nothing of upstream is reimplemented: upstream's
own modules that import without torch are imported from the checkout —
  utils/aug.py       generate_multimer_smiles (the capped 3/6/9-mers, as utils/features.py
                     `_gen_multimer_smiles` calls it: an exception gives no oligomer)
  utils/features.py  _fp_md_from_smiles (MACCS + Morgan r4 1024 bits of MolFromSmiles(capped), and the md
                     vector before scaling: float32, NaN -> 0, > 1e12 -> 1e12), and its Mordred calculator
                     _GLOBAL_CALC = Calculator(descriptors, ignore_3D=True) for the raw descriptor values.

Usage (from the repository root):
  tools/oracle/.venv37/bin/python tools/oracle/training_env37.py scan \
      [--datasets ../shared/data/periogt/datasets] [--out test/fixtures/trainingEnv/dataset_units.csv]
      lists the dataset units (ids <prop>_<row:05d>, 0-based data row, as featurize_datasets.sh) whose capped
      oligomers keep an explicit H (only their ids and SMILES are written; the datasets stay where they are)
  tools/oracle/.venv37/bin/python tools/oracle/training_env37.py fixtures \
      [--input test/fixtures/polymers/valid.csv --input test/fixtures/trainingEnv/dataset_units.csv]
      [--out test/fixtures/trainingEnv] [--workers 2] [--timeout 600] [--ids a,b]
      writes units.json.gz, units.csv (ids and SMILES) and manifest.json for every unit of the inputs that keeps an explicit H.

A unit "keeps an explicit H" when one of its capped 3/6/9-mers is written with a bracket hydrogen
(`[H]`, `[2H]`, `[3H]`, ...) or MolFromSmiles of it has a hydrogen atom. Format: test/fixtures/trainingEnv/README.md.
"""

import argparse
import csv
import datetime
import gzip
import io
import json
import math
import multiprocessing as mp
import os
import platform
import re
import sys
import time
import traceback
from pathlib import Path

FORMAT_VERSION = 1
UNITS = (3, 6, 9)
PINNED_UPSTREAM_COMMIT = "fe649e2b71e5d93d2dbd85ea1bc6428ac452ee36"
BRACKET_H = re.compile(r"\[\d*H[\]@+\-:]")
PACKAGES = ("rdkit-pypi", "mordred", "numpy", "networkx", "scipy", "pandas", "six", "decorator", "tqdm")

_UP = {}


def upstream(path):
    """upstream's utils.aug and utils.features, imported from the checkout (cwd = the checkout, as upstream runs)."""
    if not _UP:
        path = str(Path(path).resolve())
        sys.path.insert(0, path)
        cwd = os.getcwd()
        os.chdir(path)
        try:
            import utils.aug as aug
            import utils.features as features
        finally:
            os.chdir(cwd)
        _UP.update(aug=aug, features=features, path=path)
    return _UP


def capped(aug, smiles, n):
    try:  # utils/features.py _gen_multimer_smiles
        return aug.generate_multimer_smiles(num_repeat_units=n, smiles=smiles)
    except Exception:
        return None


def hydrogen_atoms(smiles):
    from rdkit import Chem
    mol = Chem.MolFromSmiles(smiles)
    return None if mol is None else sum(1 for a in mol.GetAtoms() if a.GetAtomicNum() == 1)


def keeps_h(oligomers):
    for s in oligomers.values():
        if s is None:
            continue
        if BRACKET_H.search(s) or (hydrogen_atoms(s) or 0) > 0:
            return True
    return False


def read_units(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    for i, r in enumerate(rows):
        if not r.get("id"):
            r["id"] = "%s_%05d" % (Path(path).stem, i)
    return rows


def _enc(x):
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def _f32(x):
    import numpy as np
    x = np.float32(x)
    if np.isnan(x):
        return "NaN"
    if np.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return float(str(x))  # numpy's shortest float32 repr: Math.fround restores it


def compute(smiles):
    """One capped oligomer: upstream's fingerprint and md vector, and the raw Mordred values."""
    from rdkit import Chem
    from mordred.error import MissingValueBase
    features = _UP["features"]
    t0 = time.perf_counter()
    r = features._fp_md_from_smiles(smiles)
    if r[0] is None:
        return {"error": "MolFromSmiles returned None"}
    _, fp, des = r
    mol = Chem.MolFromSmiles(smiles)  # as _fp_md_from_smiles reads it
    raw, errors = [], []
    for i, v in enumerate(features._GLOBAL_CALC(mol).values()):
        if isinstance(v, MissingValueBase):
            raw.append(None)
            errors.append([i, v.header, str(v.error)])
        else:
            raw.append(_enc(float(v)))
    return {
        "atoms": mol.GetNumAtoms(),
        "h_atoms": sum(1 for a in mol.GetAtoms() if a.GetAtomicNum() == 1),
        "fp": {"n": len(fp), "on": [i for i, b in enumerate(fp) if b]},
        "raw": raw,
        "errors": errors,
        "des": [_f32(x) for x in des],
        "seconds": round(time.perf_counter() - t0, 3),
    }


def _child(conn, smiles):
    try:
        conn.send(compute(smiles))
    except Exception:
        conn.send({"error": traceback.format_exc()})
    finally:
        conn.close()


def run_many(jobs, workers, timeout, log):
    """[(key, smiles)] -> {key: result}; each molecule in a forked child, killed after `timeout` seconds."""
    ctx = mp.get_context("fork")
    pending, running, results = list(jobs), {}, {}
    while pending or running:
        while pending and len(running) < workers:
            key, smi = pending.pop(0)
            a, b = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_child, args=(b, smi), daemon=True)
            p.start()
            b.close()
            running[key] = (p, a, time.time())
        time.sleep(0.01)
        for key in list(running):
            p, a, t0 = running[key]
            if a.poll():
                try:
                    results[key] = a.recv()
                except EOFError:
                    results[key] = {"error": "child died"}
                p.join()
                del running[key]
                log("%s/%s %.1fs" % (key[0], key[1], time.time() - t0))
            elif not p.is_alive():
                p.join()
                results[key] = {"error": "child exited with %s" % p.exitcode}
                del running[key]
            elif time.time() - t0 > timeout:
                p.kill()
                p.join()
                results[key] = {"timeout": timeout}
                del running[key]
                log("%s/%s timeout" % key)
    return results


def versions():
    import pkg_resources
    v = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            v[p] = pkg_resources.get_distribution(p).version
        except Exception:
            v[p] = None
    from rdkit import rdBase
    v["rdkit_build"] = rdBase.rdkitVersion
    return v


def upstream_commit(path):
    try:
        import subprocess
        return subprocess.check_output(["git", "-C", path, "rev-parse", "HEAD"], stderr=subprocess.DEVNULL).decode().strip()
    except Exception:
        return None


def write_json_gz(path, obj):
    raw = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    tmp = Path(str(path) + ".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)
    return len(buf.getvalue())


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def cmd_scan(a):
    up = upstream(a.upstream)
    root = Path(a.datasets)
    found = []
    for prop_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        f = prop_dir / (prop_dir.name + ".csv")
        if not f.exists():
            continue
        with open(f, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        for i, r in enumerate(rows):
            smi = r["smiles"]
            olig = {n: capped(up["aug"], smi, n) for n in UNITS}
            if keeps_h(olig):
                found.append(("%s_%05d" % (prop_dir.name, i), smi))
        print("%s: %d rows scanned, %d kept so far" % (prop_dir.name, len(rows), len(found)), file=sys.stderr)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "smiles"])
        w.writerows(found)
    print("wrote %d units to %s" % (len(found), out), file=sys.stderr)
    return 0


def cmd_fixtures(a):
    up = upstream(a.upstream)
    rows, inputs = [], []
    for path in a.input or ["test/fixtures/polymers/valid.csv", "test/fixtures/trainingEnv/dataset_units.csv"]:
        inputs.append(path)
        rows.extend(dict(r, source=path) for r in read_units(path))
    if a.ids:
        keep = set(a.ids.split(","))
        rows = [r for r in rows if r["id"] in keep]
    selected, jobs = [], []
    for r in rows:
        olig = {n: capped(up["aug"], r["smiles"], n) for n in UNITS}
        if not keeps_h(olig):
            continue
        selected.append((r, olig))
        for n in UNITS:
            if olig[n] is not None:
                jobs.append(((r["id"], n), olig[n]))
    jobs.sort(key=lambda j: -len(j[1]))  # largest first
    t0 = time.time()
    res = run_many(jobs, a.workers, a.timeout,
                   lambda s: print("[%7.1fs] %s" % (time.time() - t0, s), file=sys.stderr, flush=True))
    units, skipped = [], []
    for r, olig in selected:
        mols = {}
        for n in UNITS:
            if olig[n] is None:
                mols[str(n)] = {"smiles": None, "skipped": "generate_multimer_smiles raised"}
                continue
            x = res[(r["id"], n)]
            if "fp" not in x:
                why = "timeout after %ss" % x["timeout"] if "timeout" in x else x.get("error", "?")
                skipped.append("%s/%s: %s" % (r["id"], n, why))
                mols[str(n)] = {"smiles": olig[n], "skipped": why}
                continue
            mols[str(n)] = dict(smiles=olig[n], **x)
        units.append({"id": r["id"], "smiles": r["smiles"], "source": r["source"], "mols": mols})
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    n_bytes = write_json_gz(out / "units.json.gz", {"units": units})
    manifest = {
        "format_version": FORMAT_VERSION,
        "generated_at": now_utc(),
        "generator": "tools/oracle/training_env37.py fixtures",
        "upstream": {"repository": "wuyuhui-zju/PerioGT", "folder": "PerioGT_common",
                     "commit": upstream_commit(up["path"]) or PINNED_UPSTREAM_COMMIT},
        "versions": versions(),
        "selection": "a capped 3/6/9-mer (utils/aug.py generate_multimer_smiles) written with a bracket hydrogen "
                     "(regex %s) or whose MolFromSmiles has a hydrogen atom" % BRACKET_H.pattern,
        "fingerprint": "utils/features.py _fp_md_from_smiles: MACCSkeys.GenMACCSKeys + "
                       "AllChem.GetMorganFingerprintAsBitVect(mol, 4, nBits=1024) of Chem.MolFromSmiles(capped)",
        "descriptors": "utils/features.py _GLOBAL_CALC = mordred.Calculator(descriptors, ignore_3D=True), no shim "
                       "(networkx 2.2 has biconnected_component_subgraphs)",
        "inputs": inputs,
        "capped_units": list(UNITS),
        "timeout_s": a.timeout,
        "counts": {"scanned": len(rows), "units": len(units), "molecules": sum(1 for j in jobs if "fp" in res[j[0]]),
                   "skipped": len(skipped), "bytes": n_bytes, "seconds": round(time.time() - t0, 1)},
        "skipped": skipped,
        "units": [{"id": u["id"], "smiles": u["smiles"], "source": u["source"],
                   "h_atoms": {k: m.get("h_atoms") for k, m in u["mols"].items()}} for u in units],
    }
    with open(out / "units.csv", "w", newline="", encoding="utf-8") as fh:  # pipeline.py --input (network references)
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "smiles"])
        w.writerows([u["id"], u["smiles"]] for u in units)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print("wrote %d units (%d molecules, %.2f MB gz) to %s in %.1fs; skipped %d"
          % (len(units), manifest["counts"]["molecules"], n_bytes / 1e6, out, time.time() - t0, len(skipped)),
          file=sys.stderr)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream", default=os.environ.get("PERIOGT_UPSTREAM", "/work/upstream/PerioGT/PerioGT_common"))
    sub = ap.add_subparsers(dest="cmd")
    s = sub.add_parser("scan")
    s.add_argument("--datasets", default="../shared/data/periogt/datasets")
    s.add_argument("--out", default="test/fixtures/trainingEnv/dataset_units.csv")
    f = sub.add_parser("fixtures")
    f.add_argument("--input", action="append")
    f.add_argument("--out", default="test/fixtures/trainingEnv")
    f.add_argument("--workers", type=int, default=2)
    f.add_argument("--timeout", type=float, default=600.0)
    f.add_argument("--ids", default="")
    a = ap.parse_args(argv)
    assert sys.version_info[:2] == (3, 7), "run under tools/oracle/.venv37 (Python 3.7): " + sys.version
    if a.cmd == "scan":
        return cmd_scan(a)
    if a.cmd == "fixtures":
        return cmd_fixtures(a)
    ap.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
