export * from "./batchRows.ts"
export * from "./format.ts"
export * from "./input.ts"
export * from "./parse.ts"
