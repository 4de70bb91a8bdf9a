"""Network oracle: synthetic, seeded PerioGT checkpoints and reference outputs from UPSTREAM's own code.

Everything numeric here is computed by upstream's classes (``models.light.LiGhTPredictor``,
``NodeSelfAttention``, ``models.get_model_finetune.get_predictor``/``get_node_attn``), upstream's graph
builder (``data.smiles2g_light.PolyGraphBuilderFinetune``) and upstream's collators
(``data.collator_light.CollatorFinetune``, ``utils.function.preprocess_batch_light``). This module only
wires them together, seeds them, and writes what they return.

Fixture layout (see test/fixtures/model/README.md): ``<dir>/pretrained.pth``, ``<dir>/finetuned.pth``
(``torch.save(model.state_dict())`` exactly as upstream saves; the pretrained one with the ``module.``
prefix DDP gives it), ``<dir>/fixture.json`` (manifest + meta) and ``<dir>/fixture.bin.gz`` (the tensors,
little-endian, concatenated, gzip-compressed).
"""
from __future__ import annotations

import copy
import gzip
import json
import math
import os
import random
import sys
import types
from typing import Dict, List

import numpy as np

os.environ.setdefault("DGLBACKEND", "pytorch")

TINY = dict(d_g_feats=32, n_mol_layers=2, n_heads=4, d_hpath_ratio=4, path_length=5, n_ffn_dense_layers=3,
            n_node_types=64)
# light/base from upstream's config.yaml; n_node_types = upstream Vocab().vocab_size.
FULL = dict(d_g_feats=768, n_mol_layers=12, n_heads=12, d_hpath_ratio=12, path_length=5, n_ffn_dense_layers=2,
            n_node_types=None)

SMILES = ["*CC*", "*CC(C)*", "*c1ccc(*)cc1", "*OCCO*", "*CC(c1ccccc1)*"]
MAX_PROMPT = 20
D_FP, D_MD = 1191, 1613


def import_upstream(upstream: str):
    """Puts upstream's PerioGT_common on sys.path and imports what the oracle uses."""
    upstream = os.path.abspath(upstream)
    if upstream not in sys.path:
        sys.path.insert(0, upstream)
    import torch  # noqa: F401
    import dgl  # noqa: F401
    from models import light
    from models import get_model_finetune
    from data import smiles2g_light, collator_light, vocab
    from utils import function
    return types.SimpleNamespace(light=light, get_model_finetune=get_model_finetune, smiles2g_light=smiles2g_light,
                                 collator_light=collator_light, vocab=vocab, function=function)


def seed_all(seed: int):
    import torch
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def randomize_(model, seed: int):
    """Gives every parameter a non-trivial seeded value (upstream's init zeroes biases and sets LayerNorm to
    identity, which would leave those paths untested)."""
    import torch
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(p.shape[-1]))
            elif name.endswith("alpha"):
                p.copy_(torch.rand(p.shape, generator=g) + 0.25)
            elif "norm" in name and name.endswith("weight"):
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))


def make_pretrained(up, cfg: dict, seed: int):
    """LiGhTPredictor exactly as upstream's prompt builder constructs it (eval mode, no dropout)."""
    n_node_types = cfg["n_node_types"] or up.vocab.Vocab().vocab_size
    model = up.light.LiGhTPredictor(
        d_node_feats=138, d_edge_feats=14, d_g_feats=cfg["d_g_feats"], d_fp_feats=D_FP, d_md_feats=D_MD,
        d_hpath_ratio=cfg["d_hpath_ratio"], n_mol_layers=cfg["n_mol_layers"], path_length=cfg["path_length"],
        n_heads=cfg["n_heads"], n_ffn_dense_layers=cfg["n_ffn_dense_layers"], input_drop=0, attn_drop=0,
        feat_drop=0, n_node_types=n_node_types)
    randomize_(model, seed)
    return model.eval()


def make_finetuned(up, pretrained, cfg: dict, seed: int):
    """The finetune model as upstream's get_model_finetune.get_model builds it: the backbone, then a predictor
    (3d → 256 → 1) and NodeSelfAttention, with the pretraining heads deleted."""
    model = copy.deepcopy(pretrained)
    d = cfg["d_g_feats"]
    model.predictor = up.get_model_finetune.get_predictor(dim_emb=d * 3, n_tasks=1, n_layers=2, predictor_drop=0.0,
                                                          device="cpu", d_hidden_feats=256)
    model.node_attn = up.get_model_finetune.get_node_attn(dim_emb=d, dropout=0.0, device="cpu")
    del model.md_predictor
    del model.fp_predictor
    del model.node_predictor
    del model.cl_projector
    randomize_(model, seed + 1)
    return model.eval()


class IdentityScaler:
    """Stands in for the descriptor scaler: network fixtures feed already-normalised random md vectors."""

    def transform(self, x):
        return np.asarray(x, dtype=np.float32)


def make_builder(up, pretrained):
    args = types.SimpleNamespace(use_prompt=False, device="cpu", max_prompt=MAX_PROMPT)
    builder = up.smiles2g_light.PolyGraphBuilderFinetune(args, IdentityScaler())
    # What __init__ does when use_prompt=True, with our synthetic model instead of a file.
    builder.use_prompt = True
    builder.device = "cpu"
    builder.model = pretrained
    builder.max_prompt = MAX_PROMPT
    builder.matcher = up.function.SafeSubstructureMatcher()
    return builder


def graph_inputs(up, graphs, fps, mds) -> Dict[str, np.ndarray]:
    """The ONNX model inputs for a list of DGL graphs, batched the way upstream batches them."""
    import dgl
    import torch
    bg = dgl.batch([copy.deepcopy(g) for g in graphs])
    path = up.function.preprocess_batch_light(bg.batch_num_nodes(), bg.batch_num_edges(), bg.edata["path"][:, :])
    src, dst = bg.edges()
    counts = bg.batch_num_nodes().numpy()
    out = {
        "begin_end": bg.ndata["begin_end"].numpy().astype(np.float32),
        "edge": bg.ndata["edge"].numpy().astype(np.float32),
        "vavn": bg.ndata["vavn"].numpy().astype(np.int64),
        "node_graph": np.repeat(np.arange(len(graphs), dtype=np.int64), counts),
        "edge_src": src.numpy().astype(np.int64),
        "edge_dst": dst.numpy().astype(np.int64),
        "edge_path": path.numpy().astype(np.int64),
        "edge_vp": bg.edata["vp"].numpy().astype(np.uint8),
        "edge_sl": bg.edata["sl"].numpy().astype(np.uint8),
        "fp": np.asarray(fps, dtype=np.float32),
        "md": np.asarray(mds, dtype=np.float32),
    }
    if "bid" in bg.ndata:
        out["bid"] = bg.ndata["bid"].numpy().astype(np.int64)
    if "prompt" in bg.ndata:
        out["prompt"] = bg.ndata["prompt"].numpy().astype(np.float32)
    return out


def batch_for_model(up, graphs):
    import dgl
    bg = dgl.batch([copy.deepcopy(g) for g in graphs])
    bg.edata["path"][:, :] = up.function.preprocess_batch_light(bg.batch_num_nodes(), bg.batch_num_edges(),
                                                                bg.edata["path"][:, :])
    return bg


def random_fp_md(rng: np.random.Generator, n: int):
    fp = (rng.random((n, D_FP)) < 0.15).astype(np.float32)
    md = rng.standard_normal((n, D_MD)).astype(np.float32)
    return fp, md


class Writer:
    def __init__(self):
        self.manifest: Dict[str, dict] = {}
        self.chunks: List[bytes] = []
        self.offset = 0

    def add(self, name: str, arr: np.ndarray):
        arr = np.ascontiguousarray(arr)
        dtype = {np.dtype(np.float32): "float32", np.dtype(np.int64): "int64", np.dtype(np.uint8): "uint8"}[arr.dtype]
        data = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        self.manifest[name] = {"dtype": dtype, "shape": list(arr.shape), "offset": self.offset, "length": len(data)}
        self.chunks.append(data)
        self.offset += len(data)

    def write(self, out_dir: str, meta: dict):
        with open(os.path.join(out_dir, "fixture.bin.gz"), "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as f:
                for c in self.chunks:
                    f.write(c)
        with open(os.path.join(out_dir, "fixture.json"), "w") as f:
            json.dump({"format": "periogt-network-fixture/1", "meta": meta, "tensors": self.manifest}, f, indent=1)
            f.write("\n")


def generate(upstream: str, out_dir: str, cfg: dict, seed: int = 7, smiles=None):
    """Writes checkpoints and reference inputs/outputs for `cfg` into out_dir."""
    import torch
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    up = import_upstream(upstream)
    smiles = smiles or SMILES
    os.makedirs(out_dir, exist_ok=True)
    seed_all(seed)
    pretrained = make_pretrained(up, cfg, seed)
    finetuned = make_finetuned(up, pretrained, cfg, seed)

    # Save exactly as upstream does: the pretraining script saves a DDP-wrapped model's state_dict
    # ("module." prefix); the finetune trainer saves the plain model's state_dict.
    wrapped = torch.nn.DataParallel(pretrained)
    torch.save(wrapped.state_dict(), os.path.join(out_dir, "pretrained.pth"))
    torch.save(finetuned.state_dict(), os.path.join(out_dir, "finetuned.pth"))

    # Reload through upstream's own loading path (strip "module.") to be sure the files are what we test.
    pre2 = make_pretrained(up, cfg, seed + 100)
    pre2.load_state_dict({k.replace("module.", ""): v for k, v in torch.load(os.path.join(out_dir, "pretrained.pth")).items()})
    pretrained = pre2.eval()

    rng = np.random.default_rng(seed)
    w = Writer()
    builder = make_builder(up, pretrained)
    meta = {"config": cfg, "seed": seed, "smiles": smiles, "max_prompt": MAX_PROMPT, "cases": [],
            "upstream_commit": "fe649e2b71e5d93d2dbd85ea1bc6428ac452ee36"}

    base_graphs = []
    base_fp = []
    base_md = []
    all_graphs = []
    with torch.no_grad():
        for k, smi in enumerate(smiles):
            fp, md = random_fp_md(rng, 1)
            feat_cache = {(smi, 3): (fp[0], md[0])}
            # Upstream's own prompt pass: augmented graphs → generate_node_emb → grouped by bid.
            base = builder._build_with_prompt(smi, feat_cache=feat_cache)
            graphs, _, _ = builder._generate_augmented_graphs(smi)
            all_graphs.extend(graphs)
            n = len(graphs)
            inp = graph_inputs(up, graphs, np.repeat(fp, n, 0), np.repeat(md, n, 0))
            bg = batch_for_model(up, graphs)
            node_emb, bids = pretrained.generate_node_emb(bg, torch.from_numpy(inp["fp"]), torch.from_numpy(inp["md"]))
            for name, arr in inp.items():
                w.add(f"enc/poly{k}/in/{name}", arr)
            w.add(f"enc/poly{k}/out/node_emb", node_emb.numpy())
            feats = pretrained.generate_features(batch_for_model(up, graphs), torch.from_numpy(inp["fp"]),
                                                 torch.from_numpy(inp["md"]))
            w.add(f"enc/poly{k}/out/graph_emb", feats.numpy())
            w.add(f"prompt/poly{k}/base_bid", base.ndata["bid"].numpy().astype(np.int64))
            w.add(f"prompt/poly{k}/prompt", base.ndata["prompt"].numpy().astype(np.float32))
            meta["cases"].append({"smiles": smi, "graphs": n, "base_nodes": int(base.number_of_nodes())})
            base_graphs.append(base)
            base_fp.append(fp[0])
            base_md.append(md[0])

        # Every prompt graph of every polymer in one batch, each graph with its own fp/md.
        fp, md = random_fp_md(rng, len(all_graphs))
        inp = graph_inputs(up, all_graphs, fp, md)
        node_emb, _ = pretrained.generate_node_emb(batch_for_model(up, all_graphs), torch.from_numpy(fp),
                                                   torch.from_numpy(md))
        feats = pretrained.generate_features(batch_for_model(up, all_graphs), torch.from_numpy(fp), torch.from_numpy(md))
        for name, arr in inp.items():
            w.add(f"enc/mixed/in/{name}", arr)
        w.add("enc/mixed/out/node_emb", node_emb.numpy())
        w.add("enc/mixed/out/graph_emb", feats.numpy())

        # The finetuned model over all base graphs with their prompts, collated by upstream's CollatorFinetune.
        collator = up.collator_light.CollatorFinetune(len_limit=MAX_PROMPT)
        samples = [(smi, copy.deepcopy(g), torch.from_numpy(f), torch.from_numpy(m), torch.zeros(1))
                   for smi, g, f, m in zip(smiles, base_graphs, base_fp, base_md)]
        _, bg, fps, mds, _ = collator(samples)
        captured = {}
        hook = finetuned.predictor.register_forward_hook(lambda mod, args, out: captured.__setitem__("g", args[0]))
        # CollatorFinetune pads/trims each sample graph's prompt in place; batch those graphs for our inputs.
        inp = graph_inputs(up, [s[1] for s in samples], fps.numpy(), mds.numpy())
        pred = finetuned.forward_tune(bg, fps, mds)
        hook.remove()
        for name, arr in inp.items():
            w.add(f"ft/in/{name}", arr)
        w.add("ft/out/prediction", pred.numpy())
        w.add("ft/out/graph_emb", captured["g"].numpy())
    builder.matcher.shutdown()
    w.write(out_dir, meta)
    return meta
