/**
 * The valid repeat units among seeded fuzz strings (test/chem/support/fuzzSmiles.ts), as a CSV the
 * oracle can featurize — so the featurizer's parity can be measured on inputs nobody wrote by hand:
 *
 *   bun tools/parity/fuzzUnits.ts > /tmp/fuzz.csv            # 4 seeds × 10 000 strings
 *   tools/oracle/.venv/bin/python tools/oracle/featurize.py --upstream <PerioGT_common> \
 *       --input /tmp/fuzz.csv --out /tmp/fuzz-oracle --quiet
 *   bun tools/parity/featurizer.ts /tmp/fuzz-oracle --computed
 *
 * Validity is ours (MinimalLib); the oracle reports any unit it finds unparsable, and the parity
 * tool counts that as a validity mismatch.
 */
import { loadRDKit } from "../../core/runtime/rdkit.ts"
import { isRepeatUnit, validateRepeatUnit } from "../../core/chem/polymer/repeatUnit.ts"
import { fuzzSmiles } from "../../test/chem/support/fuzzSmiles.ts"

const SEEDS = [20260917, 1, 2, 3]
const rdkit = await loadRDKit()
const seen = new Set<string>()
const rows = ["id,smiles"]
for (const seed of SEEDS)
  for (const s of fuzzSmiles(10_000, seed)) {
    if (seen.has(s)) continue
    seen.add(s)
    // valid here, or invalid here only for a reason the oracle could disagree with (it parses, we do not)
    const u = validateRepeatUnit(rdkit, s)
    const rule = isRepeatUnit(u) ? undefined : (u.details as { rule?: string } | undefined)?.rule
    if (rule === undefined || rule === "unparsable") rows.push(`fz${String(rows.length).padStart(5, "0")},"${s.replaceAll('"', '""')}"`)
  }
process.stdout.write(rows.join("\n") + "\n")
