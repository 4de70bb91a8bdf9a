export * from "./session.ts"
export * from "./batch.ts"
