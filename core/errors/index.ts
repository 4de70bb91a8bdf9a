export * from "./codes.ts"
export * from "./PeriogtError.ts"
