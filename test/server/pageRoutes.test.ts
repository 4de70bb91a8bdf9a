import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { startTestServer, postJson, type TestServer } from "./support.ts"

/** The page's routes over HTTP: public page and assets with the CSP, the helpers behind the key. */
describe("the page's routes", () => {
  let s: TestServer
  const KEY = "k-page-routes"
  const auth = { "x-api-key": KEY }
  beforeAll(async () => {
    s = await startTestServer({ quiet: true, apiKey: KEY })
  })
  afterAll(() => s.close())

  test("GET /, /page.js, /page.css are public, embedded, with a Content-Security-Policy and no third-party URL", async () => {
    const page = await fetch(`${s.url}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toStartWith("text/html")
    const csp = page.headers.get("content-security-policy")!
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain("unsafe-inline")
    const html = await page.text()
    expect(html).toContain('<script type="module" src="page.js"></script>')
    expect(html).not.toMatch(/<script>|style=/)
    expect(html).not.toMatch(/(href|src)="\//)
    for (const [asset, type] of [["/page.js", "text/javascript"], ["/page.css", "text/css"]] as const) {
      const r = await fetch(`${s.url}${asset}`)
      expect(r.status).toBe(200)
      expect(r.headers.get("content-type")).toStartWith(type)
      const body = await r.text()
      expect(body.length).toBeGreaterThan(1000)
      expect(body).not.toMatch(/https?:\/\/(?!www\.w3\.org)/)
      // behind a reverse proxy under a prefix (Open OnDemand's /rnode/<host>/<port>/) only relative URLs reach the server
      expect(body).not.toMatch(/["'`]\/(v1|page\.|docs|openapi)/)
      const again = await fetch(`${s.url}${asset}`, { headers: { "if-none-match": r.headers.get("etag")! } })
      expect(again.status).toBe(304)
    }
  })

  test("the helpers need the key", async () => {
    expect((await fetch(`${s.url}/v1/info`)).status).toBe(401)
    expect((await postJson(`${s.url}/v1/validate`, { smiles: "*CC*" })).status).toBe(401)
    expect((await fetch(`${s.url}/v1/examples`)).status).toBe(401)
  })

  test("POST /v1/validate: valid with a depiction; invalid with the rule and its text; too long without a depiction", async () => {
    const ok = (await (await postJson(`${s.url}/v1/validate`, { smiles: "*CC(*)c1ccccc1" }, auth)).json()) as Record<string, unknown>
    expect(ok).toMatchObject({ valid: true, rule: null, message: null })
    expect(ok["svg"]).toContain("<svg")
    const bad = (await (await postJson(`${s.url}/v1/validate`, { smiles: "*CC*C" }, auth)).json()) as Record<string, unknown>
    expect(bad).toMatchObject({ valid: false, rule: "wildcard_degree", rule_text: "each '*' must have exactly one neighbour" })
    expect(bad["svg"]).toContain("<svg")
    const unreadable = (await (await postJson(`${s.url}/v1/validate`, { smiles: "*C(C*" }, auth)).json()) as Record<string, unknown>
    expect(unreadable).toMatchObject({ valid: false, rule: "unparsable", svg: null })
    const long = (await (await postJson(`${s.url}/v1/validate`, { smiles: "*" + "C".repeat(2100) + "*" }, auth)).json()) as Record<string, unknown>
    expect(long).toMatchObject({ valid: false, rule: "too_long", svg: null })
  })

  test("GET /v1/examples: the demo's twelve polymers, depicted; GET /v1/info", async () => {
    const { examples } = (await (await fetch(`${s.url}/v1/examples`, { headers: auth })).json()) as { examples: Array<{ id: string; smiles: string; svg: string | null }> }
    expect(examples.length).toBe(12)
    expect(examples[0]).toMatchObject({ id: "polyethylene", smiles: "*CC*" })
    expect(examples.every((e) => e.svg?.includes("<svg") === true)).toBe(true)
    const info = (await (await fetch(`${s.url}/v1/info`, { headers: auth })).json()) as Record<string, unknown>
    expect(info).toMatchObject({ demo: false, model: "PerioGT", jobs: false })
  })
})
