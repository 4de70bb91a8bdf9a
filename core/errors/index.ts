export * from "./codes.ts"
export * from "./PeriogtError.ts"
export * from "./fsError.ts"
