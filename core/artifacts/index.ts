export * from "./check.ts"
export * from "./indexFile.ts"
export * from "./layout.ts"
export * from "./properties.ts"
