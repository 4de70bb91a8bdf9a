#!/usr/bin/env python3
"""Molecule-layer oracle: every atom and bond property that `core/chem/molecule` (the `Molecule`
interface of core/chem/molecule/types.ts) holds, as RDKit 2022.09.5 computes it for
`Chem.MolFromSmiles(smiles)` (default sanitization, RDKit 2022.09's default legacy stereo
perception), for every distinct SMILES of the featurizer fixtures. test/chem/moleculeLayer.test.ts
parses the same strings with the TypeScript layer and compares field by field.

Usage (from the repository root; about 40 s of CPU, a third of it reading the featurizer fixtures):
    tools/oracle/.venv/bin/python tools/oracle/molecule.py \\
        --featurizer test/fixtures/featurizer --out test/fixtures/molecule

Molecules: every string of test/fixtures/featurizer/*.json.gz (files in name order) - the input
`smiles`, capped 3/6/9-mers, uncapped 1/2/3-mers, augmented units, prompt-graph SMILES - each once,
in order of first appearance. Strings RDKit cannot parse are listed in the manifest (`unparsable`);
the empty string (invalid input inv001) parses to a molecule without atoms and is kept.

What each field is (RDKit 2022.09.5 Python API on the molecule MolFromSmiles returns):
  atom  atomicNum GetAtomicNum · isotope GetIsotope · formalCharge GetFormalCharge ·
        radicalElectrons GetNumRadicalElectrons · totalHs GetTotalNumHs() · degree GetDegree ·
        aromatic GetIsAromatic · hybridization int(GetHybridization()) (RDKit 2022.09 numbering,
        names in `enums.hybridization`) · atomInRing IsInRing · chiralTag int(GetChiralTag())
        (names in `enums.chiralTag`) · chiralityPossible HasProp('_ChiralityPossible') ·
        cip 0 none, 1 R, 2 S from the legacy `_CIPCode`; 3 "possible but unassigned" (see below) ·
        cipRank GetIntProp('_CIPRank') · mass GetMass()
  bond  bondBegin/bondEnd GetBegin/EndAtomIdx · bondType int(GetBondType()) (names in
        `enums.bondType`) · kekuleOrder int(GetBondTypeAsDouble()) after Chem.Kekulize(copy,
        clearAromaticFlags=True) · conjugated GetIsConjugated · bondInRing IsInRing ·
        bondStereo int(GetStereo()) (names in `enums.bondStereo`) · bondStereoAtoms
        GetStereoAtoms() (two per bond, -1 -1 when empty)
  ring  GetRingInfo().AtomRings() in order, each ring's atoms in RDKit's order
  adj   for each atom, atom.GetBonds() in order: the neighbour (adjAtom) and bond index (adjBond)

The legacy `_CIPCode` / `_CIPRank` / `_ChiralityPossible` / bond stereo that MolFromSmiles leaves
are checked (the script fails otherwise) to be exactly what a forced
`Chem.AssignStereochemistry(m, cleanIt=True, force=True, flagPossibleStereoCenters=True)` sets, and,
but for `_ChiralityPossible`, what `AssignStereochemistry(m, cleanIt=True, force=True)` sets: without
flagPossibleStereoCenters a forced re-run drops `_ChiralityPossible` from unspecified centres (e.g.
atom 2 of `*CC(*)(C)C(=O)OC`), which MolFromSmiles, upstream's featurizer input, keeps.

cip == 3 ("possible but unassigned", the layer's Cip.Unassigned): no legacy R/S code, and either
`_ChiralityPossible` or a ring-stereo candidate (`_ringStereochemCand`) that keeps a tetrahedral
tag. The TypeScript layer takes this set from MinimalLib's JSMol::get_stereo_tags, whose rule is: on
the molecule, AssignStereochemistry(cleanIt=True, force=True, flagPossibleStereoCenters=True) then
the new CIP labeler (rdCIPLabeler.AssignCIPLabels); an atom is listed if it then has `_CIPCode` or
`_ChiralityPossible`. `--check-tags N` replays exactly that rule with RDKit 2022.09.5 and fails if
it differs from the rule above on any molecule with at most N ring-stereo candidates (the labeler
is exponential on chains of ring-stereo cyclohexylenes, e.g. the capped 6- and 9-mers of
`*[C@@H]1CC[C@H](*)CC1`, so those are left out of the check). Nothing downstream reads cip == 3
(the features read R and S only).

Output: <out>/molecules.json.gz (deterministic gzip, mtime 0) and <out>/manifest.json.
"""
from __future__ import annotations

import argparse
import glob
import gzip
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from rdkit import Chem, RDLogger, rdBase  # noqa: E402
from rdkit.Chem import rdCIPLabeler  # noqa: E402

from periogt_oracle.io import write_json, write_json_gz  # noqa: E402
from periogt_oracle.manifest import now_utc, versions  # noqa: E402

FORMAT = 1
TETRAHEDRAL = (Chem.ChiralType.CHI_TETRAHEDRAL_CW, Chem.ChiralType.CHI_TETRAHEDRAL_CCW)
OUT_FILE = "molecules.json.gz"

ATOM_FIELDS = ("atomicNum", "isotope", "formalCharge", "radicalElectrons", "totalHs", "degree",
               "aromatic", "hybridization", "atomInRing", "chiralTag", "chiralityPossible", "cip",
               "cipRank", "mass")
BOND_FIELDS = ("bondBegin", "bondEnd", "bondType", "kekuleOrder", "conjugated", "bondInRing",
               "bondStereo")


def fixture_strings(d: str):
    """(smiles, source) for every string of the featurizer fixtures, file by file in name order."""
    files = sorted(glob.glob(os.path.join(d, "*.json.gz")))
    if not files:
        raise SystemExit(f"no featurizer fixtures in {d}")
    for f in files:
        with gzip.open(f, "rt", encoding="utf8") as fh:
            r = json.load(fh)
        yield r.get("smiles"), "input"
        for k in ("capped", "uncapped"):
            for n in sorted((r.get(k) or {}).keys(), key=int):
                yield r[k][n], f"{k}_{n}"
        for s in r.get("augmented") or []:
            yield s, "augmented"
        for s in (r.get("prompt") or {}).get("graph_smiles") or []:
            yield s, "prompt_graph"


def enum_names(enum) -> list[str]:
    vals = dict(enum.values)
    return [str(vals[i]).rsplit(".", 1)[-1] if i in vals else None for i in range(max(vals) + 1)]


def stereo_state(m: Chem.Mol):
    return (
        [(a.GetPropsAsDict().get("_CIPCode"), a.GetIntProp("_CIPRank") if a.HasProp("_CIPRank") else None,
          a.HasProp("_ChiralityPossible"), int(a.GetChiralTag())) for a in m.GetAtoms()],
        [(int(b.GetStereo()), tuple(b.GetStereoAtoms())) for b in m.GetBonds()],
    )


def without_possible(state):
    return [(c, r, t) for c, r, _, t in state[0]], state[1]


def tagged_atoms(m: Chem.Mol) -> set[int]:
    """Atoms JSMol::get_stereo_tags would list (see module docstring)."""
    c = Chem.Mol(m)
    Chem.AssignStereochemistry(c, cleanIt=True, force=True, flagPossibleStereoCenters=True)
    rdCIPLabeler.AssignCIPLabels(c)
    return {a.GetIdx() for a in c.GetAtoms() if a.HasProp("_CIPCode") or a.HasProp("_ChiralityPossible")}


def possible_unassigned(m: Chem.Mol) -> set[int]:
    """Atoms without a legacy R/S code that are possible stereocentres: `_ChiralityPossible`, or a
    ring-stereo candidate (`_ringStereochemCand`) that keeps a tetrahedral tag."""
    out = set()
    for a in m.GetAtoms():
        if a.HasProp("_CIPCode"):
            continue
        if a.HasProp("_ChiralityPossible") or (a.HasProp("_ringStereochemCand") and a.GetChiralTag() in TETRAHEDRAL):
            out.add(a.GetIdx())
    return out


def describe(m: Chem.Mol, out: dict, check_tags_limit: int | None = None) -> bool:
    """Appends m's properties to `out`; True if the cip rule was checked against get_stereo_tags'."""
    state = stereo_state(m)
    forced = Chem.Mol(m)
    Chem.AssignStereochemistry(forced, cleanIt=True, force=True, flagPossibleStereoCenters=True)
    if stereo_state(forced) != state:
        raise SystemExit(f"AssignStereochemistry(cleanIt=True, force=True, flagPossibleStereoCenters=True) "
                         f"changes {Chem.MolToSmiles(m)}")
    forced = Chem.Mol(m)
    Chem.AssignStereochemistry(forced, cleanIt=True, force=True)
    if without_possible(stereo_state(forced)) != without_possible(state):
        raise SystemExit(f"AssignStereochemistry(cleanIt=True, force=True) changes {Chem.MolToSmiles(m)}")
    tags = possible_unassigned(m)
    check_tags = None
    if check_tags_limit is not None:
        n_ring = sum(1 for a in m.GetAtoms() if a.HasProp("_ringStereochemCand"))
        if n_ring <= check_tags_limit:
            check_tags = {i for i in tagged_atoms(m) if not m.GetAtomWithIdx(i).HasProp("_CIPCode")}
    kek = Chem.Mol(m)
    Chem.Kekulize(kek, clearAromaticFlags=True)

    A, B = out["atom"], out["bond"]
    for a in m.GetAtoms():
        i = a.GetIdx()
        code = a.GetProp("_CIPCode") if a.HasProp("_CIPCode") else ""
        if code not in ("", "R", "S"):
            raise SystemExit(f"unexpected legacy _CIPCode {code!r}")
        cip = 1 if code == "R" else 2 if code == "S" else 3 if i in tags else 0
        if check_tags is not None and (cip == 3) != (i in check_tags):
            raise SystemExit(f"cip rule differs from get_stereo_tags' for atom {i} of {Chem.MolToSmiles(m)}")
        A["atomicNum"].append(a.GetAtomicNum())
        A["isotope"].append(a.GetIsotope())
        A["formalCharge"].append(a.GetFormalCharge())
        A["radicalElectrons"].append(a.GetNumRadicalElectrons())
        A["totalHs"].append(a.GetTotalNumHs())
        A["degree"].append(a.GetDegree())
        A["aromatic"].append(int(a.GetIsAromatic()))
        A["hybridization"].append(int(a.GetHybridization()))
        A["atomInRing"].append(int(a.IsInRing()))
        A["chiralTag"].append(int(a.GetChiralTag()))
        A["chiralityPossible"].append(int(a.HasProp("_ChiralityPossible")))
        A["cip"].append(cip)
        A["cipRank"].append(a.GetIntProp("_CIPRank"))
        A["mass"].append(a.GetMass())
        for b in a.GetBonds():
            out["adj"]["atom"].append(b.GetOtherAtomIdx(i))
            out["adj"]["bond"].append(b.GetIdx())
    for b in m.GetBonds():
        B["bondBegin"].append(b.GetBeginAtomIdx())
        B["bondEnd"].append(b.GetEndAtomIdx())
        B["bondType"].append(int(b.GetBondType()))
        B["kekuleOrder"].append(int(kek.GetBondWithIdx(b.GetIdx()).GetBondTypeAsDouble()))
        B["conjugated"].append(int(b.GetIsConjugated()))
        B["bondInRing"].append(int(b.IsInRing()))
        B["bondStereo"].append(int(b.GetStereo()))
        sa = list(b.GetStereoAtoms())
        if len(sa) not in (0, 2):
            raise SystemExit(f"bond with {len(sa)} stereo atoms")
        B["bondStereoAtoms"].extend(sa if sa else [-1, -1])
    rings = m.GetRingInfo().AtomRings()
    out["numRings"].append(len(rings))
    for r in rings:
        out["ring"]["size"].append(len(r))
        out["ring"]["atoms"].extend(r)
    return check_tags is not None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--featurizer", default="test/fixtures/featurizer")
    ap.add_argument("--out", default="test/fixtures/molecule")
    ap.add_argument("--check-tags", type=int, default=None, metavar="N",
                    help="also check the cip == 3 rule against get_stereo_tags' (rdCIPLabeler) on every "
                         "molecule with at most N ring-stereo candidates (the labeler is exponential on "
                         "chains of ring-stereo cyclohexylenes; 6 takes about a minute)")
    a = ap.parse_args()
    RDLogger.DisableLog("rdApp.*")
    if hasattr(Chem, "GetUseLegacyStereoPerception") and not Chem.GetUseLegacyStereoPerception():
        raise SystemExit("RDKit is not using the legacy stereo perception")
    t0 = time.time()

    doc: dict = {
        "format": FORMAT,
        "what": "Chem.MolFromSmiles(smiles) (default sanitization, legacy stereo): per-atom and per-bond "
                "properties, concatenated over molecules in order; see tools/oracle/molecule.py",
        "rdkit": rdBase.rdkitVersion,
        "enums": {
            "hybridization": enum_names(Chem.HybridizationType),
            "chiralTag": enum_names(Chem.ChiralType),
            "bondType": enum_names(Chem.BondType),
            "bondStereo": enum_names(Chem.BondStereo),
            "cip": ["none", "R", "S", "possible_unassigned"],
        },
        "smiles": [], "numAtoms": [], "numBonds": [], "numRings": [],
        "atom": {f: [] for f in ATOM_FIELDS},
        "bond": {f: [] for f in BOND_FIELDS + ("bondStereoAtoms",)},
        "ring": {"size": [], "atoms": []},
        "adj": {"atom": [], "bond": []},
    }
    seen: set[str] = set()
    sources: dict[str, int] = {}
    unparsable: list[str] = []
    n_strings = 0
    tags_checked = 0
    for s, src in fixture_strings(a.featurizer):
        if s is None or s in seen:
            continue
        seen.add(s)
        n_strings += 1
        m = Chem.MolFromSmiles(s)
        if m is None:
            unparsable.append(s)
            continue
        doc["smiles"].append(s)
        doc["numAtoms"].append(m.GetNumAtoms())
        doc["numBonds"].append(m.GetNumBonds())
        sources[src] = sources.get(src, 0) + 1
        tags_checked += describe(m, doc, a.check_tags)

    os.makedirs(a.out, exist_ok=True)
    from pathlib import Path

    out = Path(a.out)
    nbytes = write_json_gz(out / OUT_FILE, doc)
    manifest = {
        "format_version": FORMAT,
        "generated_at": now_utc(),
        "generator": "tools/oracle/molecule.py",
        "command": "tools/oracle/.venv/bin/python tools/oracle/molecule.py "
                   f"--featurizer {a.featurizer} --out {a.out}",
        "versions": versions(),
        "legacy_stereo_perception": True,
        "file": OUT_FILE,
        "inputs": {"featurizer": a.featurizer,
                   "featurizer_files": len(glob.glob(os.path.join(a.featurizer, "*.json.gz")))},
        "counts": {
            "distinct_strings": n_strings,
            "molecules": len(doc["smiles"]),
            "unparsable": len(unparsable),
            "atoms": len(doc["atom"]["atomicNum"]),
            "bonds": len(doc["bond"]["bondBegin"]),
            "rings": len(doc["ring"]["size"]),
            "max_atoms": max(doc["numAtoms"]),
            "bytes": nbytes,
            "seconds": round(time.time() - t0, 1),
        },
        "sources": sources,
        "unparsable": unparsable,
    }
    write_json(out / "manifest.json", manifest)
    print(json.dumps({"out": str(out / OUT_FILE), **manifest["counts"],
                      **({"cip_rule_checked_against_stereo_tags": tags_checked} if a.check_tags is not None else {})}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
