/**
 * Parses `count` molecules through the molecule layer in this fresh process and prints the resident
 * memory before and after (after a warm-up), as JSON. Run by test/chem/molecule.test.ts in its own
 * process, so that whatever other tests left running cannot move the figure.
 */
import { parseMolecule } from "../../../core/chem/molecule/index.ts"
import { loadRDKit } from "../../../core/runtime/rdkit.ts"

const count = Number(process.argv[2] ?? 10_000)
const rdkit = await loadRDKit()
const smiles = ["*CC(*)c1ccccc1", "*C[C@@H](Cl)C(*)F", "*/C=C/c1ccc(*)cc1", "*OC(=O)c1ccc(C(=O)OCC*)cc1", "C1CC"]
for (let i = 0; i < 2_000; i++) parseMolecule(rdkit, smiles[i % smiles.length]!)
Bun.gc(true)
const rss0 = process.memoryUsage().rss
for (let i = 0; i < count; i++) parseMolecule(rdkit, smiles[i % smiles.length]!)
Bun.gc(true)
process.stdout.write(JSON.stringify({ count, rss0, rss1: process.memoryUsage().rss }) + "\n")
