#!/usr/bin/env python
"""How much mordred's own values move when the same molecule's atoms are renumbered — the evidence for
descriptors that no implementation can reproduce beyond that noise (README, "Featurizer and descriptors").

Usage (from the repository root):
  tools/oracle/.venv/bin/python tools/oracle/renumbering_noise.py --smiles '<SMILES>' [--module AdjacencyMatrix] \
      [--names VE1_A,VR1_A] [--orders 4]
Prints, per descriptor, mordred's value on the molecule as parsed and the largest relative change over
`--orders` random atom orders (seeded, Chem.RenumberAtoms). Eigenvector descriptors of long chains whose
leading eigenvector has components near 1e-11 (VR1_A ~ 1e11) move by 1e-5 and more."""

from __future__ import annotations

import argparse
import importlib
import random

from rdkit import Chem
from mordred import Calculator


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smiles", required=True)
    ap.add_argument("--module", default="AdjacencyMatrix", help="mordred descriptor module")
    ap.add_argument("--names", default="", help="comma-separated descriptor names (default: all of the module)")
    ap.add_argument("--orders", type=int, default=4)
    a = ap.parse_args()
    calc = Calculator(importlib.import_module(f"mordred.{a.module}"))
    names = [str(d) for d in calc.descriptors]
    keep = set(a.names.split(",")) if a.names else set(names)
    mol = Chem.MolFromSmiles(a.smiles)
    base = calc(mol)
    worst = {n: 0.0 for n in names if n in keep}
    for seed in range(a.orders):
        order = list(range(mol.GetNumAtoms()))
        random.Random(seed).shuffle(order)
        other = calc(Chem.RenumberAtoms(mol, order))
        for n, x, y in zip(names, base, other):
            if n in worst and isinstance(x, float) and x != 0:
                worst[n] = max(worst[n], abs(x - y) / abs(x))
    print(f"{mol.GetNumAtoms()} atoms, {a.orders} random atom orders")
    for n, x in zip(names, base):
        if n in worst:
            print(f"  {n:10s} {x!r:>24}  largest relative change {worst[n]:.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
