import type { Family } from "../family.ts"

// Bondi radii mordred uses (facts), by atomic number
const BONDI: ReadonlyMap<number, number> = new Map([
  [1, 1.2], [6, 1.7], [7, 1.55], [8, 1.52], [9, 1.47], [17, 1.75], [35, 1.85],
  [15, 1.8], [16, 1.8], [33, 1.85], [5, 2.13], [14, 2.1], [34, 1.9],
])

export const VdwVolumeABC: Family = {
  name: "VdwVolumeABC",
  names: ["Vabc"],
  compute(ctx, out, o) {
    const g = ctx.graph(true)
    let ac = 0
    for (let i = 0; i < g.n; i++) {
      const r = BONDI.get(g.z[i]!)
      if (r === undefined) {
        out[o] = NaN
        return
      }
      ac += (4 / 3) * Math.PI * r ** 3
    }
    // RingCount(aromatic) / RingCount(aliphatic) over RDKit's rings (heavy-atom graph)
    const gh = ctx.graph(false)
    let nArom = 0
    let nAli = 0
    for (const r of ctx.input.atomRings) {
      let arom = true
      for (const a of r) if (!gh.aromatic[a]) arom = false
      if (arom) nArom++
      else nAli++
    }
    out[o] = ac - 5.92 * g.nb - 14.7 * nArom - 3.8 * nAli
  },
}
