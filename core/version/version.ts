import pkg from "../../package.json" with { type: "json" }

/** periogt's version, from package.json, baked into the compiled executable at build time. */
export const PERIOGT_VERSION: string = pkg.version

export const runtimeVersions = () => ({
  periogt: PERIOGT_VERSION,
  bun: typeof Bun !== "undefined" ? Bun.version : undefined,
  node_compat: process.versions.node,
  platform: `${process.platform}-${process.arch}`,
})
