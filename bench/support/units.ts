/**
 * Real repeat units for the benches: the first N of upstream's eps dataset (../shared), featurized by
 * the project's own featurizer on worker threads (the network's inputs, as `periogt batch` builds them).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { readStandardScaler } from "../../core/io/pickle/index.ts"
import type { NetworkInput } from "../../core/pipeline/network.ts"
import { makeFeaturizePool } from "../../core/pipeline/workers/pool.ts"

export const SHARED = path.resolve(import.meta.dir, "../../../shared/data/periogt")
export const SCALER = path.join(SHARED, "scaler_all.pkl")
export const EPS_CSV = path.join(SHARED, "datasets/eps/eps.csv")

/** The first `n` repeat units of the eps dataset (its first column). */
export const epsUnits = (n: number): Array<string> =>
  fs.readFileSync(EPS_CSV, "utf8").trim().split("\n").slice(1, n + 1).map((l) => l.split(",")[0]!)

/**
 * `n` distinct repeat units: eps first, then egc (3380 units), then the other datasets — so that a bench
 * can ask for more than eps's 382.
 */
export const datasetUnits = (n: number): Array<string> => {
  const seen = new Set<string>()
  for (const name of ["eps", "egc", "egb", "eat", "ei", "eea", "nc"]) {
    const file = path.join(SHARED, `datasets/${name}/${name}.csv`)
    if (!fs.existsSync(file)) continue
    for (const line of fs.readFileSync(file, "utf8").replace(/^\uFEFF/, "").trim().split("\n").slice(1)) {
      if (seen.size >= n) return [...seen]
      const s = line.split(",")[0]!.trim()
      if (s !== "") seen.add(s)
    }
  }
  return [...seen]
}

/** Featurizes `smiles` on `workers` worker threads; units that fail are counted and left out. */
export const featurizeUnits = async (smiles: ReadonlyArray<string>, workers = 2): Promise<{ inputs: Array<NetworkInput>; smiles: Array<string>; failed: number; seconds: number }> => {
  const scaler = await readStandardScaler(SCALER)
  const pool = makeFeaturizePool({ size: workers, scaler, prewarm: workers })
  const t0 = performance.now()
  try {
    const out = await Promise.all(smiles.map((s) => pool.featurize(s)))
    const ok = out.map((x, i) => ({ x, s: smiles[i]! })).filter((o) => !("code" in o.x && "_tag" in o.x)) as Array<{ x: NetworkInput; s: string }>
    return { inputs: ok.map((o) => o.x), smiles: ok.map((o) => o.s), failed: smiles.length - ok.length, seconds: (performance.now() - t0) / 1000 }
  } finally {
    await pool.close()
  }
}
