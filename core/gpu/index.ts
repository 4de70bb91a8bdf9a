export * from "./assess.ts"
export * from "./matrix.ts"
export * from "./nvidiaSmi.ts"
export * from "./probe.ts"
