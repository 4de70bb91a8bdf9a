#!/usr/bin/env python
"""Write test/fixtures/descriptors/crippen-large.json: RDKit 2022.09's Crippen logP and MR (Crippen.MolLogP,
Crippen.MolMR) and mordred 1.2.0's SLogP and SMR of molecules with more than 1000 hydrogens, where RDKit's
SubstructMatch stops each hydrogen pattern at 1000 matches (its default maxMatches) and leaves the
hydrogens past them without a type.

Usage (from the repository root):
  tools/oracle/.venv/bin/python tools/oracle/crippen_large.py [--out test/fixtures/descriptors/crippen-large.json]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from periogt_oracle import io as fio  # noqa: E402
from periogt_oracle.manifest import now_utc, versions  # noqa: E402

MOLECULES = {
    # linear alkanes: 1042 and 2002 hydrogens
    "C520": "C" * 520,
    "C1000": "C" * 1000,
    # branched, aromatic, hydroxyl groups on both sides of the 1000th hydrogen (1096 hydrogens)
    "branched": "c1ccccc1" + "CC(CCCC)(O)" * 45 + "Cc1ccc(O)cc1" + "CC(CCCC)(O)" * 45 + "C",
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="test/fixtures/descriptors/crippen-large.json")
    a = ap.parse_args(argv)
    from rdkit import Chem
    from rdkit.Chem import Crippen
    from mordred import Calculator
    from mordred.SLogP import SLogP, SMR
    calc = Calculator([SLogP, SMR])
    rows = []
    for key, smi in MOLECULES.items():
        mol = Chem.MolFromSmiles(smi)
        slogp, smr = (float(x) for x in calc(mol))
        rows.append({"id": key, "smiles": smi, "heavy_atoms": mol.GetNumAtoms(),
                     "hydrogens": sum(at.GetTotalNumHs() for at in mol.GetAtoms()),
                     "MolLogP": Crippen.MolLogP(mol), "MolMR": Crippen.MolMR(mol), "SLogP": slogp, "SMR": smr})
    fio.write_json(Path(a.out), {"generator": "tools/oracle/crippen_large.py", "generated_at": now_utc(),
                                 "versions": versions(), "molecules": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
