"""Featurizer oracle: for one repeat unit, call upstream PerioGT's own functions and
return a JSON-ready record (see tools/oracle/README.md for the format).

Upstream functions called (nothing of them is reimplemented here):
  utils/aug.py            generate_multimer_smiles, periodicity_augment_traverse
  utils/features.py       _fp_md_from_smiles (MACCS + Morgan r4 1024; Mordred stubbed out)
  utils/function.py       preprocess_batch_light, SafeSubstructureMatcher
  data/smiles2g_light.py  PolyGraphBuilderFinetune._build_bond_mapping,
                          _generate_augmented_graphs (-> _build_graph_with_bid),
                          _build_without_prompt
The only substitution is _random_select, replaced by prompt.RecordingSelect.
"""

from __future__ import annotations

import logging
import re
import traceback
import types
from contextlib import contextmanager

import numpy as np
from rdkit import Chem, rdBase

from . import prompt as prompt_rule
from .upstream import Upstream
from .validate import validate

CAPPED_UNITS = (3, 6, 9)
UNCAPPED_UNITS = (1, 2, 3)

# ---------------------------------------------------------------- RDKit log capture
_rd_buf: list[str] = []


class _RdHandler(logging.Handler):
    def emit(self, record):
        _rd_buf.append(re.sub(r"^\[\d\d:\d\d:\d\d\] ", "", record.getMessage()).strip())


def _install_rdkit_log_capture():
    rdBase.LogToPythonLogger()
    lg = logging.getLogger("rdkit")
    lg.handlers = [_RdHandler()]
    lg.propagate = False
    lg.setLevel(logging.DEBUG)


@contextmanager
def _rdkit_messages(out: list):
    start = len(_rd_buf)
    try:
        yield
    finally:
        out.extend(_rd_buf[start:])
        del _rd_buf[start:]


def _err(stage: str, e: BaseException, rdkit_log: list | None = None) -> dict:
    tb = traceback.extract_tb(e.__traceback__)
    where = None
    for fr in reversed(tb):
        if "periogt_oracle" not in fr.filename:
            fn = fr.filename.split("PerioGT_common/")[-1].split("site-packages/")[-1]
            where = f"{fn}:{fr.lineno} in {fr.name}"
            break
    d = {"stage": stage, "type": type(e).__name__, "message": str(e)}
    if where:
        d["where"] = where
    if rdkit_log:
        d["rdkit_log"] = list(rdkit_log)
    return d


# ---------------------------------------------------------------- encodings
def _sparse(t) -> dict:
    """Dense float tensor -> {shape, idx (flat row-major indices of non-zero
    entries), val (their float32 values as Python floats, repr precision)}."""
    a = t.detach().cpu().numpy()
    flat = a.reshape(-1)
    nz = np.flatnonzero(flat)
    return {"shape": list(a.shape), "idx": nz.tolist(), "val": [float(v) for v in flat[nz]]}


def _ints(t) -> list:
    return t.detach().cpu().numpy().astype(np.int64).reshape(-1).tolist()


def _bools(t) -> list:
    return t.detach().cpu().numpy().astype(np.int64).reshape(-1).tolist()


def _ranks_and_node_atoms(smiles: str):
    """Oracle-derived debugging aid (not an upstream tensor): the canonical ranks
    upstream feeds to RenumberAtoms, and for every non-virtual node the pair of
    (renumbered) atom indices it stands for, following upstream's node order."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None, None
    ranks = list(Chem.rdmolfiles.CanonicalRankAtoms(mol))
    mol = Chem.rdmolops.RenumberAtoms(mol, ranks)
    pairs, bonded = [], set()
    for b in mol.GetBonds():
        i, j = sorted((b.GetBeginAtomIdx(), b.GetEndAtomIdx()))
        pairs.append([i, j])
        bonded.update((i, j))
    for a in range(mol.GetNumAtoms()):
        if a not in bonded:
            pairs.append([a, -1])
    return ranks, pairs


def encode_graph(g, smiles: str | None = None, with_bid: bool = True) -> dict:
    src, dst = g.edges()
    d = {
        "num_nodes": int(g.num_nodes()),
        "num_edges": int(g.num_edges()),
        "begin_end": _sparse(g.ndata["begin_end"]),
        "edge": _sparse(g.ndata["edge"]),
        "vavn": _ints(g.ndata["vavn"]),
    }
    if with_bid and "bid" in g.ndata:
        d["bid"] = _ints(g.ndata["bid"])
    d.update({
        "src": _ints(src),
        "dst": _ints(dst),
        "path": _ints(g.edata["path"]),
        "lgp": _bools(g.edata["lgp"]),
        "mgp": _bools(g.edata["mgp"]),
        "vp": _bools(g.edata["vp"]),
        "sl": _bools(g.edata["sl"]),
    })
    if smiles is not None:
        ranks, pairs = _ranks_and_node_atoms(smiles)
        d["ranks"] = ranks
        d["node_atoms"] = pairs
    return d


def _graphs_equal(a, b, keys_n=("begin_end", "edge", "vavn"), keys_e=("path", "lgp", "mgp", "vp", "sl")) -> bool:
    if a.num_nodes() != b.num_nodes() or a.num_edges() != b.num_edges():
        return False
    sa, da = a.edges()
    sb, db = b.edges()
    if not (bool((sa == sb).all()) and bool((da == db).all())):
        return False
    for k in keys_n:
        if not bool((a.ndata[k] == b.ndata[k]).all()):
            return False
    for k in keys_e:
        if not bool((a.edata[k] == b.edata[k]).all()):
            return False
    return True


# ---------------------------------------------------------------- the oracle
class Featurizer:
    def __init__(self, up: Upstream, match_timeout: float = 3.0):
        self.up = up
        _install_rdkit_log_capture()
        # utils/features.py computes Mordred in the same call as the fingerprint;
        # the descriptor part is stubbed out here (a later descriptors.py does it).
        self._fp_fn = up.features._fp_md_from_smiles

        class _NoMordred:
            def __call__(self, mol):
                return {}
        up.features._GLOBAL_CALC = _NoMordred()

        B = up.smiles2g.PolyGraphBuilderFinetune
        self.select = prompt_rule.RecordingSelect()
        B._random_select = staticmethod(self.select)
        args = types.SimpleNamespace(use_prompt=False)
        self.builder = B(args, scaler=None)
        self.builder.matcher = up.function.SafeSubstructureMatcher(timeout=match_timeout)
        # Record every _build_graph_with_bid call (upstream swallows IndexError).
        self._bid_calls: list = []
        orig = B._build_graph_with_bid
        calls = self._bid_calls

        def _wrapped(this, smiles, two_mer, query_dict, is_base):
            try:
                g = orig(this, smiles, two_mer, query_dict, is_base)
                calls.append({"smiles": smiles, "is_base": is_base, "error": None, "none": g is None})
                return g
            except Exception as e:  # re-raised: upstream decides what to do with it
                calls.append({"smiles": smiles, "is_base": is_base, "error": _err("build_graph_with_bid", e), "none": False})
                raise
        self.builder._build_graph_with_bid = types.MethodType(_wrapped, self.builder)

    def close(self):
        try:
            self.builder.matcher.shutdown()
        except Exception:
            pass

    # -- stages -------------------------------------------------------------
    def _stage(self, errors: list, stage: str, fn, *a, **kw):
        log: list = []
        try:
            with _rdkit_messages(log):
                return fn(*a, **kw), True
        except Exception as e:
            errors.append(_err(stage, e, log))
            return None, False

    def fingerprint(self, smiles: str) -> dict:
        res = self._fp_fn(smiles)
        if res is None or len(res) != 3 or res[1] is None:
            raise ValueError(f"upstream _fp_md_from_smiles returned {res!r}")
        bits = [int(x) for x in res[1]]
        return {"n": len(bits), "on": [i for i, b in enumerate(bits) if b]}

    def run(self, uid: str, smiles: str, extra: dict | None = None, expected_rule: str | None = None) -> dict:
        rec: dict = {"id": uid, "smiles": smiles}
        if extra:
            rec.update(extra)
        rule, msg = validate(smiles)
        rec["valid"] = rule is None
        rec["rule"] = rule
        rec["message"] = msg
        if expected_rule is not None or rule is not None:
            rec["expected_rule"] = expected_rule
        errors: list = []
        rec["errors"] = errors
        up = self.up
        gms = up.aug.generate_multimer_smiles

        if rule is not None:
            # What upstream itself does with this input (it has no validator).
            log: list = []
            with _rdkit_messages(log):
                m = Chem.MolFromSmiles(smiles) if smiles is not None else None
            rec["rdkit_parse_log"] = log
            self._stage(errors, "capped_3", gms, 3, smiles, replace_dummy_atoms=True)
            self._stage(errors, "augment", up.aug.periodicity_augment_traverse, smiles)
            self._stage(errors, "bond_mapping", self.builder._build_bond_mapping, smiles)
            return rec

        # 1. oligomers
        capped, uncapped = {}, {}
        for n in CAPPED_UNITS:
            capped[str(n)], _ = self._stage(errors, f"capped_{n}", gms, n, smiles, replace_dummy_atoms=True)
        for n in UNCAPPED_UNITS:
            uncapped[str(n)], _ = self._stage(errors, f"uncapped_{n}", gms, n, smiles, replace_dummy_atoms=False)
        rec["capped"] = capped
        rec["uncapped"] = uncapped

        # 2. fingerprints of the capped oligomers
        fps = {}
        for n in CAPPED_UNITS:
            s = capped[str(n)]
            fps[str(n)] = None if s is None else self._stage(errors, f"fingerprint_{n}", self.fingerprint, s)[0]
        rec["fp"] = fps

        # 3. augmented units (upstream order)
        rec["augmented"], _ = self._stage(errors, "augment", up.aug.periodicity_augment_traverse, smiles)

        # 4. prompt graphs: upstream's own _generate_augmented_graphs
        self.select.calls.clear()
        self._bid_calls.clear()
        out, ok = self._stage(errors, "prompt_graphs", self.builder._generate_augmented_graphs, smiles)
        pr: dict = {"rule": prompt_rule.RULE_TEXT}
        if self.select.calls:
            c = self.select.calls[-1]
            pr["candidates"] = [{"smiles": s, "n": int(n)} for s, n in zip(c["items"], c["pairs"])]
            pr["selected_indices"] = c["indices"]
        pr["build_calls"] = [{"smiles": c["smiles"], "is_base": c["is_base"], "error": c["error"],
                              "returned_none": c["none"]} for c in self._bid_calls]
        graphs = []
        if ok:
            gl, sl, nl = out
            pr["graph_smiles"] = list(sl)
            pr["graph_n"] = [int(n) for n in nl]
            # fp/md the network receives per prompt graph: feat_cache[(base, _map_n_to_units(n))]
            pr["graph_fp_units"] = [int(self.builder._map_n_to_units(n)) for n in nl]
            if any(g is None for g in gl):
                errors.append({"stage": "prompt_graphs", "type": "NoneGraph",
                               "message": "upstream _build_graph_with_bid returned None"})
            elif not gl:
                # Every candidate raised IndexError and was dropped; upstream's
                # _build_with_prompt then fails at `base_graph = graphs[0]`.
                errors.append({"stage": "prompt_graphs", "type": "NoGraphs",
                               "message": "_generate_augmented_graphs returned no graphs (all dropped on "
                                          "IndexError); _build_with_prompt would raise IndexError at graphs[0]"})
            else:
                graphs = list(gl)
                # What the pretrained LiGhT actually receives: dgl.batch + preprocess_batch_light.
                import dgl
                batched, ok2 = self._stage(errors, "preprocess_batch_light", self._batch, dgl, graphs)
                offsets = np.concatenate([[0], np.cumsum([g.num_nodes() for g in graphs])[:-1]]).tolist()
                enc = []
                for k, (g, s) in enumerate(zip(graphs, sl)):
                    e = encode_graph(g, s)
                    e["smiles"] = s
                    e["n"] = int(nl[k])
                    e["batch_node_offset"] = int(offsets[k])
                    if ok2:
                        pb = batched[k]
                        raw = np.asarray(e["path"], dtype=np.int64)
                        if not np.array_equal(pb, raw + offsets[k]):
                            errors.append({"stage": "preprocess_batch_light", "type": "Mismatch",
                                           "message": f"graph {k}: batched path != raw path + offset"})
                        e["path_batched"] = pb.tolist() if offsets[k] != 0 or not np.array_equal(pb, raw) else None
                    enc.append(e)
                pr["graphs"] = enc
        rec["prompt"] = pr

        # 5. _build_without_prompt (the use_prompt=False path) vs prompt graph 0
        g0, okw = self._stage(errors, "build_without_prompt", self.builder._build_without_prompt, smiles)
        if okw:
            if g0 is None:
                rec["without_prompt"] = None
            elif graphs and graphs[0] is not None and _graphs_equal(g0, graphs[0]) and pr["graph_smiles"][0] == smiles:
                rec["without_prompt"] = "same_as_prompt_graph_0"
            else:
                rec["without_prompt"] = encode_graph(g0, smiles, with_bid=False)
        return rec

    def _batch(self, dgl, graphs):
        bg = dgl.batch(graphs)
        p = self.up.function.preprocess_batch_light(bg.batch_num_nodes(), bg.batch_num_edges(), bg.edata["path"][:, :])
        p = p.detach().cpu().numpy().astype(np.int64)
        out, e0 = [], 0
        for g in graphs:
            out.append(p[e0:e0 + g.num_edges()].reshape(-1))
            e0 += g.num_edges()
        return out
