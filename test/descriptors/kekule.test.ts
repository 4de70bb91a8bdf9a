/**
 * mordred kekulizes with RDKit 2022.09; the runtime's RDKit (MinimalLib 2026.09) gives another Kekulé form on
 * some aromatic systems, which changes InformationContent and ETA. shared/kekulize2022.ts reproduces 2022.09's
 * assignment; checked here against 2022.09's own bond orders (kekule2022.json.gz, written by
 * `tools/oracle/descriptors.py --emit-kekule`) on every oracle molecule.
 */
import { describe, expect, test } from "bun:test"
import { join } from "node:path"
import { kekulize2022 } from "../../core/chem/descriptors/shared/kekulize2022.ts"
import { RUNTIME_UNPARSABLE } from "./known-differences.ts"
import { FIXTURES, loadOracle, withInput } from "./support.ts"

describe("Kekulé form", () => {
  test("kekulize2022 equals RDKit 2022.09's Chem.Kekulize on every oracle molecule", async () => {
    const bytes = new Uint8Array(await Bun.file(join(FIXTURES, "kekule2022.json.gz")).arrayBuffer())
    const kek = (JSON.parse(new TextDecoder().decode(Bun.gunzipSync(bytes))) as { kekule: Record<string, string> }).kekule
    const mols = (await loadOracle()).filter((m) => !RUNTIME_UNPARSABLE.includes(`${m.polymer}/${m.n}`))
    const bad: string[] = []
    let minimalLibDiffers = 0
    for (const m of mols) {
      const key = `${m.polymer}/${m.n}`
      const [ours, runtime] = await withInput(m.smiles, (input) => [kekulize2022(input), Array.from(input.bondKekule).join("")])
      const s = ours === null ? "failed" : Array.from(ours).join("")
      if (s !== kek[key]) bad.push(`${key}: ${s} vs ${kek[key]}`)
      if (runtime !== kek[key]) minimalLibDiffers++
    }
    expect(bad.slice(0, 5)).toEqual([])
    expect(mols.length).toBeGreaterThan(600)
    console.log(`MinimalLib 2026.09's own Kekulé form differs from 2022.09's on ${minimalLibDiffers} of ${mols.length} molecules`)
  })
})
