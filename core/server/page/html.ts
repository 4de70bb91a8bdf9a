/**
 * The page's HTML: static markup only (the script fills it in), so the Content-Security-Policy can
 * allow scripts and styles from this server alone — no inline script, no inline style, no CDN.
 */
export const pageHtml = (o: { readonly version: string; readonly demo: boolean }): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>periogt — polymer property prediction</title>
<link rel="stylesheet" href="page.css">
<script type="module" src="page.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to the form</a>
<header>
  <h1>periogt</h1>
  <p class="sub">PerioGT polymer property prediction · version <span id="version">${o.version}</span></p>
  <p id="demo-banner" class="demo"${o.demo ? "" : " hidden"}>Demonstration model: untrained synthetic weights. Its outputs are NOT PerioGT predictions.</p>
</header>
<main id="main" tabindex="-1">
  <section aria-labelledby="predict-title">
    <h2 id="predict-title">Predict one repeat unit</h2>
    <form id="predict-form" novalidate>
      <div class="row">
        <div class="grow">
          <label for="smiles">Repeat unit (SMILES with two * connection points)</label>
          <input id="smiles" name="smiles" type="text" autocomplete="off" spellcheck="false" autocapitalize="off" placeholder="*CC(*)c1ccccc1" aria-describedby="smiles-status smiles-hint" required>
          <p id="smiles-hint" class="hint">For example <code>*CC(C)*</code> (polypropylene). Checked as you type.</p>
          <p id="smiles-status" class="status" role="status" aria-live="polite"></p>
        </div>
        <figure id="depiction" class="depiction" aria-live="polite"><figcaption>The depiction appears here</figcaption></figure>
      </div>
      <fieldset>
        <legend>Properties</legend>
        <div id="properties" class="props"><span class="hint">Loading properties…</span></div>
      </fieldset>
      <div class="row">
        <button id="predict-button" type="submit">Predict</button>
        <button id="embedding-button" type="button" class="secondary">Download embedding</button>
      </div>
      <p id="predict-status" class="status" role="status" aria-live="polite"></p>
    </form>
    <div class="table-wrap">
      <table id="results" hidden>
        <caption>Predictions</caption>
        <thead><tr><th scope="col">Property</th><th scope="col">Value</th><th scope="col">Units</th><th scope="col">Model</th><th scope="col">Version</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  <section aria-labelledby="gallery-title">
    <h2 id="gallery-title">Examples</h2>
    <p class="hint">Choose one to fill the field.</p>
    <ul id="gallery" class="gallery"></ul>
  </section>
  <section aria-labelledby="batch-title">
    <h2 id="batch-title">Batch: upload a CSV</h2>
    <p class="hint">A CSV with a <code>smiles</code> column (and optionally <code>id</code>). The properties checked above are predicted for every row; the job keeps running if you leave this page.</p>
    <form id="batch-form" novalidate>
      <div id="drop" class="drop">
        <label for="csv-file">CSV file (drop it here or choose it)</label>
        <input id="csv-file" name="csv" type="file" accept=".csv,text/csv">
      </div>
      <p id="cluster-choice" hidden><label class="inline"><input id="cluster" name="cluster" type="checkbox"> Run on a cluster (a job for a <code>periogt bridge</code> worker, through the EMX2 hub)</label></p>
      <p><button id="upload-button" type="submit">Upload and run</button></p>
    </form>
    <div id="job" hidden>
      <label for="job-progress" id="job-label">Job</label>
      <progress id="job-progress" max="1" value="0"></progress>
      <p id="job-status" class="status" role="status" aria-live="polite"></p>
      <p><a id="job-download" class="button" href="#" hidden>Download results (CSV)</a></p>
    </div>
  </section>
  <section id="hub" aria-labelledby="hub-title" hidden>
    <h2 id="hub-title">Cluster (EMX2 hub)</h2>
    <p class="hint">Workers on cluster head nodes poll this server for jobs (EMX2's HPC protocol). Refreshed every 5 seconds.</p>
    <p id="hub-status" class="status" role="status" aria-live="polite"></p>
    <div class="table-wrap">
      <table id="hub-workers">
        <caption>Workers</caption>
        <thead><tr><th scope="col">Worker</th><th scope="col">Host</th><th scope="col">Runs</th><th scope="col">Last heartbeat</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <div class="table-wrap">
      <table id="hub-jobs">
        <caption>Jobs (newest first)</caption>
        <thead><tr><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Processor / profile</th><th scope="col">Worker</th><th scope="col">Progress</th><th scope="col">Results</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
</main>
<footer><p>API: <a href="docs">/docs</a> · <a href="openapi.json">/openapi.json</a></p></footer>
<dialog id="key-dialog" aria-labelledby="key-title">
  <form id="key-form" method="dialog">
    <h2 id="key-title">API key needed</h2>
    <p id="key-reason">This server asks for an API key (X-Api-Key). It is kept for this browser tab only.</p>
    <label for="api-key">API key</label>
    <input id="api-key" name="api-key" type="password" autocomplete="off" required>
    <p class="row"><button id="key-submit" type="submit" value="ok">Use this key</button></p>
  </form>
</dialog>
</body>
</html>
`
