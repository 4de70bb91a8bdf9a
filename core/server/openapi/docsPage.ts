import type { OpenApiDocument } from "./OpenApi.ts"

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const refName = (schema: unknown): string | undefined => {
  if (typeof schema === "object" && schema !== null && "$ref" in schema && typeof schema.$ref === "string") return schema.$ref.split("/").at(-1)
  return undefined
}

const schemaLink = (schema: unknown) => {
  const name = refName(schema)
  return name === undefined ? `<pre>${escape(JSON.stringify(schema, null, 2))}</pre>` : `<a href="#schema-${escape(name)}"><code>${escape(name)}</code></a>`
}

const contentOf = (x: unknown): Array<[string, unknown]> => {
  if (typeof x !== "object" || x === null || !("content" in x) || typeof x.content !== "object" || x.content === null) return []
  return Object.entries(x.content as Record<string, { schema?: unknown }>).map(([type, v]) => [type, v.schema])
}

/**
 * `GET /docs`: the OpenAPI document rendered as plain HTML on the server — no script, no CDN (compute
 * nodes reach no internet), readable through an ssh tunnel. /openapi.json has the machine-readable form.
 */
export const docsPage = (doc: OpenApiDocument): string => {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const o = op as Record<string, unknown>
      const isPublic = Array.isArray(o.security) && o.security.length === 0
      const body = o.requestBody === undefined ? "" : `<p><b>Request body</b> ${contentOf(o.requestBody).map(([t, s]) => `<code>${escape(t)}</code> ${schemaLink(s)}`).join(" ")}</p>`
      const responses = Object.entries((o.responses ?? {}) as Record<string, { description: string }>)
        .map(([status, r]) => `<tr><td><code>${escape(status)}</code></td><td>${escape(r.description)}</td><td>${contentOf(r).map(([t, s]) => `<code>${escape(t)}</code> ${schemaLink(s)}`).join(" ")}</td></tr>`)
        .join("")
      return `<section class="op" id="${escape(String(o.operationId ?? ""))}">
<h3><span class="m ${escape(method)}">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code> ${isPublic ? `<span class="pub">no key needed</span>` : ""}</h3>
<p>${escape(String(o.summary ?? ""))}</p>${o.description === undefined ? "" : `<p class="d">${escape(String(o.description))}</p>`}
${body}<table><tr><th>Status</th><th>Meaning</th><th>Body</th></tr>${responses}</table></section>`
    }),
  )
  const schemas = Object.entries(doc.components.schemas)
    .map(([name, s]) => `<section id="schema-${escape(name)}"><h3><code>${escape(name)}</code></h3><pre>${escape(JSON.stringify(s, null, 2))}</pre></section>`)
    .join("\n")
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(doc.info.title)} ${escape(doc.info.version)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f6f6f6;padding:.6rem;overflow:auto;border-radius:4px}
.op{border:1px solid #ddd;border-radius:6px;padding:.2rem 1rem;margin:1rem 0}.m{display:inline-block;min-width:3.5rem;text-align:center;border-radius:4px;color:#fff;padding:0 .4rem}
.get{background:#2b7bb9}.post{background:#3a9a4a}.pub{font-size:12px;color:#666;font-weight:normal}.d{color:#444}
table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #eee;text-align:left;padding:.2rem .4rem;vertical-align:top}
</style></head><body>
<h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1>
<p>${escape(doc.info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${escape(doc.openapi)}).</p>
<h2>Operations</h2>
${ops.join("\n")}
<h2>Schemas</h2>
${schemas}
</body></html>
`
}
