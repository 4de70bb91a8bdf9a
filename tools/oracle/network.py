#!/usr/bin/env python3
"""Generate network fixtures (synthetic seeded checkpoints + upstream reference outputs).

  tools/oracle/.venv/bin/python tools/oracle/network.py \
      --upstream /work/upstream/PerioGT/PerioGT_common --out test/fixtures/model/tiny [--config tiny|full]

The tiny config is committed under test/fixtures/model/tiny; the full light/base config goes to the
gitignored .cache/oracle/model/full (used by the full parity test and the benchmark).
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from periogt_oracle import network  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream", required=True, help="path to upstream PerioGT_common")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--config", choices=["tiny", "full"], default="tiny")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    cfg = network.TINY if args.config == "tiny" else network.FULL
    meta = network.generate(args.upstream, args.out, dict(cfg), seed=args.seed)
    print(json.dumps({"out": args.out, "cases": meta["cases"]}, indent=1))


if __name__ == "__main__":
    main()
