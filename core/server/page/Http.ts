/**
 * `GET /` (the page), `/page.js` and `/page.css`: public (the page asks for the API key when an API call
 * answers 401), embedded in the executable, served with a Content-Security-Policy that allows this
 * server's own script, style and API only — no CDN, no inline script, works with no network.
 */
import { createHash } from "node:crypto"
import { Effect } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { PERIOGT_VERSION } from "../../version/version.ts"
import type { Handler } from "../http/Route.ts"
import { ServerConfig } from "../ServerConfig.ts"
import { pageHtml } from "./html.ts"

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ")

const SECURITY_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
}

type Asset = { readonly body: string; readonly etag: string }
let assets: Promise<{ js: Asset; css: Asset }> | undefined
const asset = (body: string): Asset => ({ body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"` })
const loadAssets = () => (assets ??= import("./assets.ts").then((m) => ({ js: asset(m.PAGE_JS), css: asset(m.PAGE_CSS) })))

const serveAsset = (pick: (a: { js: Asset; css: Asset }) => Asset, contentType: string): Handler => () =>
  Effect.gen(function* () {
    const a = pick(yield* Effect.promise(loadAssets))
    const request = yield* HttpServerRequest.HttpServerRequest
    const headers = { ...SECURITY_HEADERS, etag: a.etag, "cache-control": "no-cache" }
    if (request.headers["if-none-match"] === a.etag) return HttpServerResponse.empty({ status: 304, headers })
    return HttpServerResponse.text(a.body, { contentType, headers })
  })

export const pageJs = serveAsset((a) => a.js, "text/javascript; charset=utf-8")
export const pageCss = serveAsset((a) => a.css, "text/css; charset=utf-8")

let htmlCache: { demo: boolean; html: string } | undefined

export const page: Handler = () =>
  Effect.gen(function* () {
    const config = yield* ServerConfig
    const demo = config.demo === true
    if (htmlCache?.demo !== demo) htmlCache = { demo, html: pageHtml({ version: PERIOGT_VERSION, demo }) }
    return HttpServerResponse.html(htmlCache.html).pipe(HttpServerResponse.setHeaders({ ...SECURITY_HEADERS, "cache-control": "no-cache" }))
  })
