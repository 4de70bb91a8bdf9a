/**
 * The page's script and style, inlined at build time by the macros in bundle.ts. Imported lazily (on the
 * first `GET /`), so commands other than `serve` never pay for the bundling when run from source.
 */
import { bundlePage, pageCss } from "./bundle.ts" with { type: "macro" }

export const PAGE_JS: string = bundlePage()
export const PAGE_CSS: string = pageCss()
