import { Context } from "effect"
import type { PeriogtConfig } from "./resolve.ts"

/** The resolved configuration as an Effect service; provided once in `bin/main.ts`. */
export class AppConfig extends Context.Service<AppConfig, PeriogtConfig>()("periogt/AppConfig") {}
