export * from "./batchRows.ts"
export * from "./format.ts"
export * from "./parse.ts"
