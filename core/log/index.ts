export * from "./Log.ts"
export * from "./LogService.ts"
