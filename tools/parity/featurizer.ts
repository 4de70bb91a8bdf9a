/**
 * Featurizer parity (augmentation, prompt selection, bond ids, LiGhT graphs) on any oracle output —
 * by default the oracle's run over upstream's datasets (tools/oracle/featurize_datasets.sh →
 * .cache/oracle/datasets/<prop>/), or any folder of `<id>.json.gz` unit records:
 *
 *   bun tools/parity/featurizer.ts [DIR ...] [--show 20] [--computed]
 *
 * Stages, each counted over the units (or graphs) where the oracle has that stage:
 *   validity    valid or not, and the rule broken (every record, invalid ones included)
 *   capped      the capped 3-, 6- and 9-mers' canonical SMILES
 *   uncapped    the uncapped 1-, 2- and 3-mers' canonical SMILES
 *   fp          the 1191-bit fingerprints of the capped 3-, 6- and 9-mers, bit for bit
 *   augmented   the augmented unit list, string for string
 *   selection   the selected candidate indices
 *   graph_set   the SMILES of the surviving prompt graphs (which candidates the bond-id matching drops)
 *   graphs      every field of every prompt graph, with the oracle's canonical ranks
 *   bid         the bond ids of those graphs
 *   without     the separate without-prompt graph (where upstream's prompt path failed or differs)
 *   computed    with --computed: the whole prompt path with our canonicalRanks (core/chem/canon), bid
 *               and paths equal to the oracle's
 * Exit code 1 when anything differs.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import { parseArgs } from "node:util"
import { loadRDKit } from "../../core/runtime/rdkit.ts"
import { parseMolecule } from "../../core/chem/molecule/parse.ts"
import { buildLightGraph, type LightGraph } from "../../core/chem/graph/light.ts"
import { augmentRepeatUnit } from "../../core/chem/polymer/augment.ts"
import { buildPromptGraphs, selectPromptIndices, type AtomRanks } from "../../core/chem/polymer/prompts.ts"
import { isRepeatUnit, validateRepeatUnit } from "../../core/chem/polymer/repeatUnit.ts"
import { CAPPED_UNITS, UNCAPPED_UNITS, oligomerSmiles, oligomerSpec } from "../../core/chem/polymer/oligomer.ts"
import { fingerprintOfSpec, onBits, FP_BITS } from "../../core/chem/fingerprints/index.ts"
import type { Molecule } from "../../core/chem/molecule/types.ts"
import { atomMapNumbersOf } from "../../core/chem/graph/pattern.ts"
import { graphDiff, sameArray, type FixtureGraph, type FixtureRecord } from "../../test/chem/support/fixtures.ts"


const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { show: { type: "string", default: "20" }, computed: { type: "boolean", default: false } },
})
const root = join(import.meta.dir, "../..")
const defaultDir = join(root, ".cache/oracle/datasets")
const dirs = positionals.length > 0 ? positionals : existsSync(defaultDir) ? readdirSync(defaultDir).map((d) => join(defaultDir, d)).filter((d) => statSync(d).isDirectory()) : []
if (dirs.length === 0) {
  console.error(`no oracle output: run tools/oracle/featurize_datasets.sh first (expected ${defaultDir}/<prop>/)`)
  process.exit(2)
}

let computedRanks: ((mol: Molecule, smiles: string) => ArrayLike<number>) | undefined
if (values.computed) {
  try {
    const canon = (await import(join(root, "core/chem/canon/index.ts"))) as {
      canonicalRanks: (m: Molecule, o?: { atomMapNumbers?: ArrayLike<number> }) => Int32Array
    }
    computedRanks = (m, smiles) => {
      const maps = atomMapNumbersOf(smiles)
      return canon.canonicalRanks(m, maps !== undefined && maps.length === m.numAtoms ? { atomMapNumbers: maps } : undefined)
    }
  } catch (e) {
    console.error(`--computed: core/chem/canon is not available (${String(e)})`)
    process.exit(2)
  }
}

const same = sameArray

const rdkit = await loadRDKit()
const stages = ["validity", "capped", "uncapped", "fp", "augmented", "selection", "graph_set", "graphs", "bid", "without", "computed"] as const
type Stage = (typeof stages)[number]
const count: Record<Stage, { ok: number; total: number; bad: string[] }> = Object.fromEntries(stages.map((s) => [s, { ok: 0, total: 0, bad: [] }])) as never
const tally = (s: Stage, ok: boolean, what: string) => {
  count[s].total++
  if (ok) count[s].ok++
  else count[s].bad.push(what)
}
const t0 = performance.now()
let units = 0
for (const dir of dirs) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json.gz")).sort()) {
    const f = JSON.parse(gunzipSync(readFileSync(join(dir, file))).toString("utf8")) as FixtureRecord
    const u = validateRepeatUnit(rdkit, f.smiles)
    const rule = isRepeatUnit(u) ? null : ((u.details as { rule?: string } | undefined)?.rule ?? "?")
    tally("validity", rule === (f.valid ? null : f.rule), `${f.id}: ours ${rule ?? "valid"}, oracle ${f.valid ? "valid" : f.rule}`)
    if (!f.valid || !isRepeatUnit(u)) continue
    units++
    const wrongCapped = CAPPED_UNITS.filter((n) => (oligomerSmiles(rdkit, u, n, true) ?? null) !== (f.capped?.[n] ?? null))
    tally("capped", wrongCapped.length === 0, `${f.id}: ${wrongCapped.join(",")}-mer`)
    const wrongUncapped = UNCAPPED_UNITS.filter((n) => (oligomerSmiles(rdkit, u, n, false) ?? null) !== (f.uncapped?.[n] ?? null))
    tally("uncapped", wrongUncapped.length === 0, `${f.id}: ${wrongUncapped.join(",")}-mer`)
    const wrongFp = CAPPED_UNITS.filter((n) => {
      const fp = fingerprintOfSpec(rdkit, oligomerSpec(u, n, true))
      const exp = f.fp?.[n]
      if (exp == null) return fp !== undefined
      return fp === undefined || fp.length !== FP_BITS || JSON.stringify(onBits(fp)) !== JSON.stringify(exp.on)
    })
    tally("fp", wrongFp.length === 0, `${f.id}: ${wrongFp.join(",")}-mer`)
    const augmented = augmentRepeatUnit(rdkit, u)
    if (f.augmented) tally("augmented", JSON.stringify(augmented) === JSON.stringify(f.augmented), `${f.id}: ${JSON.stringify(augmented)} vs ${JSON.stringify(f.augmented)}`)
    const cand = f.prompt?.candidates
    if (cand) tally("selection", same(selectPromptIndices(cand.length), f.prompt!.selected_indices ?? []), f.id)
    const bySmiles = new Map<string, number[]>()
    for (const g of f.prompt?.graphs ?? []) if (g.smiles && g.ranks) bySmiles.set(g.smiles, g.ranks)
    const wp = f.without_prompt
    if (wp && typeof wp !== "string" && wp.ranks) bySmiles.set(f.smiles, wp.ranks)
    const oracleRanks: AtomRanks = (mol, smiles) => bySmiles.get(smiles) ?? Array.from({ length: mol.numAtoms }, (_, i) => i)
    // with the oracle's own augmented list, so that the later stages are measured on their own
    const p = buildPromptGraphs(rdkit, u, oracleRanks, { augmented: f.augmented ?? augmented })
    const expected = f.prompt?.graphs
    if (expected === undefined) tally("graph_set", p.kind === "failed", `${f.id}: upstream's prompt path fails, ours ${p.kind}`)
    else if (p.kind === "failed") tally("graph_set", false, `${f.id}: ours failed (${p.reason})`)
    else {
      const ours = p.graphs.map((g) => g.smiles)
      const theirs = expected.map((g) => g.smiles)
      const setOk = JSON.stringify(ours) === JSON.stringify(theirs)
      tally("graph_set", setOk, `${f.id}: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`)
      if (setOk) {
        p.graphs.forEach((g, i) => {
          const d = graphDiff(g, expected[i]!)
          tally("graphs", d.filter((x) => x !== "bid").length === 0, `${f.id}#${i}: ${d.join(",")}`)
          tally("bid", !d.includes("bid"), `${f.id}#${i}`)
        })
      }
    }
    if (wp && typeof wp !== "string") {
      const mol = parseMolecule(rdkit, f.smiles)
      if (mol === undefined || !wp.ranks) tally("without", false, `${f.id}: unparsable`)
      else {
        const d = graphDiff(buildLightGraph(mol, wp.ranks), wp)
        tally("without", d.length === 0, `${f.id}: ${d.join(",")}`)
      }
    }
    if (computedRanks !== undefined) {
      const c = buildPromptGraphs(rdkit, u, (mol, smi) => computedRanks!(mol, smi), { augmented })
      let ok: boolean
      if (expected === undefined) ok = c.kind === "failed"
      else ok = c.kind === "ok" && c.graphs.length === expected.length && c.graphs.every((g, i) => graphDiff(g, expected[i]!).length === 0)
      tally("computed", ok, f.id)
    }
  }
}
const secs = (performance.now() - t0) / 1000
console.log(`${units} valid units from ${dirs.length} folder(s) in ${secs.toFixed(1)} s (${((1000 * secs) / Math.max(1, units)).toFixed(1)} ms/unit, all stages)`)
let anyBad = false
for (const s of stages) {
  const c = count[s]
  if (c.total === 0) continue
  console.log(`  ${s.padEnd(10)} ${c.ok}/${c.total}`)
  if (c.bad.length > 0) anyBad = true
  for (const b of c.bad.slice(0, Number(values.show))) console.log(`      ${b.length > 300 ? b.slice(0, 300) + "…" : b}`)
}
process.exit(anyBad ? 1 : 0)
