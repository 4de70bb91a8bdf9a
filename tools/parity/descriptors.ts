/**
 * Descriptor parity on any oracle output directory (default: the committed fixtures), without touching
 * PARITY.md — for sweeps over more molecules than the committed set:
 *
 *   tools/oracle/.venv/bin/python tools/oracle/descriptors.py --input /work/shared/data/periogt/datasets/eps/eps.csv --out /tmp/eps-desc
 *   bun tools/parity/descriptors.ts /tmp/eps-desc [--show 20]
 *
 * Prints per family the descriptors exact on every molecule, then the first mismatches (descriptor,
 * molecule, ours, mordred, mordred's error). Exit code 1 when anything differs.
 */
import { parseArgs } from "node:util"

const { values, positionals } = parseArgs({ allowPositionals: true, options: { show: { type: "string", default: "20" } } })
if (positionals[0]) process.env.PERIOGT_DESCRIPTOR_FIXTURES = positionals[0]
const { REGISTRY } = await import("../../core/chem/descriptors/index.ts")
const { runParity } = await import("../../test/descriptors/parity-run.ts")

const r = await runParity()
console.log(`${r.molecules} molecules (${r.skipped.length} skipped: runtime RDKit cannot parse), ours ${r.seconds.toFixed(1)} s`)
let exact = 0
for (const f of REGISTRY) {
  let ok = 0
  for (let k = 0; k < f.names.length; k++) if (r.matches[f.offset + k] === r.molecules) ok++
  exact += ok
  if (ok < f.names.length) console.log(`  ${f.name}: ${ok}/${f.names.length}`)
}
console.log(`exact: ${exact}/${REGISTRY.reduce((s, f) => s + f.names.length, 0)}`)
for (const m of r.mismatches.slice(0, Number(values.show)))
  console.log(`  ${m.descriptor} ${m.polymer}/${m.n}: ours ${m.ours}, mordred ${m.theirs}${m.error ? ` (${m.error})` : ""}`)
process.exit(r.mismatches.length ? 1 : 0)
