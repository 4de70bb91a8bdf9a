/**
 * mordred DetourMatrix: spectral attributes (with SM1) of the detour matrix — longest simple path between
 * every pair of heavy atoms — and the detour index. As mordred: exhaustive simple-path search inside each
 * biconnected component, components joined through articulation points. mordred gives up after 60 s of wall
 * time (config "timeout") and returns NaN; that limit is machine-dependent, so we bound the search by work
 * instead (DETOUR_STEP_LIMIT path extensions) and give NaN past it. Molecules where the two limits disagree
 * are listed in test/descriptors/known-differences.ts.
 */
import type { DescriptorContext } from "../context.ts"
import type { Family } from "../family.ts"
import type { Graph } from "../shared/graph.ts"
import { ATTRS_SM1, matrixAttributes } from "../shared/matrixAttributes.ts"

export const DETOUR_STEP_LIMIT = 2e8

/** biconnected components (edge-based, Tarjan): each as its atom list */
const biconnected = (g: Graph): number[][] => {
  const n = g.n
  const disc = new Int32Array(n).fill(-1)
  const low = new Int32Array(n)
  const comps: number[][] = []
  const edgeStack: number[] = []
  let time = 0
  for (let root = 0; root < n; root++) {
    if (disc[root] !== -1) continue
    // iterative DFS: stack of [atom, parent bond, next neighbour slot]
    const stack: [number, number, number][] = [[root, -1, g.nbrStart[root]!]]
    disc[root] = low[root] = time++
    while (stack.length) {
      const top = stack[stack.length - 1]!
      const [u, pb] = top
      if (top[2] < g.nbrStart[u + 1]!) {
        const x = top[2]++
        const v = g.nbrAtom[x]!
        const b = g.nbrBond[x]!
        if (b === pb) continue
        if (disc[v] === -1) {
          edgeStack.push(b)
          disc[v] = low[v] = time++
          stack.push([v, b, g.nbrStart[v]!])
        } else if (disc[v]! < disc[u]!) {
          edgeStack.push(b)
          low[u] = Math.min(low[u]!, disc[v]!)
        }
      } else {
        stack.pop()
        if (stack.length) {
          const p = stack[stack.length - 1]![0]
          low[p] = Math.min(low[p]!, low[u]!)
          if (low[u]! >= disc[p]!) {
            const atoms = new Set<number>()
            for (;;) {
              const e = edgeStack.pop()!
              atoms.add(g.begin[e]!)
              atoms.add(g.end[e]!)
              if (e === pb) break
            }
            comps.push([...atoms])
          }
        }
      }
    }
  }
  return comps
}

const detourMatrix = (ctx: DescriptorContext): Float64Array | null =>
  ctx.cached("detour", () => {
    const g = ctx.graph(false)
    const n = g.n
    const comps = biconnected(g)
    const inComp = new Int32Array(n).fill(-1)
    let steps = 0
    // longest simple paths inside each component: L[c] is a map local-index pairs
    const local: { atoms: number[]; L: Float64Array }[] = []
    const memberOf: number[][] = Array.from({ length: n }, () => [])
    for (const atoms of comps) {
      const k = atoms.length
      const ci = local.length
      atoms.forEach((a, idx) => {
        inComp[a] = idx
        memberOf[a]!.push(ci)
      })
      const L = new Float64Array(k * k)
      if (k === 2) {
        // a bridge: the only path is the bond
        L[1] = L[2] = 1
        steps += 2
        if (steps > DETOUR_STEP_LIMIT) return null
        for (const a of atoms) inComp[a] = -1
        local.push({ atoms, L })
        continue
      }
      // the block's own adjacency (local indices, graph order), then an explicit-stack DFS from every atom
      const lstart = new Int32Array(k + 1)
      const lnbr: number[] = []
      for (let u = 0; u < k; u++) {
        const au = atoms[u]!
        for (let x = g.nbrStart[au]!; x < g.nbrStart[au + 1]!; x++) {
          const v = inComp[g.nbrAtom[x]!]!
          if (v >= 0 && atoms[v] === g.nbrAtom[x]) lnbr.push(v)
        }
        lstart[u + 1] = lnbr.length
      }
      const nbr = Int32Array.from(lnbr)
      const visited = new Uint8Array(k)
      const stackU = new Int32Array(k)
      const stackX = new Int32Array(k)
      for (let s = 0; s < k; s++) {
        const row = s * k
        let top = 0
        stackU[0] = s
        stackX[0] = lstart[s]!
        visited[s] = 1
        while (top >= 0) {
          const u = stackU[top]!
          const x = stackX[top]!
          if (x < lstart[u + 1]!) {
            stackX[top] = x + 1
            const v = nbr[x]!
            if (visited[v]) continue
            if (++steps > DETOUR_STEP_LIMIT) return null
            const dv = top + 1
            if (dv > L[row + v]!) L[row + v] = dv
            visited[v] = 1
            stackU[++top] = v
            stackX[top] = lstart[v]!
          } else {
            visited[u] = 0
            top--
          }
        }
      }
      for (const a of atoms) inComp[a] = -1
      local.push({ atoms, L })
    }
    // join through articulation points: from each source, walk the block tree (local index of each atom in
    // each of its blocks kept beside the membership, so the walk reads typed arrays only)
    const D = new Float64Array(n * n)
    const dist = new Float64Array(n)
    const seenBlock = new Uint8Array(local.length)
    const memberStart = new Int32Array(n + 1)
    for (let a = 0; a < n; a++) memberStart[a + 1] = memberStart[a]! + memberOf[a]!.length
    const memberBlock = new Int32Array(memberStart[n]!)
    const memberPos = new Int32Array(memberStart[n]!)
    const fill = memberStart.slice(0, n)
    local.forEach((c, ci) =>
      c.atoms.forEach((a, i) => {
        memberBlock[fill[a]!] = ci
        memberPos[fill[a]!++] = i
      }),
    )
    const queue = new Int32Array(n)
    for (let s = 0; s < n; s++) {
      dist.fill(NaN)
      seenBlock.fill(0)
      dist[s] = 0
      let tail = 0
      queue[tail++] = s
      for (let h = 0; h < tail; h++) {
        const u = queue[h]!
        const du = dist[u]!
        for (let x = memberStart[u]!; x < memberStart[u + 1]!; x++) {
          const ci = memberBlock[x]!
          if (seenBlock[ci]) continue
          seenBlock[ci] = 1
          const c = local[ci]!
          const k = c.atoms.length
          const row = memberPos[x]! * k
          for (let iv = 0; iv < k; iv++) {
            const v = c.atoms[iv]!
            if (!Number.isNaN(dist[v]!)) continue
            dist[v] = du + c.L[row + iv]!
            queue[tail++] = v
          }
        }
      }
      for (let j = 0; j < n; j++) D[s * n + j] = dist[j]!
    }
    return D
  })

export const DetourMatrix: Family = {
  name: "DetourMatrix",
  names: [...ATTRS_SM1.map((a) => `${a}_Dt`), "DetourIndex"],
  compute(ctx, out, o) {
    const g = ctx.graph(false)
    const connected = ctx.nFrags === 1
    const D = connected && g.n > 0 ? detourMatrix(ctx) : null
    matrixAttributes(ctx, g, D, out, o, true)
    if (D === null) {
      out[o + 13] = NaN
      return
    }
    let s = 0
    for (let i = 0; i < D.length; i++) s += D[i]!
    out[o + 13] = Math.trunc(0.5 * s)
  },
}
