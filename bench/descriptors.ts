/**
 * Mordred descriptors: our TypeScript engine vs Python mordred 1.2.0 on the capped 3-, 6-, 9-mers of the eps
 * polymers, in one run. Prints totals, the ratio and the worst molecule's time on each side, the ratio on the
 * molecules of at least 300 heavy atoms, and beside them the large-unit set (test/fixtures/descriptors/large:
 * capped oligomers of 150-1980 heavy atoms, mordred's times from the oracle run that wrote the fixtures).
 *
 *   bun bench/descriptors.ts [--limit N] [--csv PATH] [--repeat K] [--no-large]
 *                            [--python-json PATH (reuse a previous Python run) | --save-python-json PATH]
 *                            [--profile (time per stage and per family)]
 *   bun bench/descriptors.ts --one sch005/9 [--repeat K]   (one molecule of the oracle sets (large/ too): time per
 *                            family, mordred's time from the fixture manifest; `--one SMILES` for any molecule;
 *                            `--one sch005/3,sch005/6,sch005/9 [--top N]`: a table per family with the growth
 *                            exponent between the two largest — the complexity bound in practice; `a+b` joins
 *                            oracle molecules into one, e.g. sch005/9+sch005/3 (936 heavy atoms), for sizes
 *                            past MinimalLib's ~860-atom chain limit)
 *
 * Ours is timed as the featurizer computes a unit's descriptors (core/pipeline/descriptorInput.ts
 * `descriptorsOfOligomer`: the capped oligomer built in TypeScript, or read by MinimalLib where it cannot be),
 * from the validated repeat unit to the 1613 values; `--one` times a SMILES read by MinimalLib. mordred's time
 * is `calc(mol)` after `MolFromSmiles` of upstream's capped SMILES (generate_multimer_smiles). `--repeat K` runs our side K times and
 * keeps each molecule's fastest run (the machine is shared: the minimum is the least disturbed figure).
 */
import { copyFileSync, existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { parseArgs } from "node:util"
import {
  DescriptorContext,
  DESCRIPTOR_COUNT,
  fromMolecule,
  rdkitSmarts,
  REGISTRY,
  type DescriptorInput,
} from "../core/chem/descriptors/index.ts"
import { moleculeWithoutStereo } from "../core/chem/molecule/parse.ts"
import { isRepeatUnit, validateRepeatUnit, type RepeatUnit } from "../core/chem/polymer/repeatUnit.ts"
import { NeedsRdkitSmarts, oligomerDescriptorInput, withDescriptorInput } from "../core/pipeline/descriptorInput.ts"
import { loadRDKit } from "../core/runtime/rdkit.ts"

const ROOT = join(import.meta.dir, "..")
const PY = join(ROOT, "tools/oracle/.venv/bin/python")
const FIXTURES = join(ROOT, "test/fixtures/descriptors")
const { values: args } = parseArgs({
  options: {
    limit: { type: "string", default: "0" },
    csv: { type: "string", default: "/work/shared/data/periogt/datasets/eps/eps.csv" },
    "python-json": { type: "string" },
    "save-python-json": { type: "string" },
    profile: { type: "boolean", default: false },
    one: { type: "string" },
    repeat: { type: "string", default: "1" },
    top: { type: "string" },
    "no-large": { type: "boolean", default: false },
  },
})

interface PyRun {
  families: string[] | null
  descriptors: number
  molecules: { row: number; n: number; smiles: string; seconds: number; cpu_seconds?: number; atoms: number }[]
  skipped: unknown[]
}

const repeat = Math.max(1, Number(args.repeat))

const runPython = (out: string): PyRun => {
  if (!existsSync(PY)) throw new Error(`no Python oracle at ${PY}: run tools/oracle/setup.sh or pass --python-json`)
  const cmd = [PY, join(ROOT, "tools/oracle/bench_mordred.py"), "--csv", args.csv!, "--out", out, "--limit", args.limit!]
  const r = Bun.spawnSync(cmd, { stdout: "inherit", stderr: "inherit" })
  if (r.exitCode !== 0) throw new Error(`bench_mordred.py failed (${r.exitCode})`)
  return JSON.parse(readFileSync(out, "utf8")) as PyRun
}

const rd = await loadRDKit()
const STAGES = ["parse (get_mol)", "SMARTS counter", "get_json + molecule layer + input", "oligomer built in TypeScript", "MinimalLib fallback"] as const
const out = new Float64Array(DESCRIPTOR_COUNT)

const adder = (times: Map<string, number>) => (k: string, t: number) => {
  const now = performance.now()
  times.set(k, (times.get(k) ?? 0) + (now - t) / 1000)
  return now
}

/** computeDescriptors, unrolled to time each family (shared intermediates count for the first user) */
const timeFamilies = (input: DescriptorInput, add: (k: string, t: number) => number, t: number): number => {
  const ctx = new DescriptorContext(input)
  for (const f of REGISTRY) {
    f.impl.compute(ctx, out, f.offset)
    t = add(f.name, t)
  }
  return t
}

/** One molecule from its SMILES (read by MinimalLib) to the 1613 values; stage and family times (seconds) added into `times`. */
const timeOne = (smiles: string, times: Map<string, number>): { seconds: number; atoms: number } => {
  const add = adder(times)
  const t0 = performance.now()
  let t = t0
  const mol = rd.get_mol(smiles)
  if (mol === null) throw new Error(`RDKit cannot parse ${smiles}`)
  t = add(STAGES[0], t)
  let atoms = 0
  try {
    atoms = mol.get_num_atoms()
    const smarts = rdkitSmarts(rd as never, mol as never)
    t = add(STAGES[1], t)
    const layer = moleculeWithoutStereo(mol, smiles)
    // what core/pipeline/descriptorInput.ts withDescriptorInput builds
    const input = fromMolecule(layer, { smarts })
    t = add(STAGES[2], t)
    timeFamilies(input, add, t)
  } finally {
    mol.delete()
  }
  return { seconds: (performance.now() - t0) / 1000, atoms }
}

/**
 * The capped n-mer of a validated unit to the 1613 values as the featurizer computes them (descriptorsOfOligomer,
 * unrolled to time each family): built in TypeScript, or read by MinimalLib from `smiles` where it cannot be.
 */
const timeOligomer = (unit: RepeatUnit, n: number, smiles: string, times: Map<string, number>): { seconds: number; atoms: number } => {
  const add = adder(times)
  const t0 = performance.now()
  const built = oligomerDescriptorInput(unit, n)
  let t = add(STAGES[3], t0)
  if (typeof built !== "string")
    try {
      timeFamilies(built.input, add, t)
      return { seconds: (performance.now() - t0) / 1000, atoms: built.input.atomicNum.length }
    } catch (e) {
      if (!(e instanceof NeedsRdkitSmarts)) throw e
    }
  t = performance.now()
  let atoms = 0
  withDescriptorInput(rd, smiles, (input) => {
    atoms = input.atomicNum.length
    t = add(STAGES[4], t)
    timeFamilies(input, add, t)
  })
  return { seconds: (performance.now() - t0) / 1000, atoms }
}

const units = new Map<string, RepeatUnit>()
const unitOf = (smiles: string): RepeatUnit => {
  let u = units.get(smiles)
  if (u === undefined) {
    const v = validateRepeatUnit(rd, smiles)
    if (!isRepeatUnit(v)) throw new Error(`not a valid repeat unit: ${smiles}`)
    units.set(smiles, (u = v))
  }
  return u
}

const printTimes = (times: Map<string, number>, total: number, top = Infinity) => {
  const fmt = (s: number) => (s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`)
  for (const [k, s] of [...times].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${k.padEnd(28)} ${fmt(s).padStart(10)}  ${((100 * s) / total).toFixed(1).padStart(5)} %`)
}

if (args.one !== undefined) {
  // one or more molecules: "<id>/<n>" of the committed oracle set, or SMILES; comma-separated for a table
  const oracle = (one: string): { smiles: string; mordred: number | null } | null => {
    const m = /^([a-z]+\d+)\/(\d)$/.exec(one)
    if (!m) return null
    // the committed oracle set, or the large-unit set (test/fixtures/descriptors/large)
    const file = [join(FIXTURES, `${m[1]}.json.gz`), join(FIXTURES, "large", `${m[1]}.json.gz`)].find((f) => existsSync(f))
    if (file === undefined) throw new Error(`no oracle molecule ${one}`)
    const bytes = new Uint8Array(readFileSync(file))
    const f = JSON.parse(new TextDecoder().decode(Bun.gunzipSync(bytes))) as {
      mols: Record<string, { smiles: string; seconds?: number }>
    }
    const mol = f.mols[m[2]!]
    if (mol === undefined) throw new Error(`no molecule ${one}`)
    return { smiles: mol.smiles, mordred: mol.seconds ?? null }
  }
  const picks = args.one.split(",").map((one) => {
    if (one.includes("+")) {
      // "a+b(+c…)": oracle molecules joined into one by bonds from the first atom of a to the first atom of each
      // other part (ring-closure labels across '.'), to time sizes MinimalLib cannot parse as one chain
      const parts = one.split("+").map((x) => oracle(x)?.smiles ?? x)
      if (parts.length > 4 || parts.some((x) => !/^[A-Z]/.test(x))) throw new Error(`cannot join ${one}`)
      const labels = parts.slice(1).map((_, k) => `%${91 + k}`)
      const smiles = [parts[0]!.charAt(0) + labels.join("") + parts[0]!.slice(1), ...parts.slice(1).map((x, k) => x.charAt(0) + labels[k] + x.slice(1))].join(".")
      return { label: one, smiles, mordred: null as number | null }
    }
    const o = oracle(one)
    if (o === null) return { label: one.length > 24 ? one.slice(0, 21) + "…" : one, smiles: one, mordred: null as number | null }
    return { label: one, ...o }
  })
  const runs = picks.map((pick) => {
    let best: { seconds: number; atoms: number; times: Map<string, number> } | null = null
    for (let r = 0; r < repeat; r++) {
      const times = new Map<string, number>()
      const x = timeOne(pick.smiles, times)
      if (best === null || x.seconds < best.seconds) best = { ...x, times }
    }
    return { ...pick, ...best! }
  })
  if (runs.length === 1) {
    const r = runs[0]!
    console.log(`${r.label}: ${r.atoms} heavy atoms`)
    console.log(`ours: ${r.seconds.toFixed(3)} s (fastest of ${repeat})${r.mordred === null ? "" : `; mordred (oracle run): ${r.mordred.toFixed(1)} s; ratio ${(r.mordred / r.seconds).toFixed(1)}x`}`)
    printTimes(r.times, r.seconds)
    process.exit(0)
  }
  // table: stage/family × molecule (ms), and the growth exponent between the two largest molecules
  const byAtoms = [...runs].sort((a, b) => a.atoms - b.atoms)
  const [x1, x2] = [byAtoms[byAtoms.length - 2]!, byAtoms[byAtoms.length - 1]!]
  const exponent = (a: number, b: number) => (a > 0 && b > 0 ? Math.log(b / a) / Math.log(x2.atoms / x1.atoms) : NaN)
  const keys = [...x2.times].sort((a, b) => b[1] - a[1]).map(([k]) => k)
  const col = (s: string) => s.padStart(11)
  console.log(`${"".padEnd(28)}${runs.map((r) => col(r.label)).join("")}${col("exponent")}`)
  console.log(`${"heavy atoms".padEnd(28)}${runs.map((r) => col(String(r.atoms))).join("")}`)
  console.log(`${"total (s)".padEnd(28)}${runs.map((r) => col(r.seconds.toFixed(3))).join("")}${col(exponent(x1.seconds, x2.seconds).toFixed(2))}`)
  console.log(`${"mordred (s, oracle run)".padEnd(28)}${runs.map((r) => col(r.mordred === null ? "-" : r.mordred.toFixed(1))).join("")}`)
  for (const k of keys.slice(0, Number(args.top ?? 15))) {
    const t = runs.map((r) => (r.times.get(k) ?? 0) * 1000)
    console.log(`${k.padEnd(28)}${t.map((x) => col(x.toFixed(1))).join("")}${col(exponent(x1.times.get(k) ?? 0, x2.times.get(k) ?? 0).toFixed(2))}`)
  }
  console.log(`(ms per stage/family; fastest of ${repeat} per molecule; exponent: log(t2/t1)/log(n2/n1) between the two largest)`)
  process.exit(0)
}

let like: PyRun
if (args["python-json"]) like = JSON.parse(readFileSync(args["python-json"], "utf8")) as PyRun
else {
  const tmp = `/tmp/periogt-bench-mordred-${process.pid}.json`
  like = runPython(tmp)
  if (args["save-python-json"]) {
    copyFileSync(tmp, args["save-python-json"])
    console.log(`mordred's run saved to ${args["save-python-json"]} (reuse it with --python-json)`)
  }
}
if (like.descriptors !== DESCRIPTOR_COUNT) throw new Error(`the Python run computed ${like.descriptors} descriptors, not ${DESCRIPTOR_COUNT}`)

// the repeat units of the CSV rows (bench_mordred.py's `row`: the CSV's data rows from 0)
const csvUnits = readFileSync(args.csv!, "utf8")
  .split(/\r?\n/)
  .slice(1)
  .map((line) => line.split(",")[0]!)

interface Timed {
  readonly label: string
  readonly mordred: number
  /** mordred's CPU time, where the Python run recorded it */
  readonly mordredCpu: number | undefined
  readonly ours: number
  readonly oursCpu: number
  readonly atoms: number
}

/** Ours on each molecule, fastest of `repeat`; family and stage times of the fastest run summed into `profile`. */
const timeSet = (
  mols: readonly { label: string; unit: string; n: number; smiles: string; seconds: number; cpu?: number }[],
  profile: Map<string, number>,
): Timed[] => {
  const best = new Float64Array(mols.length).fill(Infinity)
  const bestCpu = new Float64Array(mols.length).fill(Infinity)
  const atoms = new Int32Array(mols.length)
  const bestTimes: Map<string, number>[] = mols.map(() => new Map())
  for (let r = 0; r < repeat; r++)
    mols.forEach((m, i) => {
      const times = new Map<string, number>()
      const unit = unitOf(m.unit)
      const c0 = process.cpuUsage()
      const x = timeOligomer(unit, m.n, m.smiles, times)
      const c = process.cpuUsage(c0)
      bestCpu[i] = Math.min(bestCpu[i]!, (c.user + c.system) / 1e6)
      atoms[i] = x.atoms
      if (x.seconds < best[i]!) {
        best[i] = x.seconds
        bestTimes[i] = times
      }
    })
  for (const t of bestTimes) for (const [k, s] of t) profile.set(k, (profile.get(k) ?? 0) + s)
  return mols.map((m, i) => ({ label: m.label, mordred: m.seconds, mordredCpu: m.cpu, ours: best[i]!, oursCpu: bestCpu[i]!, atoms: atoms[i]! }))
}

const report = (name: string, set: readonly Timed[]) => {
  if (set.length === 0) return console.log(`${name}: no molecules`)
  const py = set.reduce((s, m) => s + m.mordred, 0)
  const ours = set.reduce((s, m) => s + m.ours, 0)
  const worst = set.reduce((w, m) => (m.ours > w.ours ? m : w), set[0]!)
  const pyWorst = set.reduce((w, m) => (m.mordred > w.mordred ? m : w), set[0]!)
  console.log(`${name}: ${set.length} molecules, ${Math.min(...set.map((m) => m.atoms))}-${Math.max(...set.map((m) => m.atoms))} heavy atoms`)
  console.log(`  mordred ${py.toFixed(1)} s (worst ${pyWorst.label}: ${pyWorst.mordred.toFixed(2)} s, ${pyWorst.atoms} heavy atoms; ours on it ${pyWorst.ours.toFixed(3)} s)`)
  console.log(`  ours    ${ours.toFixed(1)} s${repeat > 1 ? ` (fastest of ${repeat} per molecule)` : ""} (worst ${worst.label}: ${worst.ours.toFixed(3)} s, ${worst.atoms} heavy atoms; mordred on it ${worst.mordred.toFixed(2)} s)`)
  console.log(`  ratio mordred/ours: ${(py / ours).toFixed(2)}x (wall)`)
  if (set.every((m) => m.mordredCpu !== undefined)) {
    const pyCpu = set.reduce((s, m) => s + m.mordredCpu!, 0)
    const oursCpu = set.reduce((s, m) => s + m.oursCpu, 0)
    console.log(`  CPU time: mordred ${pyCpu.toFixed(1)} s, ours ${oursCpu.toFixed(1)} s, ratio ${(pyCpu / oursCpu).toFixed(2)}x (less sensitive to the machine's load)`)
  }
}

const molecules = args["python-json"] && Number(args.limit) > 0 ? like.molecules.slice(0, Number(args.limit)) : like.molecules
const profile = new Map<string, number>()
const eps = timeSet(
  molecules.map((m) => ({ label: `row ${m.row}/${m.n}`, unit: csvUnits[m.row]!, n: m.n, smiles: m.smiles, seconds: m.seconds, cpu: m.cpu_seconds })),
  profile,
)
console.log(`(${like.skipped.length} molecules skipped by upstream's oligomer builder)`)
report(`capped 3/6/9-mers of ${args.csv}`, eps)
report("  of which >= 300 heavy atoms", eps.filter((m) => m.atoms >= 300))

const LARGE = join(FIXTURES, "large")
if (!args["no-large"] && existsSync(join(LARGE, "manifest.json"))) {
  // large units: mordred's times are the oracle run's wall times (tools/oracle/descriptors_large.py, on a shared
  // machine), not this run's: an indication, not a measurement
  const man = JSON.parse(readFileSync(join(LARGE, "manifest.json"), "utf8")) as { units: { id: string; file: string }[] }
  const mols: { label: string; unit: string; n: number; smiles: string; seconds: number }[] = []
  for (const u of man.units) {
    const f = JSON.parse(new TextDecoder().decode(Bun.gunzipSync(new Uint8Array(readFileSync(join(LARGE, u.file)))))) as {
      smiles: string
      mols: Record<string, { smiles: string; seconds?: number }>
    }
    for (const [n, m] of Object.entries(f.mols))
      if (m.seconds !== undefined) mols.push({ label: `${u.id}/${n}`, unit: f.smiles, n: Number(n), smiles: m.smiles, seconds: m.seconds })
  }
  const large = timeSet(mols, profile)
  report("large units (test/fixtures/descriptors/large; mordred: the oracle run's times)", large)
  report("  of which >= 300 heavy atoms", large.filter((m) => m.atoms >= 300))
  report("eps and large units together, >= 300 heavy atoms", [...eps, ...large].filter((m) => m.atoms >= 300))
}
console.log("values: exact per family on the oracle set as listed in core/chem/descriptors/PARITY.md")
if (args.profile) {
  console.log("time per stage and family (sum over molecules):")
  printTimes(profile, [...profile.values()].reduce((s, x) => s + x, 0))
}
