/**
 * Imported first by bin/periogt.ts: SIGTERM/SIGINT are handled from the executable's first moments
 * (core/runtime/signals.ts), before any command module, configuration or model is loaded.
 */
import { armStopSignals } from "./signals.ts"

armStopSignals()
