#!/usr/bin/env python3
"""Featurizer oracle entry point. Usage:

  tools/oracle/.venv/bin/python tools/oracle/featurize.py \\
      --upstream /work/upstream/PerioGT/PerioGT_common \\
      --input test/fixtures/polymers/valid.csv \\
      --invalid test/fixtures/polymers/invalid.csv \\
      --out test/fixtures/featurizer/
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DGLBACKEND", "pytorch")

from periogt_oracle.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
