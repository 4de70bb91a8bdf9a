/**
 * The /v1 HTTP server (issue 8). To serve a real Predictor: `serveWith(predictorLayer, serverEnvironment(prepared))`
 * in `core/commands/serve.ts`; `startServer` for tests and embedding.
 */
export * from "./domain/Api.ts"
export { HTTP_CODES, type HttpCode } from "./http/Problem.ts"
export { API_LIMITS, SERVER_LIMITS, type ServerLimits } from "./limits.ts"
export { makeServer, RunningServer, serveWith, serverEnvironment, settingsFromConfig, startServer, type ServerInfo } from "./Server.ts"
export type { ServerEnvironment, ServerSettings } from "./ServerConfig.ts"
