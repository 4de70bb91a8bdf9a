"""Mordred 1.2.0 oracle: raw 2D descriptor values of capped oligomers, and the md vector upstream feeds
the network (utils/features.py `_fp_md_from_smiles` + data/smiles2g_light.py `scaler.transform`).

Value encoding (JSON, see test/fixtures/descriptors/README.md):
  number        a finite float64 (Python repr: shortest round-trip, JSON.parse gives the same double)
  null          mordred returned an error object (Missing/Error); its message is in "errors"
  "NaN", "Infinity", "-Infinity"   mordred returned a non-finite float itself (no error object)
"""

from __future__ import annotations

import math
import multiprocessing as mp
import pickle
import time
import traceback

import numpy as np

_CALC = None

# networkx 2.4 removed `biconnected_component_subgraphs`, which mordred 1.2.0's DetourMatrix calls; in the
# oracle's pinned environment (networkx 2.4) all 14 DetourMatrix descriptors would be errors. Upstream's
# scaler_all.pkl has non-trivial mean/scale for them (e.g. DetourIndex mean 1.08e6), so upstream ran mordred
# with networkx < 2.4 and saw real values. The shim restores the networkx 2.3 function (one line:
# the subgraph of each biconnected component, copied), so the oracle reproduces what upstream saw.
NX_SHIM = "networkx.biconnected_component_subgraphs restored as in networkx 2.3 " \
          "(G.subgraph(c).copy() for c in biconnected_components(G))"


def _install_nx_shim() -> bool:
    import networkx as nx
    if hasattr(nx, "biconnected_component_subgraphs"):
        return False

    def biconnected_component_subgraphs(G, copy=True):
        for c in nx.biconnected_components(G):
            yield G.subgraph(c).copy() if copy else G.subgraph(c)

    nx.biconnected_component_subgraphs = biconnected_component_subgraphs
    return True


def calculator():
    global _CALC
    if _CALC is None:
        _install_nx_shim()
        from mordred import Calculator, descriptors
        _CALC = Calculator(descriptors, ignore_3D=True)
    return _CALC


def descriptor_table():
    """[(name, family)] in the calculator's order; family = mordred module name."""
    return [(str(d), d.__module__.split(".")[-1]) for d in calculator().descriptors]


def _enc(x: float):
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def _f32(x) -> object:
    x = np.float32(x)
    if np.isnan(x):
        return "NaN"
    if np.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    # numpy prints the shortest float32 repr; Math.fround(JSON value) restores the exact float32
    return float(str(x))


def compute(smiles: str, scaler) -> dict:
    """Everything the fixture stores about one capped SMILES (runs in a child process)."""
    from rdkit import Chem
    from mordred.error import MissingValueBase

    t0 = time.perf_counter()
    mol = Chem.MolFromSmiles(smiles)  # exactly as upstream: _fp_md_from_smiles
    if mol is None:
        return {"error": "MolFromSmiles returned None"}
    res = calculator()(mol)
    seconds = time.perf_counter() - t0
    values = list(res.values())
    raw, errors = [], []
    for i, v in enumerate(values):
        if isinstance(v, MissingValueBase):
            raw.append(None)
            errors.append([i, v.header, str(v.error)])
        else:
            raw.append(_enc(float(v)))
    # upstream, verbatim in effect: float32 array, NaN -> 0, > 1e12 -> 1e12, then StandardScaler.transform
    des = np.array(values, dtype=np.float32)
    des = np.where(np.isnan(des), 0, des)
    des = np.where(des > 1e12, 1e12, des)
    out = {"seconds": round(seconds, 4), "raw": raw, "errors": errors, "atoms": mol.GetNumAtoms()}
    try:
        scaled = scaler.transform(des.reshape(1, -1)).astype(np.float32)[0]
        out["md"] = [_f32(x) for x in scaled]
    except Exception as e:  # e.g. -inf rejected by sklearn's finiteness check
        out["md"] = None
        out["md_error"] = f"{type(e).__name__}: {e}"
    out["md_dtype_in"] = str(des.dtype)
    return out


def _child(conn, smiles, scaler_path):
    try:
        with open(scaler_path, "rb") as f:
            scaler = pickle.load(f)
        conn.send(compute(smiles, scaler))
    except Exception:
        conn.send({"error": traceback.format_exc()})
    finally:
        conn.close()


def run_many(jobs, scaler_path, workers=2, timeout=300.0, log=None):
    """jobs: [(key, smiles)] -> {key: result dict}; each molecule in its own forked child so a runaway
    molecule can be killed after `timeout` seconds (recorded as {"timeout": timeout})."""
    calculator()  # import mordred before forking
    ctx = mp.get_context("fork")
    pending = list(jobs)
    running = {}
    results = {}
    while pending or running:
        while pending and len(running) < workers:
            key, smi = pending.pop(0)
            a, b = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_child, args=(b, smi, scaler_path), daemon=True)
            p.start()
            b.close()
            running[key] = (p, a, time.time())
        time.sleep(0.01)
        for key in list(running):
            p, a, t0 = running[key]
            if a.poll():
                try:
                    results[key] = a.recv()
                except EOFError:
                    results[key] = {"error": "child died"}
                p.join()
                del running[key]
            elif not p.is_alive():
                p.join()
                results[key] = {"error": f"child exited with {p.exitcode}"}
                del running[key]
            elif time.time() - t0 > timeout:
                p.kill()
                p.join()
                results[key] = {"timeout": timeout}
                del running[key]
            else:
                continue
            if log:
                r = results[key]
                log(f"{key}: " + (f"{r['seconds']:.2f}s" if "seconds" in r else str(r)[:200]))
    return results


def element_tables(zmax: int = 118) -> dict:
    """Facts the TypeScript port needs, per atomic number 0..zmax (index = Z): RDKit's periodic table and
    mordred 1.2.0's data tables (as mordred reads them: NaN where its file has '-'). null = not a number."""
    from rdkit import Chem
    from mordred import _atomic_property as ap

    pt = Chem.GetPeriodicTable()

    def num(x):
        x = float(x)
        return None if math.isnan(x) or math.isinf(x) else x

    zs = range(0, zmax + 1)
    out = {
        "source": {"rdkit": __import__("rdkit").__version__, "mordred": __import__("mordred").__version__},
        "symbol": [pt.GetElementSymbol(z) for z in zs],
        "rdkit_atomic_weight": [num(pt.GetAtomicWeight(z)) for z in zs],
        "rdkit_most_common_isotope_mass": [num(pt.GetMostCommonIsotopeMass(z)) for z in zs],
        "rdkit_outer_electrons": [pt.GetNOuterElecs(z) for z in zs],
        "rdkit_default_valence": [pt.GetDefaultValence(z) for z in zs],
        "rdkit_rvdw": [num(pt.GetRvdw(z)) for z in zs],
        "rdkit_rcovalent": [num(pt.GetRcovalent(z)) for z in zs],
        "rdkit_rb0": [num(pt.GetRb0(z)) for z in zs],
        "rdkit_valence_list": [list(pt.GetValenceList(z)) for z in zs],
        # [[isotope, mass], ...] per Z: RDKit's isotope masses (used where an atom carries an isotope label)
        "rdkit_isotope_mass": [[[i, pt.GetMassForIsotope(z, i)] for i in range(1, 300)
                                if z > 0 and pt.GetMassForIsotope(z, i) > 0] for z in zs],
    }
    for key, tab in (("mordred_mass", ap.mass), ("mordred_vdw_volume", ap.vdw_volume),
                     ("mordred_vdw_radius", ap.vdw_radii),
                     ("mordred_sanderson", ap.sanderson), ("mordred_pauling", ap.pauling),
                     ("mordred_allred_rocow", ap.allred_rocow), ("mordred_polarizability94", ap.polarizability94),
                     ("mordred_polarizability78", ap.polarizability78),
                     ("mordred_ionization_potential", ap.ionization_potentials),
                     ("mordred_period", ap.period), ("mordred_mc_gowan_volume", ap.mc_gowan_volume)):
        out[key] = [num(tab[z]) for z in zs]
    return out
