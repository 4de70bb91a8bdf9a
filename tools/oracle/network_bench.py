#!/usr/bin/env python3
"""Times upstream PyTorch+DGL on one polymer's prompt pass (≤10 prompt graphs, generate_node_emb) and
its finetuned pass (base graph with prompts, forward_tune), with the full checkpoints made by
network.py --config full. Writes the exact inputs it timed (fixture format) for bench/model/encoder.ts
and prints one JSON line of timings.

  tools/oracle/.venv/bin/python tools/oracle/network_bench.py --upstream .../PerioGT_common \
      --ckpt .cache/oracle/model/full --out .cache/oracle/model/bench --smiles '*NCCCCCCNC(=O)CCCCC(=O)*'
"""
import argparse
import copy
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from periogt_oracle import network  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--smiles", default="*NCCCCCCNC(=O)CCCCC(=O)*")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()

    import numpy as np
    import torch
    torch.set_num_threads(args.threads)
    up = network.import_upstream(args.upstream)
    cfg = dict(network.FULL)
    network.seed_all(args.seed)
    pre = network.make_pretrained(up, cfg, 0)
    pre.load_state_dict({k.replace("module.", ""): v for k, v in torch.load(os.path.join(args.ckpt, "pretrained.pth")).items()})
    pre.eval()
    fin = network.make_finetuned(up, pre, cfg, 0)
    fin.load_state_dict(torch.load(os.path.join(args.ckpt, "finetuned.pth")))
    fin.eval()

    builder = network.make_builder(up, pre)
    rng = np.random.default_rng(args.seed)
    fp, md = network.random_fp_md(rng, 1)
    smi = args.smiles
    network.seed_all(args.seed)  # upstream samples 9 of the augmentations at random
    graphs, _, _ = builder._generate_augmented_graphs(smi)
    n = len(graphs)
    fps = torch.from_numpy(np.repeat(fp, n, 0))
    mds = torch.from_numpy(np.repeat(md, n, 0))

    w = network.Writer()
    inp = network.graph_inputs(up, graphs, fps.numpy(), mds.numpy())
    for k, v in inp.items():
        w.add(f"prompt_pass/in/{k}", v)

    def prompt_pass():
        bg = network.batch_for_model(up, graphs)
        return pre.generate_node_emb(bg, fps, mds)

    # the base graph with its prompts, assembled exactly as upstream does (same sampled graphs)
    with torch.no_grad():
        network.seed_all(args.seed)
        base = builder._build_with_prompt(smi, feat_cache={(smi, 3): (fp[0], md[0])})
    collator = up.collator_light.CollatorFinetune(len_limit=network.MAX_PROMPT)
    sample = [(smi, copy.deepcopy(base), torch.from_numpy(fp[0]), torch.from_numpy(md[0]), torch.zeros(1))]
    _, _, fps1, mds1, _ = collator(sample)
    inp = network.graph_inputs(up, [sample[0][1]], fps1.numpy(), mds1.numpy())
    for k, v in inp.items():
        w.add(f"ft_pass/in/{k}", v)

    def ft_pass():
        s = [(smi, copy.deepcopy(base), torch.from_numpy(fp[0]), torch.from_numpy(md[0]), torch.zeros(1))]
        _, bg, f1, m1, _ = collator(s)
        return fin.forward_tune(bg, f1, m1)

    timings = {"prompt_pass": [], "ft_pass": []}
    with torch.no_grad():
        node_emb, _ = prompt_pass()
        pred = ft_pass()
        w.add("prompt_pass/out/node_emb", node_emb.numpy())
        w.add("ft_pass/out/prediction", pred.numpy())
        for _ in range(args.repeats):
            t = time.perf_counter()
            prompt_pass()
            timings["prompt_pass"].append(time.perf_counter() - t)
            t = time.perf_counter()
            ft_pass()
            timings["ft_pass"].append(time.perf_counter() - t)
    builder.matcher.shutdown()
    os.makedirs(args.out, exist_ok=True)
    w.write(args.out, {"smiles": smi, "graphs": n, "base_nodes": int(base.number_of_nodes()), "config": cfg})
    print(json.dumps({"smiles": smi, "graphs": n, "threads": args.threads, "torch": torch.__version__,
                      "timings_s": timings}))


if __name__ == "__main__":
    main()
