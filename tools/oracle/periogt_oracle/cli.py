"""CLI: featurize repeat units with upstream PerioGT and write fixtures."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from . import FIXTURE_FORMAT_VERSION, PINNED_UPSTREAM_COMMIT
from . import io as fio
from .manifest import now_utc, versions
from .prompt import RULE_TEXT
from .validate import RULE_IDS

_SAFE = re.compile(r"^[A-Za-z0-9_.-]+$")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--upstream", required=True, help="path to PerioGT_common of the pinned upstream commit")
    ap.add_argument("--upstream-commit", default=None,
                    help=f"commit of --upstream when it is not a git work tree (default {PINNED_UPSTREAM_COMMIT})")
    ap.add_argument("--input", action="append", default=[], help="CSV with columns id?,smiles[,family,note]; repeatable")
    ap.add_argument("--invalid", action="append", default=[], help="CSV with columns id,smiles,rule; repeatable")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--id-prefix", default="", help="prefix for generated ids (inputs without an id column)")
    ap.add_argument("--match-timeout", type=float, default=3.0,
                    help="SafeSubstructureMatcher timeout in seconds (upstream default 3)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N rows of each input (debugging)")
    ap.add_argument("--quiet", action="store_true")
    return ap.parse_args(argv)


def _rows(path: str, kind: str, prefix: str, limit: int):
    rows = fio.read_csv(path)
    if limit:
        rows = rows[:limit]
    stem = Path(path).stem
    out = []
    for i, r in enumerate(rows):
        uid = r.get("id") or f"{prefix}{stem}_{i:05d}"
        if not _SAFE.match(uid):
            raise SystemExit(f"{path}: id {uid!r} is not a safe file name")
        extra = {k: v for k, v in r.items() if k not in ("id", "smiles", "rule", "value")}
        out.append((uid, r.get("smiles", ""), extra, r.get("rule") if kind == "invalid" else None, kind))
    return out


def main(argv=None) -> int:
    a = parse_args(argv)
    from .upstream import load
    up = load(a.upstream)
    commit = up.commit or a.upstream_commit or PINNED_UPSTREAM_COMMIT
    from .featurizer import Featurizer
    fz = Featurizer(up, match_timeout=a.match_timeout)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)

    todo = []
    for p in a.input:
        todo += _rows(p, "valid", a.id_prefix, a.limit)
    for p in a.invalid:
        todo += _rows(p, "invalid", a.id_prefix, a.limit)
    seen = set()
    for t in todo:
        if t[0] in seen:
            raise SystemExit(f"duplicate id {t[0]}")
        seen.add(t[0])

    units, t0 = [], time.time()
    n_exc = n_bytes = 0
    mismatches = []
    for k, (uid, smi, extra, exp_rule, kind) in enumerate(todo):
        t1 = time.time()
        rec = fz.run(uid, smi, extra, expected_rule=exp_rule)
        rec["input"] = kind
        dt = time.time() - t1
        n_bytes += fio.write_json_gz(out / f"{uid}.json.gz", rec)
        errs = rec["errors"]
        if rec["valid"] and errs:
            n_exc += 1
        if kind == "invalid" and rec["rule"] != exp_rule:
            mismatches.append(f"{uid}: expected {exp_rule}, oracle says {rec['rule']}")
        if kind == "valid" and not rec["valid"]:
            mismatches.append(f"{uid}: listed as valid, oracle says {rec['rule']}")
        pr = rec.get("prompt") or {}
        units.append({
            "id": uid, "file": f"{uid}.json.gz", "input": kind, "valid": rec["valid"], "rule": rec["rule"],
            "n_candidates": len(pr.get("candidates", [])), "n_prompt_graphs": len(pr.get("graphs", [])),
            "upstream_errors": sorted({f"{e['stage']}:{e['type']}" for e in errs}),
        })
        if not a.quiet:
            print(f"[{k + 1}/{len(todo)}] {uid} valid={rec['valid']} rule={rec['rule']} "
                  f"graphs={units[-1]['n_prompt_graphs']} errors={units[-1]['upstream_errors']} {dt:.2f}s",
                  file=sys.stderr, flush=True)
    fz.close()
    manifest = {
        "format_version": FIXTURE_FORMAT_VERSION,
        "generated_at": now_utc(),
        "generator": "tools/oracle/featurize.py",
        "upstream": {"repository": "wuyuhui-zju/PerioGT", "folder": "PerioGT_common", "commit": commit},
        "versions": versions(),
        "prompt_selection_rule": RULE_TEXT,
        "prompt_n_values": [1],
        "capped_units": [3, 6, 9],
        "uncapped_units": [1, 2, 3],
        "match_timeout_s": a.match_timeout,
        "rule_ids": list(RULE_IDS),
        "inputs": a.input + a.invalid,
        "counts": {
            "units": len(units),
            "valid": sum(u["valid"] for u in units),
            "invalid": sum(not u["valid"] for u in units),
            "valid_with_upstream_errors": n_exc,
            "bytes": n_bytes,
            "seconds": round(time.time() - t0, 1),
        },
        "label_mismatches": mismatches,
        "units": units,
    }
    fio.write_json(out / "manifest.json", manifest)
    print(f"wrote {len(units)} fixtures ({n_bytes / 1e6:.2f} MB gz) to {out} in {time.time() - t0:.1f}s; "
          f"valid with upstream errors: {n_exc}; label mismatches: {len(mismatches)}", file=sys.stderr)
    for m in mismatches:
        print("MISMATCH " + m, file=sys.stderr)
    return 1 if mismatches else 0
