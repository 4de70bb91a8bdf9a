/**
 * Seeded random and mutated SMILES strings: half random strings over SMILES tokens, half repeat units
 * with one to three random edits (insert a token, delete a character, append another unit). The same
 * seed gives the same strings, so a failure names an input that reproduces.
 */
const mulberry32 = (seed: number) => () => {
  seed |= 0
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const SEEDS = ["*CC*", "*CC(*)c1ccccc1", "*C(C)(C(=O)OC)C*", "*Oc1ccc(C(C)(C)c2ccc(OC(*)=O)cc2)cc1", "*/C=C/c1ccc(*)cc1",
  "*C[C@@H](Cl)C(*)F", "*[Si](C)(C)O*", "*=C1C=CC(=*)C=C1", "*c1ccc(-c2ccc(*)s2)s1", "*NC(=O)CCCCC(=O)NCCCCCC*"]
const ALPHABET = ["*", "C", "c", "N", "n", "O", "o", "S", "F", "Cl", "Br", "(", ")", "=", "#", "1", "2", "[", "]", "@", "@@", "/", "\\", "+", "-", "H", ".", "%10", "[nH]", "[Si]", "[*]", "[13C]", ":"]

export function* fuzzSmiles(count: number, seed = 20260917): Generator<string> {
  const rnd = mulberry32(seed)
  const pick = <T,>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!
  for (let i = 0; i < count; i++) {
    let s: string
    if (i % 2 === 0) {
      const len = 1 + Math.floor(rnd() * 24)
      s = Array.from({ length: len }, () => pick(ALPHABET)).join("")
    } else {
      s = pick(SEEDS)
      const edits = 1 + Math.floor(rnd() * 3)
      for (let e = 0; e < edits; e++) {
        const p = Math.floor(rnd() * (s.length + 1))
        const op = rnd()
        s = op < 0.4 ? s.slice(0, p) + pick(ALPHABET) + s.slice(p) : op < 0.8 ? s.slice(0, p) + s.slice(p + 1) : s + pick(SEEDS)
      }
    }
    yield s
  }
}
