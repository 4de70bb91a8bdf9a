/**
 * Evidence for the Kekulé known difference (known-differences.ts): InformationContent and ETA, the families
 * that read mordred's kekulized molecule, equal mordred on every molecule when given RDKit 2022.09's Kekulé
 * bond orders (kekule2022.json.gz, written by `tools/oracle/descriptors.py --emit-kekule`); the molecules
 * listed as known differences are exactly ones whose MinimalLib 2026.09 Kekulé form differs.
 */
import { describe, expect, test } from "bun:test"
import { join } from "node:path"
import { computeDescriptors, REGISTRY } from "../../core/chem/descriptors/index.ts"
import { KNOWN_DIFFERENCES, RUNTIME_UNPARSABLE } from "./known-differences.ts"
import { FIXTURES, loadOracle, same, withInput } from "./support.ts"

const KEKULE_FAMILIES = new Set(["InformationContent", "ExtendedTopochemicalAtom"])

const load = async () => {
  const bytes = new Uint8Array(await Bun.file(join(FIXTURES, "kekule2022.json.gz")).arrayBuffer())
  return (JSON.parse(new TextDecoder().decode(Bun.gunzipSync(bytes))) as { kekule: Record<string, string> }).kekule
}

describe("Kekulé form", () => {
  test("InformationContent and ETA equal mordred everywhere with RDKit 2022.09's Kekulé bond orders", async () => {
    const kek = await load()
    const mols = (await loadOracle()).filter((m) => !RUNTIME_UNPARSABLE.includes(`${m.polymer}/${m.n}`))
    const fams = REGISTRY.filter((f) => KEKULE_FAMILIES.has(f.name))
    const bad: string[] = []
    const differing: string[] = []
    for (const m of mols) {
      const key = `${m.polymer}/${m.n}`
      const k = kek[key]
      expect(k, key).toBeDefined()
      const ours = await withInput(m.smiles, (input) => {
        const bondKekule = Uint8Array.from(k!, (c) => Number(c))
        if (bondKekule.some((o, b) => o !== input.bondKekule[b])) differing.push(key)
        return computeDescriptors({ ...input, bondKekule }, KEKULE_FAMILIES)
      })
      for (const f of fams)
        for (let i = f.offset; i < f.offset + f.names.length; i++)
          if (!same(ours[i]!, m.raw[i]!)) bad.push(`${f.names[i - f.offset]} ${key}: ours ${ours[i]}, mordred ${m.raw[i]}`)
    }
    expect(bad.slice(0, 10)).toEqual([])
    const listed = KNOWN_DIFFERENCES.flatMap((k) => k.molecules)
    expect(listed.filter((m) => !differing.includes(m))).toEqual([])
    console.log(`Kekulé form differs (MinimalLib 2026.09 vs RDKit 2022.09) on ${differing.length} of ${mols.length} molecules`)
  })
})
