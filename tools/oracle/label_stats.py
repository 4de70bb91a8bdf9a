"""Label statistics exactly as upstream's finetune dataset computes them (float32 labels of the train
split, np.nanmean / np.nanstd), for the parity test of core/artifacts/labelStats.json.

    tools/oracle/.venv/bin/python tools/oracle/label_stats.py ../shared/data/periogt/datasets > test/fixtures/label-stats/numpy.json
"""
import json
import os
import pickle
import sys

import numpy as np
import pandas as pd

root = sys.argv[1]
out = {}
for prop in sorted(os.listdir(root)):
    csv = os.path.join(root, prop, f"{prop}.csv")
    split = os.path.join(root, prop, "split.pkl")
    if not (os.path.exists(csv) and os.path.exists(split)):
        continue
    df = pd.read_csv(csv)
    with open(split, "rb") as f:
        train = pickle.load(f)[0]
    labels = df[df.columns.drop(["smiles"]).tolist()].values.astype(np.float32)[train]
    out[prop] = {"mean": float(np.nanmean(labels, axis=0)[0]), "std": float(np.nanstd(labels, axis=0)[0])}
json.dump(out, sys.stdout, indent=2)
print()
