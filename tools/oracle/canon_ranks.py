#!/usr/bin/env python3
"""Canonical atom ranks (RDKit 2022.09.5 `Chem.CanonicalRankAtoms(Chem.MolFromSmiles(s))`, defaults
breakTies=True, includeChirality=True, includeIsotopes=True) for a broad set of molecules, written as
one deterministic gzip JSON file (mtime 0) that `test/chem/canon*.test.ts` compares against.

Usage (from the repository root; the defaults produce the committed fixture, about 15 s):
    tools/oracle/.venv/bin/python tools/oracle/canon_ranks.py --out test/fixtures/canon/ranks.json.gz
    # defaults: --featurizer test/fixtures/featurizer --datasets ../shared/data/periogt/datasets
    #           --dataset-oracle .cache/oracle/datasets (written by featurize_datasets.sh; skipped if absent)
    #           --unit-stride 2 --oligomer-stride 40 --stereo-stride 4 --stereo-isomers 4
    #           --random-stride 8 --ring-isomers 6 --max-atoms 400
    # everything (not committed): --unit-stride 1 --oligomer-stride 1 --stereo-stride 1 --random-stride 1
    #           --max-atoms 100000 --keep-slow --out .cache/canon/ranks_full.json.gz

Sources (each molecule once, first source wins, order kept):
  extra            hand-written stress cases (stereo, ring stereo, symmetric cages, charges, isotopes)
  extra_random_order  the same, each written in a seeded random atom order
  stereo_variant   stereoisomers of every `stereo-stride`-th dataset unit (plus a random-order copy)
  random_order     every `random-stride`-th dataset unit in a seeded random atom order
  ring_stereo      stereoisomers of substituted ring skeletons (ring stereo), plus random-order copies
  fixture          every string of the featurizer fixtures: input, capped 3/6/9, uncapped 1/2/3,
                   augmented units, prompt-graph SMILES
  dataset_unit     every `unit-stride`-th repeat unit of <datasets>/<prop>/<prop>.csv
  dataset_oligomer capped/uncapped/augmented strings the dataset oracle run wrote
                   (.cache/oracle/datasets/<prop>/*.json.gz), every `stride`-th unit; skipped when absent

Output: {"format": 1, "rdkit": "...", "sources": {...counts}, "molecules": [[smiles, source, [ranks]], ...]}
"""
from __future__ import annotations

import argparse
import csv
import glob
import gzip
import io
import json
import os
import sys

from rdkit import Chem, RDLogger, rdBase

EXTRA = [
    # tetrahedral stereo, specified and unspecified
    "C[C@H](N)C(=O)O", "C[C@@H](N)C(=O)O", "CC(N)C(=O)O", "F[C@](Cl)(Br)I", "F[C@@](Cl)(Br)I",
    "[C@H](F)(Cl)Br", "O[C@@H]1[C@@H](O)[C@H](O)[C@@H](O)[C@H](O)[C@H]1O",
    "OC[C@H]1O[C@@H](O)[C@H](O)[C@@H](O)[C@@H]1O", "C[C@H]1CC[C@@H](C)CC1", "C[C@H]1CC[C@H](C)CC1",
    "C[C@@H]1CC[C@@H](C)CC1", "C[C@H]1C[C@@H](C)C[C@@H](C)C1", "C[C@H]1C[C@H](C)C[C@@H](C)C1",
    "C[C@]12CC[C@H](C1)C2", "C[C@H]1CC2CCCC3CCCC(C1)[C@@H]23", "N[C@@H]1CC[C@H](O)CC1",
    "O[C@H]1CC[C@@H](CC1)[C@H]1CC[C@@H](O)CC1", "C1C[C@H]2CC[C@@H]1CC2", "C[C@@]1(O)CC[C@](C)(O)CC1",
    "*[C@@H]1CC[C@H](*)CC1", "*[C@H]1CC[C@H](*)CC1", "*O[C@H]1[C@H](O)[C@@H](O)[C@H](*)O[C@@H]1CO",
    "C[C@@H]1C[C@H]1C", "C[C@H]1C[C@H]1C", "C[C@H]1[C@@H](C)[C@H]1C", "C[C@H]1[C@H](C)[C@H]1C",
    "C[S@](=O)CC", "C[S@@](=O)c1ccccc1", "C[P@](=O)(O)CC", "[N@+](C)(CC)(CCC)CCCC", "C[C@H]1CO1",
    "C[C@@H](Cl)[C@H](C)Cl", "C[C@@H](Cl)[C@@H](C)Cl", "C[C@H](O)[C@H](O)[C@@H](O)C",
    # double-bond stereo
    "C/C=C/C", "C/C=C\\C", "F/C=C/F", "F/C=C\\F", "C/C=C/C=C/C", "C/C=C\\C=C/C", "CC/C(C)=C(\\C)CC",
    "C/C(F)=C(/F)C", "Cl/C=C/C=C/Cl", "N/N=N/N", "C/N=N/C", "C/N=N\\C", "OC(=O)/C=C\\C(=O)O",
    "OC(=O)/C=C/C(=O)O", "C/C=C/[C@H](C)/C=C/C", "C/C=C/[C@@H](C)/C=C\\C", "C/C=C/C(C)/C=C/C",
    "C1CCC/C=C/CCC1", "C1CCC/C=C\\CCC1", "*/C=C/*", "*/C=C\\*", "[H]/C=C/[H]", "[H]C=C[H]",
    # symmetric graphs (special symmetry pass), cages, fused rings
    "C12C3C4C1C5C2C3C45", "C1C2CC3CC1CC(C2)C3", "C1CC2CCC1CC2", "C1CC2CC1C1CC21",
    "c1ccc2cc3ccccc3cc2c1", "c1cc2ccc3ccc4ccc1c1c2c3c41", "C1CCC2(CC1)CCCCC2", "C1CC11CC1",
    "c1ccccc1-c1ccccc1", "c1ccc(cc1)C(c1ccccc1)(c1ccccc1)c1ccccc1", "C1CCCCCCCCCCC1",
    "C1CC2CCC3CCC4CCC1C1C2C3C41", "c12c3c4c5c1c1c6c7c2c2c8c3c3c9c4c4c%10c5c5c1c1c6c6c%11"
    "c7c2c2c7c8c3c3c8c9c4c4c9c%10c5c5c1c1c6c6c%11c2c2c7c3c3c8c4c4c9c5c1c1c6c2c3c41",
    "C1CC2CC3CCC1C23", "C1C2C3C1C23", "C12C3C1C23", "C1CC1C1CC1", "C1CCC(CC1)C1CCCCC1",
    "c1ccc2c(c1)c1ccccc1c1ccccc21", "C1=CC=CC=CC=C1", "B1NBNBN1",
    "[Si]12[Si]3[Si]4[Si]1[Si]1[Si]2[Si]3[Si]41", "C1CCC2CCCCC2C1", "C1CC2C3CCC4C(CC1)C2C34",
    # charges, isotopes, radicals, hydrogens, fragments
    "[NH4+].[Cl-]", "[O-]C(=O)CC(=O)[O-]", "C[N+](C)(C)C", "[O-][N+](=O)c1ccccc1", "[13CH3]CC[12CH3]",
    "[2H]C([2H])([2H])C", "C[13C](C)C", "[CH2]CC", "[CH]1C=CC=C1", "O.O.O", "[Na+].[Na+].[O-]S(=O)(=O)[O-]",
    "[Fe+2].[Cl-].[Cl-]", "C[O-].[Li+]", "[H]C([H])([H])[H]", "[H][H]", "[2H][2H]", "**", "*C*", "*CC*",
    "*c1ccc(*)cc1", "*C(=O)c1ccc(C(*)=O)cc1", "*[Si](C)(C)O*", "*[Ge](C)(C)*", "C[Sn](C)(C)C",
    "[BH4-].[Na+]", "F[B-](F)(F)F", "C[NH2+]C", "C[N-]C", "[NH3+]CC([O-])=O",
    # aromatic heterocycles and tautomers
    "c1cc[nH]c1", "c1ccncc1", "c1ncncn1", "Cn1cnc2c1c(=O)n(C)c(=O)n2C", "c1ccc2[nH]ccc2c1", "c1ccsc1",
    "o1cccc1", "c1cc2cccc3ccc(c1)c23", "O=c1cc[nH]cc1",
]


# left out of the committed fixture: RDKit MinimalLib 2026.09 (what the TypeScript side parses with)
# takes minutes to perceive stereo on this chain of eight ring-stereo cyclohexylenes (RDKit 2022.09:
# milliseconds); the ranks themselves match. Pass --keep-slow to include it.
SLOW = {
    "C1CCC([C@H]2CC[C@H]([C@H]3CC[C@H]([C@H]4CC[C@H]([C@H]5CC[C@H]([C@H]6CC[C@H]([C@H]7CC[C@H]([C@H]8CC[C@H]"
    "(C9CCCCC9)CC8)CC7)CC6)CC5)CC4)CC3)CC2)CC1",
}


def ranks_of(smiles: str):
    m = Chem.MolFromSmiles(smiles)
    if m is None:
        return None
    return [int(r) for r in Chem.CanonicalRankAtoms(m)]


def fixture_strings(d: str):
    for f in sorted(glob.glob(os.path.join(d, "*.json.gz"))):
        with gzip.open(f, "rt", encoding="utf8") as fh:
            r = json.load(fh)
        yield r.get("smiles")
        for k in ("capped", "uncapped"):
            for n in sorted((r.get(k) or {}).keys()):
                yield r[k][n]
        for s in r.get("augmented") or []:
            yield s
        for s in (r.get("prompt") or {}).get("graph_smiles") or []:
            yield s


def dataset_units(d: str):
    for f in sorted(glob.glob(os.path.join(d, "*", "*.csv"))):
        with open(f, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                yield row["smiles"]


def dataset_oligomers(d: str, stride: int):
    files = sorted(glob.glob(os.path.join(d, "*", "*.json.gz")))
    for k, f in enumerate(files):
        if k % stride:
            continue
        with gzip.open(f, "rt", encoding="utf8") as fh:
            r = json.load(fh)
        for key in ("capped", "uncapped"):
            for n in sorted((r.get(key) or {}).keys()):
                yield r[key][n]
        for s in r.get("augmented") or []:
            yield s


def stereo_variants(units, stride: int, per_unit: int):
    """Stereoisomers (tetrahedral incl. ring stereo, double bonds) of every `stride`-th unit with a
    possible stereo element, each also written in a seeded random atom order."""
    from rdkit.Chem.EnumerateStereoisomers import EnumerateStereoisomers, StereoEnumerationOptions

    opts = StereoEnumerationOptions(onlyUnassigned=True, maxIsomers=per_unit, rand=0xC0FFEE, unique=True)
    k = 0
    for s in units:
        m = Chem.MolFromSmiles(s)
        if m is None:
            continue
        k += 1
        if k % stride:
            continue
        for iso in EnumerateStereoisomers(m, options=opts):
            smi = Chem.MolToSmiles(iso)
            yield smi
            yield from Chem.MolToRandomSmilesVect(iso, 1, randomSeed=k)


RING_SUBST = ["C", "O", "N", "Cl", "*", "CC", "C(=O)O", "c1ccccc1"]
RING_TEMPLATES = [
    # ring skeletons with {} substituent slots (ring stereo candidates)
    "{}C1CCC({})CC1", "{}C1CC({})C1", "{}C1CC({})CCC1", "{}C1CCCC({})C1", "{}C1C({})C1", "{}C1CC({})CCCCC1",
    "{}C1CCC({})CCC1", "{}C1CC({})CC({})C1", "{}C1C({})C({})C1", "{}C1CCC2CC({})CCC2C1", "{}C1CC2({})CCC1C2",
    "{}C1C({})C({})C({})C({})C1{}", "{}C1CCC(CC1)C1CCC({})CC1", "{}C1CC({})C1C1CC({})C1", "{}N1CCN({})CC1",
    "{}C1CCC2(CC1)CCC({})CC2", "{}C12CC({})(C1)C2", "{}C1CCC({})C({})C1", "{}C1=CCC({})CC1", "{}C1CC(=C)CC({})C1",
    "{}[Si]1({})O[Si]({})({})O[Si]({})({})O1", "{}C1C2CC3CC1CC({})C3C2", "C1C({})C2C({})C1C({})C2{}",
]


def ring_stereo_cases(max_isomers: int):
    """Substituted ring skeletons (1,2-/1,3-/1,4-patterns, fused, spiro, bridged) with tetrahedral tags
    set on every sp3 atom of degree 3-4 in every combination (up to `max_isomers`, seeded sample
    beyond), written out and re-parsed, so RDKit's own perception keeps the ring-stereo tags and
    drops the rest; each also in a seeded random atom order."""
    import itertools
    import random

    rnd = random.Random(0xBEEF)
    tags = (Chem.ChiralType.CHI_TETRAHEDRAL_CW, Chem.ChiralType.CHI_TETRAHEDRAL_CCW)
    k = 0
    for t in RING_TEMPLATES:
        slots = t.count("{}")
        subs = itertools.product(RING_SUBST, repeat=slots) if slots <= 2 else (
            tuple(RING_SUBST[(i * (j + 1) + j) % len(RING_SUBST)] for j in range(slots)) for i in range(12))
        for combo in subs:
            m = Chem.MolFromSmiles(t.format(*combo))
            if m is None:
                continue
            cands = [a.GetIdx() for a in m.GetAtoms()
                     if a.GetHybridization() == Chem.HybridizationType.SP3 and a.GetDegree() >= 3]
            if not cands:
                continue
            combos = list(itertools.product((0, 1), repeat=len(cands))) if len(cands) <= 12 else None
            if combos is None or len(combos) > max_isomers:
                combos = [tuple(rnd.randint(0, 1) for _ in cands) for _ in range(max_isomers)]
            for bits in combos:
                rw = Chem.RWMol(m)
                for idx, b in zip(cands, bits):
                    rw.GetAtomWithIdx(idx).SetChiralTag(tags[b])
                smi = Chem.MolToSmiles(rw)
                iso = Chem.MolFromSmiles(smi)
                if iso is None:
                    continue
                k += 1
                yield Chem.MolToSmiles(iso)
                yield from Chem.MolToRandomSmilesVect(iso, 1, randomSeed=k)


def random_orders(it, stride: int):
    """Every `stride`-th molecule of `it` written in a seeded random atom order."""
    for k, s in enumerate(it):
        if k % stride:
            continue
        m = Chem.MolFromSmiles(s)
        if m is not None:
            yield from Chem.MolToRandomSmilesVect(m, 1, randomSeed=k + 1)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--featurizer", default="test/fixtures/featurizer")
    ap.add_argument("--datasets", default="../shared/data/periogt/datasets")
    ap.add_argument("--dataset-oracle", default=".cache/oracle/datasets")
    ap.add_argument("--unit-stride", type=int, default=2)
    ap.add_argument("--oligomer-stride", type=int, default=40)
    ap.add_argument("--stereo-stride", type=int, default=4, help="stereo enumeration over every N-th unit")
    ap.add_argument("--stereo-isomers", type=int, default=4)
    ap.add_argument("--ring-isomers", type=int, default=6)
    ap.add_argument("--random-stride", type=int, default=8, help="random atom order of every N-th unit")
    ap.add_argument("--max-atoms", type=int, default=400, help="skip larger molecules (fixture size)")
    ap.add_argument("--keep-slow", action="store_true", help="keep the SLOW molecules")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    RDLogger.DisableLog("rdApp.*")

    seen: set[str] = set()
    out: list = []
    counts: dict[str, int] = {}

    def add(source: str, it):
        for s in it:
            if not s or s in seen or (s in SLOW and not a.keep_slow):
                continue
            seen.add(s)
            r = ranks_of(s)
            if r is None or len(r) > a.max_atoms:
                continue
            out.append([s, source, r])
            counts[source] = counts.get(source, 0) + 1

    add("extra", EXTRA)
    add("extra_random_order", random_orders(EXTRA, 1))
    add("ring_stereo", ring_stereo_cases(a.ring_isomers))
    add("fixture", fixture_strings(a.featurizer))
    if os.path.isdir(a.datasets):
        units = list(dataset_units(a.datasets))
        add("dataset_unit", units[:: a.unit_stride])
        add("stereo_variant", stereo_variants(units, a.stereo_stride, a.stereo_isomers))
        add("random_order", random_orders(units, a.random_stride))
    if os.path.isdir(a.dataset_oracle):
        add("dataset_oligomer", dataset_oligomers(a.dataset_oracle, a.oligomer_stride))

    doc = {
        "format": 1,
        "what": "Chem.CanonicalRankAtoms(Chem.MolFromSmiles(smiles)) with default arguments",
        "generator": "tools/oracle/canon_ranks.py",
        "rdkit": rdBase.rdkitVersion,
        "unit_stride": a.unit_stride,
        "oligomer_stride": a.oligomer_stride,
        "stereo_stride": a.stereo_stride,
        "stereo_isomers": a.stereo_isomers,
        "random_stride": a.random_stride,
        "ring_isomers": a.ring_isomers,
        "max_atoms": a.max_atoms,
        "sources": counts,
        "molecules": out,
    }
    raw = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf8")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(raw)
    with open(a.out, "wb") as fh:
        fh.write(buf.getvalue())
    print(json.dumps({"out": a.out, "molecules": len(out), "sources": counts, "bytes": len(buf.getvalue())}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
