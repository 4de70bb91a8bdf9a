"""PerioGT Python oracle: runs upstream PerioGT's own code (imported from a
checkout given on the command line, never vendored) and writes fixtures that
the TypeScript reimplementation is tested against."""

PINNED_UPSTREAM_COMMIT = "fe649e2b71e5d93d2dbd85ea1bc6428ac452ee36"
FIXTURE_FORMAT_VERSION = 1
