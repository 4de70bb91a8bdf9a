import { Context } from "effect"
import type { Logger } from "./Log.ts"

/** The process logger as an Effect service; provided once in `bin/main.ts`. */
export class Log extends Context.Service<Log, Logger>()("periogt/Log") {}
