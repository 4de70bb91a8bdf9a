/**
 * Differences from mordred that are understood and documented, each with its evidence. The parity test
 * excludes exactly these (descriptor, molecule) pairs and fails when a listed molecule no longer differs in
 * any of the entry's descriptors (stale entries must be removed). PARITY.md still counts these descriptors as
 * not exact.
 */
export interface KnownDifference {
  /** descriptor names */
  readonly descriptors: readonly string[]
  /** "polymer/n" molecule keys (n = 3, 6, 9) */
  readonly molecules: readonly string[]
  readonly reason: string
}

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = []

export const isKnown = (descriptor: string, polymer: string, n: number): KnownDifference | undefined =>
  KNOWN_DIFFERENCES.find((k) => k.descriptors.includes(descriptor) && k.molecules.includes(`${polymer}/${n}`))

/**
 * Molecules the runtime's RDKit (MinimalLib 2026.09, WebAssembly) cannot parse: `get_mol` of a linear chain of
 * more than ~860 atoms overflows the WebAssembly stack ("RuntimeError: Out of bounds memory access"; C×850
 * parses, C×870 does not) and the module is unusable afterwards (every later call fails too). They are skipped
 * by the parity run, which would otherwise lose its RDKit; mordred computed them (len001/3: 873 heavy atoms).
 */
export const RUNTIME_UNPARSABLE: readonly string[] = ["len001/3"]
