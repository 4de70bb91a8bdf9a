"""End-to-end oracle: UPSTREAM's whole inference pipeline on the committed tiny synthetic checkpoints.

For each repeat unit: upstream's precompute_features (MACCS + Morgan, mordred on the capped 3-mer), the
real descriptor scaler, PolyGraphBuilderFinetune._build_with_prompt (augmentation, our deterministic prompt
rule in place of _random_select, max_prompt 10 as upstream's scripts default, the pretrained encoder's
generate_node_emb) and the finetuned model's forward_tune; the value de-normalized with the committed eps
label statistics; and the embedding as the Python backend computes it (the pretrained encoder's
generate_features on the base graph). Writes test/fixtures/pipeline/tiny.json.

    tools/oracle/.venv/bin/python tools/oracle/pipeline.py --upstream <PerioGT_common> \
        --scaler ../shared/data/periogt/scaler_all.pkl --out test/fixtures/pipeline/tiny.json
"""
from __future__ import annotations

import argparse
import base64
import gzip
import csv
import json
import os
import pickle
import sys
import types

os.environ.setdefault("DGLBACKEND", "pytorch")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from periogt_oracle import network as net  # noqa: E402
from periogt_oracle.descriptors import _install_nx_shim  # noqa: E402
from periogt_oracle.prompt import select_indices  # noqa: E402

MAX_PROMPT = 10
IDS = ["vin001", "vin002", "vin005", "vin010", "acr001", "pes001", "pam001", "pet001", "pca001", "sil001",
       "flu001", "con001", "bst001", "ast001", "rbb001", "fha001"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--scaler", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tiny", default=os.path.join(os.path.dirname(__file__), "../../test/fixtures/model/tiny"),
                    help="directory holding pretrained.pth and finetuned.pth")
    ap.add_argument("--config", choices=["tiny", "full"], default="tiny")
    ap.add_argument("--input", help="CSV with a smiles column (and optional id) instead of the built-in test units")
    ap.add_argument("--no-embedding", action="store_true", help="skip the embedding (benchmarks)")
    ap.add_argument("--all-valid", action="store_true",
                    help="every row of test/fixtures/polymers/valid.csv instead of the 16 built-in units")
    ap.add_argument("--with-inputs", action="store_true",
                    help="also write what the network receives: the fp's on-bits and the scaled md vector "
                         "(float32, little-endian, base64); a unit upstream fails on gets {error} instead")
    ap.add_argument("--training-fp", metavar="UNITS_JSON_GZ",
                    help="put the training environment's fingerprints (RDKit 2021.09.2: the capped 3-mer's bits in "
                         "test/fixtures/trainingEnv/units.json.gz, tools/oracle/training_env37.py) in place of "
                         "precompute_features' own for the units listed there (issue 22); everything else unchanged")
    a = ap.parse_args()
    import numpy as np
    import torch
    # mordred's DetourMatrix needs networkx < 2.4 (upstream trained with 2.2): the same shim as the descriptor oracle.
    _install_nx_shim()
    up = net.import_upstream(a.upstream)
    from utils.features import precompute_features
    from data import smiles2g_light

    here = os.path.dirname(os.path.abspath(__file__))
    rows = {r["id"]: r for r in csv.DictReader(open(os.path.join(here, "../../test/fixtures/polymers/valid.csv")))}
    units = [(i, rows[i]["smiles"]) for i in IDS if i in rows]
    if a.all_valid:
        units = [(r["id"], r["smiles"]) for r in rows.values()]
    if a.input:
        units = [(r.get("id") or str(k + 1), r["smiles"]) for k, r in enumerate(csv.DictReader(open(a.input)))]
    cfg = net.TINY if a.config == "tiny" else net.FULL

    pretrained = net.make_pretrained(up, cfg, 7)
    state = torch.load(os.path.join(a.tiny, "pretrained.pth"), map_location="cpu")
    pretrained.load_state_dict({k.replace("module.", ""): v for k, v in state.items()})
    finetuned = net.make_finetuned(up, pretrained, cfg, 7)
    finetuned.load_state_dict(torch.load(os.path.join(a.tiny, "finetuned.pth"), map_location="cpu"))
    pretrained.eval()
    finetuned.eval()
    with open(a.scaler, "rb") as f:
        scaler = pickle.load(f)
    stats = json.load(open(os.path.join(here, "../../core/artifacts/labelStats.json")))["eps"]

    B = smiles2g_light.PolyGraphBuilderFinetune
    B._random_select = staticmethod(lambda items, pairs, n: ([items[i] for i in select_indices(len(items), n)],
                                                              [pairs[i] for i in select_indices(len(items), n)]))
    builder = B(types.SimpleNamespace(use_prompt=False, device="cpu", max_prompt=MAX_PROMPT), scaler)
    builder.use_prompt = True
    builder.device = "cpu"
    builder.model = pretrained
    builder.max_prompt = MAX_PROMPT
    builder.matcher = up.function.SafeSubstructureMatcher()

    feat_cache = precompute_features([s for _, s in units], units=(3,), workers=1)
    if a.training_fp:
        with gzip.open(a.training_fp, "rt", encoding="utf-8") as f:
            training = {u["smiles"]: u["mols"]["3"] for u in json.load(f)["units"]}
        for key, (fp, md) in list(feat_cache.items()):
            t = training.get(key[0])
            if key[1] == 3 and t is not None and fp is not None and "fp" in t:
                assert len(fp) == t["fp"]["n"], (key, len(fp))
                on = set(t["fp"]["on"])
                feat_cache[key] = ([1 if i in on else 0 for i in range(len(fp))], md)

    def run_unit(uid, smiles, fp, md):
        fps = torch.tensor(np.array([fp], dtype=np.float32))
        md_scaled = scaler.transform(np.array([md], dtype=np.float32)).astype(np.float32)
        mds = torch.tensor(md_scaled)
        with torch.no_grad():
            g = builder._build_with_prompt(smiles, feat_cache)
            bg = __import__("dgl").batch([g])
            bg.edata["path"][:, :] = up.function.preprocess_batch_light(bg.batch_num_nodes(), bg.batch_num_edges(), bg.edata["path"][:, :])
            pred = finetuned.forward_tune(bg, fps, mds).item()
            emb = np.zeros(0, dtype=np.float32)
            if not a.no_embedding:
                base = builder._generate_augmented_graphs(smiles)[0][0]
                bb = __import__("dgl").batch([base])
                bb.edata["path"][:, :] = up.function.preprocess_batch_light(bb.batch_num_nodes(), bb.batch_num_edges(), bb.edata["path"][:, :])
                emb = pretrained.generate_features(bb, fps, mds).reshape(-1).numpy().astype(np.float32)
        rec = {"id": uid, "smiles": smiles, "standardized": float(np.float32(pred)),
               "value": float(np.float32(pred) * np.float32(stats["std"]) + np.float32(stats["mean"])),
               "embedding": [float(x) for x in emb]}
        if a.with_inputs:
            rec["fp_on"] = [i for i, b in enumerate(fp) if b]
            rec["md_f32_b64"] = base64.b64encode(md_scaled.reshape(-1).astype("<f4").tobytes()).decode()
            rec["graph_nodes"] = int(g.num_nodes())
        return rec

    out = []
    for uid, smiles in units:
        fp, md = feat_cache.get((smiles, 3), (None, None))
        if fp is None or md is None:
            out.append({"id": uid, "smiles": smiles, "error": "upstream builds no capped 3-mer features"})
            continue
        try:
            out.append(run_unit(uid, smiles, fp, md))
        except Exception as e:  # upstream's own failure on this unit: recorded, never hidden
            out.append({"id": uid, "smiles": smiles, "error": f"{type(e).__name__}: {e}"})
    meta = {"networkx_shim": True, "max_prompt": MAX_PROMPT, "prompt_rule": "deterministic (tools/oracle/periogt_oracle/prompt.py)",
            "property": "eps", "label_stats": stats, "checkpoints": "test/fixtures/model/tiny"}
    write(a.out, {"meta": meta, "units": out})
    print(f"wrote {len(out)} units to {a.out}")


def write(path, obj):
    """JSON, gzip-compressed (mtime 0: byte-reproducible) where the path ends in .gz."""
    data = json.dumps(obj).encode()
    if path.endswith(".gz"):
        with open(path, "wb") as f:
            f.write(gzip.compress(data, mtime=0))
    else:
        with open(path, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
