import type { Family } from "../family.ts"
import { fusedRings } from "../shared/rings.ts"

interface Spec {
  order: number | null
  greater: boolean
  fused: boolean
  aromatic: boolean | null
  hetero: boolean | null
}

// mordred RingCount.preset order
const SPECS: Spec[] = []
for (const fused of [false, true])
  for (const aromatic of [null, true, false])
    for (const hetero of [null, true]) {
      SPECS.push({ order: null, greater: false, fused, aromatic, hetero })
      for (let n = fused ? 4 : 3; n < 13; n++) SPECS.push({ order: n, greater: false, fused, aromatic, hetero })
      SPECS.push({ order: 12, greater: true, fused, aromatic, hetero })
    }

const specName = (s: Spec): string =>
  "n" +
  (s.greater ? "G" : "") +
  (s.order ?? "") +
  (s.fused ? "F" : "") +
  (s.aromatic === true ? "a" : s.aromatic === false ? "A" : "") +
  (s.hetero === true ? "H" : s.hetero === false ? "C" : "") +
  "Ring"

export const RingCount: Family = {
  name: "RingCount",
  names: SPECS.map(specName),
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    const describe = (R: Iterable<number>) => {
      let size = 0
      let arom = true
      let hetero = false
      for (const a of R) {
        size++
        if (!g.aromatic[a]) arom = false
        if (g.z[a] !== 6) hetero = true
      }
      return { size, arom, hetero }
    }
    const plain = ctx.input.atomRings.map(describe)
    const fused = fusedRings(ctx).map(describe)
    SPECS.forEach((s, k) => {
      let c = 0
      for (const r of s.fused ? fused : plain) {
        if (s.order !== null && (s.greater ? r.size < s.order : r.size !== s.order)) continue
        if (s.aromatic !== null && r.arom !== s.aromatic) continue
        if (s.hetero !== null && r.hetero !== s.hetero) continue
        c++
      }
      out[o + k] = c
    })
  },
}
