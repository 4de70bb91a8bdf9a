"""Repeat-unit validation rules (REFERENCE section 3.1).

Upstream PerioGT has no validator: it asserts inside generate_multimer_smiles
and _build_bond_mapping. These rules are implemented here in plain
Python + RDKit; the first rule that fails names the input's rule id.
Rule ids (stable, shared with the TypeScript validator):
  empty, too_long, no_wildcard, unparsable, wildcard_count,
  wildcard_degree, no_atom, wildcard_bond_mismatch
"""

from __future__ import annotations

from rdkit import Chem

MAX_LEN = 2000
RULE_IDS = ("empty", "too_long", "no_wildcard", "unparsable", "wildcard_count",
            "wildcard_degree", "no_atom", "wildcard_bond_mismatch")


def validate(smiles: str) -> tuple[str | None, str | None]:
    """Return (rule_id, message) of the first broken rule, or (None, None)."""
    if smiles is None or smiles.strip() == "":
        return "empty", "SMILES string is empty."
    if len(smiles) > MAX_LEN:
        return "too_long", f"SMILES too long ({len(smiles)} chars, max {MAX_LEN})."
    if "*" not in smiles:
        return "no_wildcard", "SMILES must include polymer connection points using '*'."
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return "unparsable", "Invalid SMILES: RDKit could not parse this structure."
    stars = [a for a in mol.GetAtoms() if a.GetSymbol() == "*"]
    if len(stars) != 2:
        return "wildcard_count", f"Expected exactly 2 '*' connection points, found {len(stars)}."
    for a in stars:
        if a.GetDegree() != 1:
            return "wildcard_degree", (f"Each '*' must have exactly one neighbour; "
                                       f"atom {a.GetIdx()} has {a.GetDegree()}.")
    if stars[0].GetNeighbors()[0].GetIdx() == stars[1].GetIdx():
        # `**`: no atom at all (upstream would cap it to [HH].[HH]); a unit periogt refuses
        return "no_atom", "The two '*' are bonded to each other: the repeat unit has no atom."
    t = [a.GetBonds()[0].GetBondType() for a in stars]
    if t[0] != t[1]:
        return "wildcard_bond_mismatch", (f"The two '*' bonds differ in type: "
                                          f"{t[0].name} and {t[1].name}.")
    return None, None
