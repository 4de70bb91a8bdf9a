/**
 * Mordred descriptors: our TypeScript engine vs Python mordred 1.2.0 on the capped 3-, 6-, 9-mers of the eps
 * polymers, in one run. Prints totals, the ratio and the worst molecule's time on each side — and how much of
 * mordred our engine covers: until every family is implemented, the comparison is against mordred restricted to
 * the same families (like for like), and the full-mordred time is shown beside it, never as our equal.
 *
 *   bun bench/descriptors.ts [--limit N] [--csv PATH] [--python-json PATH (reuse a previous Python run)]
 *
 * The capped SMILES come from the Python side (upstream's generate_multimer_smiles), so both engines see the
 * same molecules.
 */
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { parseArgs } from "node:util"
import {
  DescriptorContext,
  DESCRIPTOR_COUNT,
  fromRDKitJson,
  rdkitDescriptors,
  rdkitHybridization,
  rdkitSmarts,
  REGISTRY,
} from "../core/chem/descriptors/index.ts"
import { loadRDKit } from "../core/runtime/rdkit.ts"

const ROOT = join(import.meta.dir, "..")
const PY = join(ROOT, "tools/oracle/.venv/bin/python")
const { values: args } = parseArgs({
  options: {
    limit: { type: "string", default: "0" },
    csv: { type: "string", default: "/work/shared/data/periogt/datasets/eps/eps.csv" },
    "python-json": { type: "string" },
    "full-json": { type: "string" },
    profile: { type: "boolean", default: false },
  },
})

interface PyRun {
  families: string[] | null
  descriptors: number
  molecules: { row: number; n: number; smiles: string; seconds: number; atoms: number }[]
  skipped: unknown[]
}

const implemented = REGISTRY.filter((f) => f.impl !== null)
const covered = implemented.reduce((s, f) => s + f.names.length - (f.impl!.pending?.size ?? 0), 0)
const complete = covered === DESCRIPTOR_COUNT

const runPython = (out: string, families: string[] | null): PyRun => {
  if (!existsSync(PY)) throw new Error(`no Python oracle at ${PY}: run tools/oracle/setup.sh or pass --python-json`)
  const cmd = [PY, join(ROOT, "tools/oracle/bench_mordred.py"), "--csv", args.csv!, "--out", out, "--limit", args.limit!]
  if (families) cmd.push("--families", families.join(","))
  const r = Bun.spawnSync(cmd, { stdout: "inherit", stderr: "inherit" })
  if (r.exitCode !== 0) throw new Error(`bench_mordred.py failed (${r.exitCode})`)
  return JSON.parse(readFileSync(out, "utf8")) as PyRun
}

const familyNames = implemented.map((f) => f.name)
console.log(`our engine: ${implemented.length}/${REGISTRY.length} families, ${covered}/${DESCRIPTOR_COUNT} descriptors`)
const like: PyRun = args["python-json"]
  ? (JSON.parse(readFileSync(args["python-json"], "utf8")) as PyRun)
  : runPython(`/tmp/periogt-bench-mordred-${process.pid}.json`, complete ? null : familyNames)
const full: PyRun | null = complete
  ? like
  : args["full-json"]
    ? (JSON.parse(readFileSync(args["full-json"], "utf8")) as PyRun)
    : null

const rd = await loadRDKit()
let ours = 0
let worst = { seconds: 0, smiles: "", atoms: 0 }
const perFamily = new Map<string, number>()
const out = new Float64Array(DESCRIPTOR_COUNT)
for (const m of like.molecules) {
  const t0 = performance.now()
  const mol = rd.get_mol(m.smiles)
  if (mol === null) throw new Error(`RDKit cannot parse ${m.smiles}`)
  try {
    const smarts = rdkitSmarts(rd as never, mol as never)
    const input = fromRDKitJson(mol.get_json(), {
      smarts,
      hybridization: rdkitHybridization(smarts, mol.get_num_atoms()),
      rdkitDescriptors: rdkitDescriptors(mol as never),
    })
    // computeDescriptors, unrolled to time each family (shared intermediates count for the first user)
    const ctx = new DescriptorContext(input)
    for (const f of implemented) {
      const t = performance.now()
      f.impl!.compute(ctx, out, f.offset)
      perFamily.set(f.name, (perFamily.get(f.name) ?? 0) + (performance.now() - t) / 1000)
    }
  } finally {
    mol.delete()
  }
  const dt = (performance.now() - t0) / 1000
  ours += dt
  if (dt > worst.seconds) worst = { seconds: dt, smiles: m.smiles, atoms: m.atoms }
}
const py = like.molecules.reduce((s, m) => s + m.seconds, 0)
const pyWorst = like.molecules.reduce((w, m) => (m.seconds > w.seconds ? m : w), like.molecules[0]!)
const scope = complete ? "all 1613 descriptors" : `the same ${familyNames.length} families only (${like.descriptors} descriptors)`
console.log(`molecules: ${like.molecules.length} (${like.skipped.length} skipped by upstream's oligomer builder)`)
console.log(`mordred, ${scope}: ${py.toFixed(1)} s; worst molecule ${pyWorst.seconds.toFixed(2)} s (${pyWorst.atoms} heavy atoms)`)
console.log(`ours,    ${scope}: ${ours.toFixed(1)} s; worst molecule ${worst.seconds.toFixed(2)} s (${worst.atoms} heavy atoms)`)
console.log(`ratio mordred/ours: ${(py / ours).toFixed(2)}x`)
console.log("values: exact per family on the oracle set as listed in core/chem/descriptors/PARITY.md")
if (args.profile)
  for (const [f, t] of [...perFamily].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${f.padEnd(28)} ${t.toFixed(2)} s`)
if (!complete) {
  console.log(`PARTIAL ENGINE: ${DESCRIPTOR_COUNT - covered} descriptors not implemented; these times are not the cost of the md vector.`)
  if (full) console.log(`full mordred (1613 descriptors) on the same molecules: ${full.molecules.reduce((s, m) => s + m.seconds, 0).toFixed(1)} s`)
}
