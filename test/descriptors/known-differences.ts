/**
 * Differences from mordred that are understood and documented, each with its evidence. The parity test
 * excludes exactly these (descriptor, molecule) pairs and fails when a listed molecule no longer differs in
 * any of the entry's descriptors (stale entries must be removed). PARITY.md still counts these descriptors as
 * not exact.
 */
const INFORMATION_CONTENT = ["IC", "TIC", "SIC", "BIC", "CIC", "MIC", "ZMIC"].flatMap((k) =>
  [0, 1, 2, 3, 4, 5].map((o) => `${k}${o}`),
)

export interface KnownDifference {
  /** descriptor names */
  readonly descriptors: readonly string[]
  /** "polymer/n" molecule keys (n = 3, 6, 9) */
  readonly molecules: readonly string[]
  readonly reason: string
}

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    descriptors: INFORMATION_CONTENT,
    molecules: [
    "con010/3", "con010/6", "con010/9", "con011/3", "con011/6", "con011/9", "con015/3", "con015/6",
    "con015/9", "con018/3", "con018/6", "con018/9", "fha002/3", "fha002/6", "fha002/9", "fha003/3",
    "fha003/6", "fha003/9", "fha005/3", "fha005/6", "fha005/9", "fha006/3", "fha006/6", "fha006/9",
    "fha007/3", "fha007/6", "fha007/9", "fha010/3", "fha010/6", "fha010/9", "inr016/3", "inr016/6",
    "inr016/9", "mis014/3", "mis014/6", "mis014/9", "pam004/3", "pam004/6", "pam004/9", "pes005/3",
    "pes005/6", "pes005/9", "rbb008/3", "rbb008/6", "rbb008/9", "sch005/3", "sch005/6", "sch005/9",
    ],
    reason:
      "InformationContent codes contain the Kekulé bond orders of mordred's kekulized molecule. Our Kekulé form " +
      "is RDKit MinimalLib 2026.09's (get_json), which differs from RDKit 2022.09's Chem.Kekulize on these " +
      "aromatic systems. Evidence: kekule.test.ts — with 2022.09's bond orders (kekule2022.json.gz, written by " +
      "the oracle) every InformationContent value equals mordred on every molecule. Fix: port RDKit 2022.09's " +
      "ring ordering + kekulizeWorker (see core/chem/descriptors/README.md).",
  },
]

export const isKnown = (descriptor: string, polymer: string, n: number): KnownDifference | undefined =>
  KNOWN_DIFFERENCES.find((k) => k.descriptors.includes(descriptor) && k.molecules.includes(`${polymer}/${n}`))

/**
 * Molecules the runtime's RDKit (MinimalLib 2026.09, WebAssembly) cannot parse: `get_mol` of a linear chain of
 * more than ~860 atoms overflows the WebAssembly stack ("RuntimeError: Out of bounds memory access"; C×850
 * parses, C×870 does not) and the module is unusable afterwards (every later call fails too). They are skipped
 * by the parity run, which would otherwise lose its RDKit; mordred computed them (len001/3: 873 heavy atoms).
 */
export const RUNTIME_UNPARSABLE: readonly string[] = ["len001/3"]
