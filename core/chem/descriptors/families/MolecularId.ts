import type { DescriptorContext } from "../context.ts"
import type { Family } from "../family.ts"
import { HALOGENS } from "../shared/elements.ts"
import { degrees } from "../shared/util.ts"

const LIMIT = 1e20 // int(1 / eps²), eps = 1e-10

/** mordred AtomicIds: 1 + ½ Σ over simple paths from the atom of 1/√(Π edge weights), weight = deg·deg */
const atomicIds = (ctx: DescriptorContext): Float64Array =>
  ctx.cached("molecularId:aids", () => {
    const g = ctx.graph(false)
    const deg = degrees(g)
    const n = g.n
    const ids = new Float64Array(n)
    const visited = new Uint8Array(n)
    // edge weight deg·deg per adjacency slot
    const { nbrStart, nbrAtom } = g
    const dd = new Float64Array(nbrAtom.length)
    for (let u = 0; u < n; u++) for (let x = nbrStart[u]!; x < nbrStart[u + 1]!; x++) dd[x] = deg[u]! * deg[nbrAtom[x]!]!
    let acc = 0
    const search = (u: number, w0: number) => {
      for (let x = nbrStart[u]!; x < nbrStart[u + 1]!; x++) {
        const v = nbrAtom[x]!
        if (visited[v]) continue
        const w = dd[x]! * w0
        acc += 1 / Math.sqrt(w)
        if (w < LIMIT) {
          visited[v] = 1
          search(v, w)
          visited[v] = 0
        }
      }
    }
    for (let s = 0; s < n; s++) {
      acc = 0
      visited[s] = 1
      search(s, 1)
      visited[s] = 0
      ids[s] = 1 + acc / 2
    }
    return ids
  })

const TYPES: readonly [string, (z: number) => boolean][] = [
  ["", () => true],
  ["_h", (z) => z !== 1 && z !== 6],
  ["_C", (z) => z === 6],
  ["_N", (z) => z === 7],
  ["_O", (z) => z === 8],
  ["_X", (z) => HALOGENS.has(z)],
]

export const MolecularId: Family = {
  name: "MolecularId",
  names: TYPES.flatMap(([t]) => [`MID${t}`, `AMID${t}`]),
  compute(ctx, out, o) {
    if (ctx.nFrags !== 1) {
      for (let k = 0; k < 12; k++) out[o + k] = NaN
      return
    }
    const g = ctx.graph(false)
    const ids = atomicIds(ctx)
    TYPES.forEach(([, check], k) => {
      let v = 0
      for (let i = 0; i < g.n; i++) if (check(g.z[i]!)) v += ids[i]!
      out[o + 2 * k] = v
      out[o + 2 * k + 1] = v / g.n
    })
  },
}
