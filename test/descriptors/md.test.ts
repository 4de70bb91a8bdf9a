/**
 * The md vector upstream feeds the network: float32, NaN → 0, > 1e12 → 1e12, StandardScaler. Checked bit for
 * bit against upstream's own vectors (the oracle ran `scaler.transform` on mordred's values): from mordred's raw
 * values (the md step alone) and from our own descriptors (end to end).
 */
import { describe, expect, test } from "bun:test"
import { existsSync, readFileSync } from "node:fs"
import { DESCRIPTOR_NAMES, mdUnscaled, mdVector } from "../../core/chem/descriptors/index.ts"
import { isKnown } from "./known-differences.ts"
import { runParity } from "./parity-run.ts"
import { loadOracle } from "./support.ts"

const SCALER = "/work/shared/data/periogt/scaler_all.pkl"

describe("mdVector", () => {
  test("float32 cast, NaN → 0, > 1e12 → 1e12 (as float32), −∞ kept", () => {
    const v = mdUnscaled([NaN, 1e13, 1e12, 0.1, -Infinity, Infinity, -1e13])
    const cap = Math.fround(1e12) // numpy stores the replacement into the float32 array
    expect(Array.from(v)).toEqual([0, cap, cap, Math.fround(0.1), -Infinity, cap, Math.fround(-1e13)])
  })

  test("(x − mean) / scale rounded to float32 after each step, as numpy on a float32 array", () => {
    const v = mdVector([1, NaN], { mean: [0.1, 0.5], scale: [3, 2] })
    expect(v[0]).toBe(Math.fround(Math.fround(1 - 0.1) / 3))
    expect(v[1]).toBe(Math.fround(-0.5 / 2))
  })

  test.skipIf(!existsSync(SCALER))("bit-identical to upstream's scaled vectors on the oracle set (needs ../shared scaler_all.pkl)", async () => {
    const { parseStandardScaler } = await import("../../core/io/pickle/scaler.ts")
    const scaler = parseStandardScaler(new Uint8Array(readFileSync(SCALER)), SCALER)
    const mols = await loadOracle()
    let checked = 0
    const bad: string[] = []
    for (const m of mols) {
      if (m.md === null) continue
      const ours = mdVector(m.raw, scaler)
      for (let i = 0; i < ours.length; i++)
        if (!Object.is(ours[i], m.md[i]) && !(ours[i] === 0 && m.md[i] === 0))
          bad.push(`${m.polymer}/${m.n} #${i}: ours ${ours[i]}, upstream ${m.md[i]}`)
      checked++
    }
    expect(bad.slice(0, 10)).toEqual([])
    expect(checked).toBeGreaterThan(600)
  })

  test.skipIf(!existsSync(SCALER))("end to end: mdVector(computeDescriptors(…)) is bit-identical to upstream's md vector", async () => {
    const { parseStandardScaler } = await import("../../core/io/pickle/scaler.ts")
    const scaler = parseStandardScaler(new Uint8Array(readFileSync(SCALER)), SCALER)
    const r = await runParity()
    const bad: string[] = []
    let checked = 0
    for (const { mol, ours } of r.values) {
      if (mol.md === null) continue
      const md = mdVector(ours, scaler)
      for (let i = 0; i < md.length; i++)
        if (md[i] !== mol.md[i] && !(Number.isNaN(md[i]) && Number.isNaN(mol.md[i])) && !isKnown(DESCRIPTOR_NAMES[i]!, mol.polymer, mol.n))
          bad.push(`${mol.polymer}/${mol.n} #${i}: ours ${md[i]}, upstream ${mol.md[i]}`)
      checked++
    }
    expect(bad.slice(0, 10)).toEqual([])
    expect(checked).toBeGreaterThan(600)
  })
})
