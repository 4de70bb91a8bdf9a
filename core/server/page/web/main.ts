/**
 * The page's script (bundled by Bun at build time, served as /page.js). Talks to the /v1 API only;
 * sends the API key the user gave (sessionStorage, this tab only) as X-Api-Key on every call, and asks
 * for it again on any 401.
 */

const KEY_STORAGE = "periogt-api-key"
const JOB_STORAGE = "periogt-last-job"

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id)
  if (el === null) throw new Error(`#${id} is missing`)
  return el as T
}

interface ErrorBody {
  readonly error?: { readonly code: string; readonly message: string; readonly action?: string; readonly details?: unknown }
}
interface Info {
  readonly version: string
  readonly demo: boolean
  readonly model: string
  readonly jobs: boolean
  readonly max_upload_bytes: number
}
interface Property {
  readonly id: string
  readonly label: string
  readonly units: string
}
interface Prediction {
  readonly smiles: string
  readonly property: string
  readonly prediction: { readonly value: number; readonly units: string }
  readonly model: { readonly name: string; readonly checkpoint: string }
}
interface ItemError {
  readonly code: string
  readonly message: string
}
interface Job {
  readonly id: string
  readonly state: "queued" | "running" | "completed" | "failed"
  readonly name: string
  readonly rows_total: number | null
  readonly rows_done: number
  readonly rows_failed: number
  readonly rows_per_second: number | null
  readonly eta_seconds: number | null
  readonly error: { readonly code: string; readonly message: string } | null
  readonly results_url: string | null
}
interface Verdict {
  readonly smiles: string
  readonly valid: boolean
  readonly rule: string | null
  readonly rule_text: string | null
  readonly message: string | null
  readonly svg: string | null
}

let info: Info = { version: $("version").textContent ?? "", demo: !$("demo-banner").hidden, model: "PerioGT", jobs: true, max_upload_bytes: 0 }
let properties: ReadonlyArray<Property> = []

// --- API key ---

let keyAsked: Promise<void> | undefined

/** Shows the key dialog (once, however many calls got 401) and resolves when a key was given. */
const askKey = (rejected: boolean): Promise<void> =>
  (keyAsked ??= new Promise<void>((resolve, reject) => {
    const dialog = $<HTMLDialogElement>("key-dialog")
    const input = $<HTMLInputElement>("api-key")
    $("key-reason").textContent = rejected
      ? "The API key was not accepted (401). Enter the key this server was started with."
      : "This server asks for an API key (X-Api-Key). It is kept for this browser tab only."
    input.value = ""
    const done = () => {
      dialog.removeEventListener("close", done)
      keyAsked = undefined
      const key = input.value.trim()
      if (dialog.returnValue === "ok" && key !== "") {
        sessionStorage.setItem(KEY_STORAGE, key)
        resolve()
      } else reject(new Error("an API key is needed to use this server"))
    }
    dialog.addEventListener("close", done)
    dialog.returnValue = ""
    dialog.showModal()
    input.focus()
  }))

/** fetch with X-Api-Key; on 401 asks for the key and tries again. */
// paths relative to the page: behind a reverse proxy that mounts the server under a prefix (Open
// OnDemand's /rnode/<host>/<port>/) an absolute "/v1/…" would leave the prefix and miss the server
const api = async (path: string, init: RequestInit = {}): Promise<Response> => {
  for (;;) {
    const headers = new Headers(init.headers)
    const key = sessionStorage.getItem(KEY_STORAGE)
    if (key !== null) headers.set("x-api-key", key)
    const r = await fetch(path, { ...init, headers })
    if (r.status !== 401) return r
    sessionStorage.removeItem(KEY_STORAGE)
    await askKey(key !== null)
  }
}

const errorText = async (r: Response): Promise<string> => {
  try {
    const body = (await r.json()) as ErrorBody
    if (body.error !== undefined) return `${body.error.message}${body.error.action !== undefined ? ` — ${body.error.action}` : ""} (${body.error.code})`
  } catch {}
  return `HTTP ${r.status}`
}

const postJson = (path: string, body: unknown) => api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

const setStatus = (id: string, text: string, kind: "ok" | "bad" | "" = "") => {
  const el = $(id)
  el.textContent = text
  el.className = `status${kind === "" ? "" : ` ${kind}`}`
}

/** An SVG as an <img> (through a blob: URL, so nothing in it can run). */
const svgImage = (svg: string, alt: string): HTMLImageElement => {
  const img = document.createElement("img")
  img.src = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }))
  img.alt = alt
  img.addEventListener("load", () => URL.revokeObjectURL(img.src), { once: true })
  return img
}

const saveBlob = (blob: Blob, name: string) => {
  const a = document.createElement("a")
  a.href = URL.createObjectURL(blob)
  a.download = name
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000)
}

// --- validation as you type ---

const smilesInput = $<HTMLInputElement>("smiles")
let validateSeq = 0
let validateTimer: ReturnType<typeof setTimeout> | undefined
let lastVerdict: Verdict | undefined

const showDepiction = (v: Verdict | undefined) => {
  const fig = $("depiction")
  fig.replaceChildren()
  if (v?.svg == null) {
    const cap = document.createElement("figcaption")
    cap.textContent = v === undefined ? "The depiction appears here" : "No depiction: the SMILES cannot be read"
    fig.append(cap)
  } else fig.append(svgImage(v.svg, `Depiction of ${v.smiles}`))
}

const validateNow = async (): Promise<Verdict | undefined> => {
  const smiles = smilesInput.value.trim()
  const seq = ++validateSeq
  if (smiles === "") {
    lastVerdict = undefined
    smilesInput.removeAttribute("aria-invalid")
    setStatus("smiles-status", "")
    showDepiction(undefined)
    return undefined
  }
  const r = await postJson("v1/validate", { smiles })
  if (seq !== validateSeq) return undefined
  if (!r.ok) {
    setStatus("smiles-status", await errorText(r), "bad")
    return undefined
  }
  const v = (await r.json()) as Verdict
  lastVerdict = v
  smilesInput.setAttribute("aria-invalid", v.valid ? "false" : "true")
  if (v.valid) setStatus("smiles-status", "✓ A valid repeat unit", "ok")
  else setStatus("smiles-status", `✗ Rule ${v.rule ?? "?"}: ${v.rule_text ?? v.message ?? "not a valid repeat unit"}`, "bad")
  $("smiles-status").dataset["rule"] = v.rule ?? ""
  showDepiction(v)
  return v
}

smilesInput.addEventListener("input", () => {
  clearTimeout(validateTimer)
  validateTimer = setTimeout(() => void validateNow().catch((e: unknown) => setStatus("smiles-status", String(e), "bad")), 200)
})

// --- properties ---

const selectedProperties = (): Array<string> =>
  [...document.querySelectorAll<HTMLInputElement>('#properties input[name="property"]:checked')].map((c) => c.value)

const loadProperties = async () => {
  const box = $("properties")
  const r = await api("v1/properties")
  if (!r.ok) {
    box.textContent = await errorText(r)
    if (r.status === 503) setTimeout(() => void loadProperties(), 2000)
    return
  }
  properties = ((await r.json()) as { properties: Array<Property> }).properties
  const all = document.createElement("button")
  all.type = "button"
  all.className = "secondary"
  all.textContent = "Select all"
  all.addEventListener("click", () => {
    for (const c of document.querySelectorAll<HTMLInputElement>('#properties input[name="property"]')) c.checked = true
  })
  box.replaceChildren(
    ...properties.map((p, i) => {
      const label = document.createElement("label")
      const c = document.createElement("input")
      c.type = "checkbox"
      c.name = "property"
      c.value = p.id
      c.checked = i === 0 || properties.length <= 4
      label.append(c, ` ${p.label} (${p.id}, ${p.units})`)
      return label
    }),
    ...(properties.length > 1 ? [all] : []),
  )
}

// --- prediction ---

const demoTag = () => {
  const t = document.createElement("span")
  t.className = "tag"
  t.textContent = "demonstration — not a PerioGT prediction"
  return t
}

const cell = (text: string | Node, className = "") => {
  const td = document.createElement("td")
  if (className !== "") td.className = className
  td.append(text)
  return td
}

const showResults = (smiles: string, results: ReadonlyArray<Prediction | ItemError>, asked: ReadonlyArray<string>) => {
  const table = $<HTMLTableElement>("results")
  table.querySelector("caption")!.textContent = `Predictions for ${smiles}`
  const rows = results.map((res, i) => {
    const tr = document.createElement("tr")
    const id = asked[i]!
    const label = properties.find((p) => p.id === id)?.label ?? id
    const th = document.createElement("th")
    th.scope = "row"
    th.textContent = label
    tr.append(th)
    if ("prediction" in res) {
      const model = document.createElement("span")
      model.textContent = `${res.model.name} · ${res.model.checkpoint} `
      if (info.demo) model.append(demoTag())
      tr.append(cell(Number(res.prediction.value.toPrecision(6)).toString(), "num"), cell(res.prediction.units), cell(model), cell(info.version))
    } else {
      const td = cell(`${res.message} (${res.code})`, "error-text")
      td.colSpan = 4
      tr.append(td)
    }
    return tr
  })
  table.tBodies[0]!.replaceChildren(...rows)
  table.hidden = false
}

$<HTMLFormElement>("predict-form").addEventListener("submit", (ev) => {
  ev.preventDefault()
  void (async () => {
    const asked = selectedProperties()
    const v = await validateNow()
    if (v === undefined) {
      setStatus("predict-status", "Enter a repeat unit first.", "bad")
      smilesInput.focus()
      return
    }
    if (!v.valid) {
      setStatus("predict-status", "Fix the repeat unit first (see the rule above).", "bad")
      smilesInput.focus()
      return
    }
    if (asked.length === 0) {
      setStatus("predict-status", "Choose at least one property.", "bad")
      document.querySelector<HTMLInputElement>('#properties input[name="property"]')?.focus()
      return
    }
    setStatus("predict-status", "Predicting…")
    $<HTMLButtonElement>("predict-button").disabled = true
    try {
      const r = await postJson("v1/predict/batch", { items: asked.map((property) => ({ smiles: v.smiles, property })) })
      if (!r.ok) return setStatus("predict-status", await errorText(r), "bad")
      const body = (await r.json()) as { results: Array<Prediction | ItemError> }
      showResults(v.smiles, body.results, asked)
      setStatus("predict-status", `Done: ${body.results.length} ${body.results.length === 1 ? "property" : "properties"}${info.demo ? " (demonstration model)" : ""}.`, "ok")
    } finally {
      $<HTMLButtonElement>("predict-button").disabled = false
    }
  })().catch((e: unknown) => setStatus("predict-status", e instanceof Error ? e.message : String(e), "bad"))
})

$("embedding-button").addEventListener("click", () => {
  void (async () => {
    const v = await validateNow()
    if (v === undefined || !v.valid) return setStatus("predict-status", "Enter a valid repeat unit first.", "bad")
    setStatus("predict-status", "Computing the embedding…")
    const r = await postJson("v1/embeddings", { smiles: v.smiles })
    if (!r.ok) return setStatus("predict-status", await errorText(r), "bad")
    const body = (await r.json()) as { smiles: string; dim: number; embedding: Array<number> }
    const out = { smiles: body.smiles, dim: body.dim, embedding: body.embedding, model: info.model, version: info.version, demo: info.demo }
    saveBlob(new Blob([JSON.stringify(out)], { type: "application/json" }), "embedding.json")
    setStatus("predict-status", `Embedding saved (${body.dim} numbers)${info.demo ? " — demonstration model" : ""}.`, "ok")
  })().catch((e: unknown) => setStatus("predict-status", e instanceof Error ? e.message : String(e), "bad"))
})

// --- gallery ---

const loadGallery = async () => {
  const r = await api("v1/examples")
  if (!r.ok) return
  const { examples } = (await r.json()) as { examples: Array<{ id: string; smiles: string; svg: string | null }> }
  $("gallery").replaceChildren(
    ...examples.map((e) => {
      const li = document.createElement("li")
      const b = document.createElement("button")
      b.type = "button"
      b.setAttribute("aria-label", `Use ${e.id}: ${e.smiles}`)
      if (e.svg !== null) b.append(svgImage(e.svg, ""))
      const name = document.createElement("span")
      name.textContent = e.id
      b.append(name)
      b.addEventListener("click", () => {
        smilesInput.value = e.smiles
        smilesInput.focus()
        void validateNow()
      })
      li.append(b)
      return li
    }),
  )
}

// --- batch jobs ---

const fileInput = $<HTMLInputElement>("csv-file")
const drop = $("drop")
drop.addEventListener("dragover", (e) => {
  e.preventDefault()
  drop.classList.add("over")
})
drop.addEventListener("dragleave", () => drop.classList.remove("over"))
drop.addEventListener("drop", (e) => {
  e.preventDefault()
  drop.classList.remove("over")
  if (e.dataTransfer !== null && e.dataTransfer.files.length > 0) fileInput.files = e.dataTransfer.files
})

const seconds = (s: number) => (s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`)

const showJob = (job: Job) => {
  const bar = $<HTMLProgressElement>("job-progress")
  $("job").hidden = false
  $("job-label").textContent = `Job ${job.name}: ${job.state}`
  const total = job.rows_total ?? 0
  bar.max = Math.max(1, total)
  bar.value = job.state === "completed" ? bar.max : Math.min(job.rows_done, bar.max)
  $("job").dataset["state"] = job.state
  if (job.state === "failed") return setStatus("job-status", `Failed: ${job.error?.message ?? "unknown error"} (${job.error?.code ?? "?"})`, "bad")
  if (job.state === "completed")
    return setStatus("job-status", `Completed: ${job.rows_done} rows, ${job.rows_failed} failed${info.demo ? " — demonstration model, not PerioGT predictions" : ""}.`, "ok")
  const pace = job.rows_per_second === null ? "" : ` · ${job.rows_per_second.toFixed(1)} rows/s`
  const eta = job.eta_seconds === null ? "" : ` · ETA ${seconds(job.eta_seconds)}`
  setStatus("job-status", `${job.state === "queued" ? "Queued" : "Running"}: ${job.rows_done} / ${job.rows_total ?? "?"} rows${pace}${eta}`)
}

const watchJob = async (id: string, focus = true) => {
  const link = $<HTMLAnchorElement>("job-download")
  link.hidden = true
  for (;;) {
    const r = await api(`v1/jobs/${encodeURIComponent(id)}`)
    if (r.status === 404 && !focus) return sessionStorage.removeItem(JOB_STORAGE)
    if (!r.ok) return setStatus("job-status", await errorText(r), "bad")
    const job = (await r.json()) as Job
    showJob(job)
    if (job.state === "completed") {
      link.hidden = false
      link.dataset["job"] = job.id
      link.dataset["name"] = `${job.name.replace(/\.[^.]*$/, "")}_predictions.csv`
      if (focus) link.focus()
      return
    }
    if (job.state === "failed") return
    await new Promise((r) => setTimeout(r, 500))
  }
}

$("job-download").addEventListener("click", (e) => {
  e.preventDefault()
  const link = e.currentTarget as HTMLAnchorElement
  void (async () => {
    const r = await api(`v1/jobs/${encodeURIComponent(link.dataset["job"] ?? "")}/results`)
    if (!r.ok) return setStatus("job-status", await errorText(r), "bad")
    saveBlob(await r.blob(), link.dataset["name"] ?? "predictions.csv")
  })()
})

$<HTMLFormElement>("batch-form").addEventListener("submit", (ev) => {
  ev.preventDefault()
  void (async () => {
    const file = fileInput.files?.[0]
    if (file === undefined) {
      setStatus("job-status", "Choose a CSV file first.", "bad")
      $("job").hidden = false
      fileInput.focus()
      return
    }
    const asked = selectedProperties()
    if (hubOn && $<HTMLInputElement>("cluster").checked) return sendToCluster(file, asked)
    const query = new URLSearchParams({ property: asked.length === 0 ? "all" : asked.join(","), name: file.name })
    $("job").hidden = false
    setStatus("job-status", `Uploading ${file.name}…`)
    const r = await api(`v1/jobs?${query}`, { method: "POST", headers: { "content-type": "text/csv" }, body: file })
    if (!r.ok) return setStatus("job-status", await errorText(r), "bad")
    const job = (await r.json()) as Job
    sessionStorage.setItem(JOB_STORAGE, job.id)
    showJob(job)
    await watchJob(job.id)
  })().catch((e: unknown) => setStatus("job-status", e instanceof Error ? e.message : String(e), "bad"))
})

// --- the EMX2 hub (shown only when the server runs one) ---

interface HubJob {
  readonly id: string
  readonly status: string
  readonly processor: string
  readonly profile: string | null
  readonly worker_id: string | null
  readonly message: string | null
  readonly progress: number | null
  readonly parameters?: { readonly name?: string }
  readonly output_artifact_id: string | null
}
interface HubWorker {
  readonly worker_id: string
  readonly hostname: string | null
  readonly capabilities: ReadonlyArray<{ readonly processor: string; readonly profile?: string | null }>
  readonly last_heartbeat_at: string
}

let hubOn = false

const downloadHubResults = (job: HubJob) => {
  void (async () => {
    const r = await api(`v1/hub/jobs/${encodeURIComponent(job.id)}/results`)
    if (!r.ok) return setStatus("hub-status", await errorText(r), "bad")
    const base = (job.parameters?.name ?? "cluster.csv").replace(/\.[^.]*$/, "")
    saveBlob(await r.blob(), `${base}_predictions.csv`)
  })()
}

const showHub = (workers: ReadonlyArray<HubWorker>, jobs: ReadonlyArray<HubJob>) => {
  const wrows = workers.map((w) => {
    const tr = document.createElement("tr")
    tr.append(cell(w.worker_id), cell(w.hostname ?? ""), cell(w.capabilities.map((c) => `${c.processor}${c.profile ? `/${c.profile}` : ""}`).join(", ")), cell(new Date(w.last_heartbeat_at).toLocaleString()))
    return tr
  })
  if (wrows.length === 0) {
    const tr = document.createElement("tr")
    const td = cell("No worker has registered yet.")
    td.colSpan = 4
    tr.append(td)
    wrows.push(tr)
  }
  $("hub-workers").querySelector("tbody")!.replaceChildren(...wrows)
  const jrows = jobs.map((j) => {
    const tr = document.createElement("tr")
    tr.dataset["status"] = j.status
    const results = document.createElement("td")
    if (j.status === "COMPLETED" && j.output_artifact_id !== null) {
      const b = document.createElement("button")
      b.type = "button"
      b.className = "secondary"
      b.textContent = "Download"
      b.setAttribute("aria-label", `Download the results of job ${j.id.slice(0, 8)}`)
      b.addEventListener("click", () => downloadHubResults(j))
      results.append(b)
    }
    const progress = j.progress === null ? (j.message ?? "") : `${Math.round(j.progress * 100)} %${j.message ? ` · ${j.message}` : ""}`
    tr.append(cell(`${j.id.slice(0, 8)}${j.parameters?.name ? ` (${j.parameters.name})` : ""}`), cell(j.status), cell(`${j.processor}${j.profile ? ` / ${j.profile}` : ""}`), cell(j.worker_id ?? ""), cell(progress), results)
    return tr
  })
  if (jrows.length === 0) {
    const tr = document.createElement("tr")
    const td = cell("No jobs yet.")
    td.colSpan = 6
    tr.append(td)
    jrows.push(tr)
  }
  $("hub-jobs").querySelector("tbody")!.replaceChildren(...jrows)
}

const refreshHub = async (): Promise<void> => {
  const r = await api("v1/hub")
  if (!r.ok) return
  const body = (await r.json()) as { enabled: boolean; workers: ReadonlyArray<HubWorker>; jobs: ReadonlyArray<HubJob> }
  hubOn = body.enabled
  $("hub").hidden = !hubOn
  $("cluster-choice").hidden = !hubOn
  if (hubOn) showHub(body.workers, body.jobs)
}

const watchHub = async () => {
  await refreshHub()
  document.body.dataset["hub"] = hubOn ? "on" : "off"
  if (!hubOn) return
  for (;;) {
    await new Promise((r) => setTimeout(r, 5000))
    await refreshHub().catch(() => undefined)
  }
}

/** A page batch sent to a cluster: the hub job is listed below; a worker on the cluster runs it. */
const sendToCluster = async (file: File, asked: ReadonlyArray<string>) => {
  const query = new URLSearchParams({ property: asked.length === 0 ? "all" : asked.join(","), name: file.name })
  $("job").hidden = false
  setStatus("job-status", `Uploading ${file.name} for a cluster…`)
  const r = await api(`v1/hub/jobs?${query}`, { method: "POST", headers: { "content-type": "text/csv" }, body: file })
  if (!r.ok) return setStatus("job-status", await errorText(r), "bad")
  const job = (await r.json()) as HubJob
  setStatus("job-status", `Sent to the cluster as job ${job.id.slice(0, 8)} (${job.status}); it is listed under Cluster, where its results appear when a worker has run it.`, "ok")
  await refreshHub()
}

// --- start ---

const start = async () => {
  const r = await api("v1/info")
  if (r.ok) {
    info = (await r.json()) as Info
    $("version").textContent = info.version
    $("demo-banner").hidden = !info.demo
  }
  // interactive once the properties are there; the gallery (depicted on the server) follows
  const gallery = loadGallery().then(() => (document.body.dataset["gallery"] = "true"))
  await loadProperties()
  document.body.dataset["ready"] = "true"
  void gallery
  // the job started from this tab before a reload: show it again (it ran on meanwhile)
  void watchHub().catch(() => undefined)
  const last = sessionStorage.getItem(JOB_STORAGE)
  if (last !== null) void watchJob(last, false).catch(() => sessionStorage.removeItem(JOB_STORAGE))
}

void start().catch((e: unknown) => setStatus("predict-status", e instanceof Error ? e.message : String(e), "bad"))
