#!/usr/bin/env bun
/**
 * The periogt command line: parse with cac, then run one Effect program from core/commands.
 * Every flag a user can type is declared in this file.
 */
import "../core/runtime/armSignals.ts"
import { cac } from "cac"
import { batchProgram } from "../core/commands/batch.ts"
import { bridgeProgram } from "../core/commands/bridge.ts"
import { cancelProgram } from "../core/commands/cancel.ts"
import { collectProgram } from "../core/commands/collect.ts"
import { jobsProgram } from "../core/commands/jobs.ts"
import { submitProgram } from "../core/commands/submit.ts"
import { cancelOnProgram, collectOnProgram, jobsOnProgram, remoteAddProgram, remoteCheckProgram, remoteInstallProgram, remoteListProgram, remoteRemoveProgram, submitOnProgram } from "../core/remote/commands.ts"
import { shardTaskProgram } from "../core/jobs/shardTask.ts"
import { convertProgram } from "../core/commands/convert.ts"
import { doctorProgram } from "../core/commands/doctor.ts"
import { genProgram } from "../core/commands/gen.ts"
import { embeddingsProgram, predictProgram } from "../core/commands/predict.ts"
import { featurizeProgram } from "../core/commands/featurize.ts"
import { descriptorsProgram } from "../core/commands/descriptors.ts"
import { demoProgram } from "../core/commands/demo.ts"
import { rdkitRanks } from "../core/pipeline/ranks.ts"
import { serveProgram } from "../core/commands/serve.ts"
import { setupProgram } from "../core/commands/setup.ts"
import { versionProgram } from "../core/commands/version.ts"
import { EXIT } from "../core/errors/index.ts"
import { PERIOGT_VERSION, runtimeVersions } from "../core/version/version.ts"
import { runCommand, type GlobalOptions } from "./main.ts"
import { checkOptionValues, keepRawValues, OptionError } from "./options.ts"

const cli = cac("periogt")
keepRawValues(cli)

cli
  .option("--device <device>", "auto | cpu | cuda (PERIOGT_DEVICE)")
  .option("--threads <n>", "CPU threads, 0 = all (PERIOGT_THREADS)")
  .option("--workers <n>", "featurization worker threads, 0 = in the main thread (PERIOGT_WORKERS)")
  .option("--json-logs", "JSON lines on stderr (PERIOGT_LOG_FORMAT=json)")
  .option("--config <file>", "TOML config file (PERIOGT_CONFIG)")
  .option("--checkpoint-dir <dir>", "artifact directory (PERIOGT_CHECKPOINT_DIR)")
  .option("--results-dir <dir>", "results directory (PERIOGT_RESULTS_DIR)")
  .option("--base-dir <dir>", "base directory (PERIOGT_BASE_DIR)")
  .option("--cache-dir <dir>", "native library cache (PERIOGT_CACHE_DIR)")

cli
  .command("predict", "Predict a property of one repeat unit")
  .option("--smiles <smiles>", "repeat unit with two '*', e.g. '*CC(C)*'")
  .option("--property <id>", "property id, comma list, or all")
  .option("--return-embedding", "include the 2304-number embedding")
  .option("--format <format>", "json | csv", { default: "json" })
  .example("periogt predict --smiles '*CC(C)*' --property eps")
  .action((o: GlobalOptions & { smiles?: string; property?: string; returnEmbedding?: boolean; format?: string }) =>
    runCommand(o, predictProgram({ smiles: o.smiles, property: o.property, returnEmbedding: o.returnEmbedding, format: o.format })),
  )

cli
  .command("embeddings", "Compute the PerioGT embedding of one repeat unit")
  .option("--smiles <smiles>", "repeat unit with two '*'")
  .action((o: GlobalOptions & { smiles?: string }) => runCommand(o, embeddingsProgram({ smiles: o.smiles })))

cli
  .command("batch", "Predict for every row of a CSV (columns: smiles, optional id)")
  .option("--input <csv>", "input CSV")
  .option("--property <id>", "property id, comma list, or all")
  .option("--output <csv>", "output CSV (default: <results_dir>/<input stem>_<properties>_predictions.csv)")
  .option("--run <dir>", "with --shard: run one shard of a periogt submit run (what its job scripts do)")
  .option("--shard <index>", "the shard of --run to run (the array task index)")
  .option("--fail-on-invalid", "with --run: exit 1 when rows were invalid (default: 0 once complete, failures counted)")
  .example("periogt batch --input polymers.csv --property eps")
  .action((o: GlobalOptions & { input?: string; property?: string; output?: string; run?: string; shard?: string | number; failOnInvalid?: boolean }) =>
    o.run !== undefined || o.shard !== undefined
      ? runCommand(o, shardTaskProgram({ run: o.run ?? "", shard: o.shard ?? "", failOnInvalid: o.failOnInvalid }), { stopMessage: "rows committed so far are kept; periogt submit --resume RUN continues this shard" })
      : runCommand(o, batchProgram({ input: o.input, property: o.property, output: o.output }), { stopMessage: "rows committed so far are kept; rerun the same command to continue" }),
  )

cli
  .command("submit", "Split a CSV into shards and submit them to Slurm, PBS Pro, Torque or local processes (a run: periogt jobs, collect, cancel)")
  .option("--input <csv>", "input CSV (a smiles column, optional id)")
  .option("--property <id>", "property id, comma list, or all")
  .option("--shards <n|auto>", "number of shards, or auto (from the row count, the walltime and the measured rows/s)", { default: "auto" })
  .option("--max-running <m>", "at most M shards at once (Slurm %M, PBS %M; local default 1)")
  .option("--mode <mode>", "array (one array job) | individual (one job per shard)", { default: "array" })
  .option("--cluster <name|file>", "cades | explorer | generic, or a TOML/JSON cluster profile", { default: "generic" })
  .option("--scheduler <name>", "auto | slurm | pbs | torque | local", { default: "auto" })
  .option("--set <key=value>", "override one deployment value (repeatable), as for gen")
  .option("--dry-run", "print the scripts and the exact submit commands; write and submit nothing")
  .option("--resume <run>", "resubmit the shards of RUN that did not complete (each continues where it stopped)")
  .option("--on <remote>", "on a remote cluster over ssh (periogt remote add): stage the input there, submit there, record the run here")
  .example("periogt submit --input big.csv --property eps --shards 8 --max-running 2")
  .example("periogt submit --resume <results_dir>/runs/<run-id>")
  .example("periogt submit --on mycluster --input big.csv --property eps")
  .action((o: GlobalOptions & { input?: string; property?: string; shards?: string | number; maxRunning?: string | number; mode?: string; cluster?: string; scheduler?: string; set?: string | string[]; dryRun?: boolean; resume?: string; on?: string }) =>
    o.on !== undefined
      ? runCommand(o, submitOnProgram({ on: String(o.on), input: o.input, property: o.property, shards: o.shards, maxRunning: o.maxRunning, mode: o.mode, cluster: o.cluster, scheduler: o.scheduler, set: o.set, dryRun: o.dryRun, resume: o.resume }), { quietStartup: true }) :
    runCommand(o, submitProgram({ input: o.input, property: o.property, shards: o.shards, maxRunning: o.maxRunning, mode: o.mode, cluster: o.cluster, scheduler: o.scheduler, set: o.set, dryRun: o.dryRun, resume: o.resume }), { quietStartup: true }),
  )

cli
  .command("jobs [run]", "The shards of a run: state, rows done, rows/s, ETA (without RUN: the recent runs)")
  .option("--json", "machine-readable, one JSON object")
  .option("--watch", "redraw until every shard is final")
  .option("--interval <s>", "seconds between scheduler queries with --watch", { default: "30" })
  .option("--on <remote>", "the runs on a remote cluster over ssh (periogt remote add)")
  .action((run: string | undefined, o: GlobalOptions & { json?: boolean; watch?: boolean; interval?: string | number; on?: string }) =>
    o.on !== undefined ? runCommand(o, jobsOnProgram({ on: String(o.on), run, json: o.json, watch: o.watch, interval: o.interval }), { quietStartup: true }) :
    runCommand(o, jobsProgram({ run, json: o.json, watch: o.watch, interval: o.interval }), { quietStartup: true }),
  )

cli
  .command("collect [run]", "Merge a run's shard outputs in input order, each (row, property) exactly once")
  .option("--output <csv>", "merged CSV (default: <results_dir>/<input stem>_<properties>_predictions.csv)")
  .option("--partial", "merge the complete shards even when some are missing")
  .option("--on <remote>", "merge on a remote cluster over ssh and fetch the merged CSV here (sha256 verified)")
  .action((run: string | undefined, o: GlobalOptions & { output?: string; partial?: boolean; on?: string }) =>
    o.on !== undefined ? runCommand(o, collectOnProgram({ on: String(o.on), run, output: o.output, partial: o.partial }), { quietStartup: true }) :
    runCommand(o, collectProgram({ run, output: o.output, partial: o.partial }), { quietStartup: true }),
  )

cli
  .command("remote <action> [name]", "Remote clusters over ssh: add | list | remove | check | install (then submit/jobs/collect --on NAME)")
  .option("--host <host>", "add: host name or ~/.ssh/config alias")
  .option("--user <user>", "add: user name on the remote")
  .option("--port <port>", "add: ssh port")
  .option("--cluster <profile>", "add: the cluster profile submit --on uses there (cades | explorer | generic | a profile file there)")
  .option("--remote-dir <dir>", "add: periogt's directory on the remote (default ~/periogt: bin/periogt, inputs/, config.toml)")
  .option("--accept-new-host-key", "add: accept the host's key if none is known yet (a changed key is never accepted)")
  .option("--json", "list, check: machine-readable")
  .example("periogt remote add mycluster --host login.cluster.edu --user me --accept-new-host-key")
  .example("periogt remote install mycluster && periogt remote check mycluster")
  .action((action: string, name: string | undefined, o: GlobalOptions & { host?: string; user?: string; port?: string | number; cluster?: string; remoteDir?: string; acceptNewHostKey?: boolean; json?: boolean }) => {
    const program =
      action === "add" ? remoteAddProgram({ name, host: o.host === undefined ? undefined : String(o.host), user: o.user === undefined ? undefined : String(o.user), port: o.port, cluster: o.cluster, remoteDir: o.remoteDir === undefined ? undefined : String(o.remoteDir), acceptNewHostKey: o.acceptNewHostKey })
      : action === "list" ? remoteListProgram({ json: o.json })
      : action === "remove" ? remoteRemoveProgram({ name })
      : action === "check" ? remoteCheckProgram({ name, json: o.json })
      : action === "install" ? remoteInstallProgram({ name })
      : undefined
    if (program === undefined) {
      process.stderr.write(`periogt: remote ${action}: expected add, list, remove, check or install\n`)
      process.stderr.write(JSON.stringify({ error: { code: "validation_error", message: `unknown remote action '${action}'`, action: "periogt remote add|list|remove|check|install", details: { action } } }) + "\n")
      return process.exit(EXIT.fatal)
    }
    return runCommand(o, program, { quietStartup: true })
  })

cli
  .command("cancel [run]", "Cancel a run's queued and running jobs")
  .option("--on <remote>", "a run on a remote cluster over ssh (periogt remote add)")
  .action((run: string | undefined, o: GlobalOptions & { on?: string }) =>
    o.on !== undefined ? runCommand(o, cancelOnProgram({ on: String(o.on), run }), { quietStartup: true }) :
    runCommand(o, cancelProgram({ run }), { quietStartup: true }))

cli
  .command("bridge [action]", "A MOLGENIS EMX2 HPC worker on a head node: run | once | register | check (the [bridge] table of --config)")
  .option("--simulate", "run/once: walk claimed jobs through every state without a scheduler or a periogt run")
  .option("--json", "check: machine-readable report on stdout")
  .example("periogt bridge check --config ~/periogt.toml")
  .example("periogt bridge run --config ~/periogt.toml --json-logs")
  .action((action: string | undefined, o: GlobalOptions & { simulate?: boolean; json?: boolean }) =>
    runCommand(o, bridgeProgram({ action, simulate: o.simulate === true, json: o.json === true }), { quietStartup: action === "check" || action === "register" }),
  )

cli
  .command("featurize", "Show what the model sees of a repeat unit: validity, oligomers, fingerprints, augmented units, prompt graphs (JSON)")
  .option("--smiles <smiles>", "repeat unit with two '*'")
  .option("--input <csv>", "CSV with a smiles column (one JSON line per row)")
  .option("--descriptors", "also the 1613 Mordred descriptors of the capped 3-mer")
  .example("periogt featurize --smiles '*CC(*)c1ccccc1'")
  .action((o: GlobalOptions & { smiles?: string; input?: string; descriptors?: boolean }) =>
    runCommand(o, featurizeProgram({ smiles: o.smiles, input: o.input, ranks: rdkitRanks, descriptors: o.descriptors }), { quietStartup: true }),
  )

cli
  .command("descriptors", "The 1613 Mordred descriptors (mordred 1.2.0 names and order) of a repeat unit's capped oligomer or of a molecule")
  .option("--smiles <smiles>", "a repeat unit with two '*' (its capped oligomer is described) or a molecule")
  .option("--input <csv>", "CSV with a smiles column (and optional id); rows are streamed")
  .option("--output <file>", "write here (appears only when complete) instead of stdout")
  .option("--format <format>", "csv | json (default: json for --smiles, csv for --input; JSON lines for --input)")
  .option("--oligomer <n>", "describe the capped 3-, 6- or 9-mer of a repeat unit", { default: "3" })
  .option("--model-input", "the network's md vector (NaN → 0, clipped, standardized) instead of raw values")
  .option("--scaler <pkl>", "descriptor scaler for --model-input (default: <checkpoint_dir>/descriptor_scaler.pkl)")
  .example("periogt descriptors --smiles '*CC(*)c1ccccc1'")
  .example("periogt descriptors --input polymers.csv --output descriptors.csv")
  .action((o: GlobalOptions & { smiles?: string; input?: string; output?: string; format?: string; oligomer?: string | number; modelInput?: boolean; scaler?: string }) =>
    runCommand(
      o,
      descriptorsProgram({ smiles: o.smiles, input: o.input, output: o.output, format: o.format, oligomer: o.oligomer === undefined ? undefined : String(o.oligomer), modelInput: o.modelInput, scaler: o.scaler }),
      { quietStartup: true },
    ),
  )

cli
  .command("demo", "The whole pipeline on embedded examples with a bundled demonstration model (no network, no weights; not PerioGT predictions)")
  .option("--smiles <smiles>", "one repeat unit instead of the examples")
  .option("--input <csv>", "a CSV with a smiles column instead of the examples")
  .option("--format <format>", "table | json (JSON lines)", { default: "table" })
  .example("periogt demo")
  .action((o: GlobalOptions & { smiles?: string; input?: string; format?: string }) =>
    runCommand(o, demoProgram({ smiles: o.smiles, input: o.input, format: o.format }), { quietStartup: true }),
  )

cli
  .command("doctor", "Check this node, the configuration and the artifacts")
  .option("--json", "machine-readable report on stdout")
  .action((o: GlobalOptions & { json?: boolean }) => runCommand(o, doctorProgram({ json: o.json === true }), { quietStartup: true }))

cli
  .command("setup", "Prepare the artifacts under PERIOGT_CHECKPOINT_DIR")
  .option("--skip-download", "use archives or folders placed by hand; never touch the network")
  .option("--from <dir|url>", "take the archives from a directory or a mirror URL instead of Zenodo")
  .option("--archives <file>", "JSON list of archives {name, url, md5, size, kind, target} replacing PerioGT's published ones")
  .option("--gpu", "install only ONNX Runtime's CUDA provider and the CUDA libraries it loads (pinned, verified) into <cache_dir>/native/<version>/cuda/")
  .option("--wheels-from <url|dir>", "with --gpu: a mirror of the Python package index's files your site provides (PERIOGT_WHEEL_INDEX), or a directory of the pinned wheels")
  .example("periogt setup                      # on a login node with internet")
  .example("periogt setup --from /projects/lab/periogt-downloads   # on a compute node")
  .example("periogt setup --gpu --from /projects/lab/periogt-cuda-wheels")
  .action((o: GlobalOptions & { skipDownload?: boolean; from?: string; archives?: string; gpu?: boolean; wheelsFrom?: string }) =>
    runCommand(o, setupProgram({ skipDownload: o.skipDownload, from: o.from, archives: o.archives, gpu: o.gpu === true, wheelsFrom: o.wheelsFrom })),
  )

cli
  .command("serve", "Serve the /v1 HTTP API (PERIOGT_HOST:PERIOGT_PORT)")
  .option("--host <host>", "bind address (PERIOGT_HOST)")
  .option("--port <port>", "port (PERIOGT_PORT)")
  .option("--allow-unauthenticated", "serve on a non-loopback address without an API key")
  .option("--demo", "serve the embedded demonstration model (no checkpoints; not PerioGT predictions)")
  .action((o: GlobalOptions & { allowUnauthenticated?: boolean; demo?: boolean }) =>
    runCommand(o, serveProgram({ allowUnauthenticated: o.allowUnauthenticated, demo: o.demo === true })),
  )

cli
  .command("convert", "Convert the checkpoints under PERIOGT_CHECKPOINT_DIR to ONNX (setup does it too)")
  .action((o: GlobalOptions) => runCommand(o, convertProgram()))

cli
  .command("version", "Print versions")
  .option("--json", "as JSON")
  .action((o: GlobalOptions & { json?: boolean }) => runCommand(o, versionProgram({ json: o.json }), { quietStartup: true }))

cli
  .command("gen [target]", "Generate deployment assets: slurm | pbs | apptainer | conda | modal | ood (Open OnDemand app)")
  .option("--cluster <name|file>", "cades | cades-gpu | explorer | generic, or a TOML/JSON cluster profile", { default: "generic" })
  .option("--out <dir>", "output directory (default ./periogt-<target>)")
  .option("--set <key=value>", "override one deployment value (repeatable), e.g. --set account=abc123")
  .option("--force", "overwrite files whose content differs (edits would be lost)")
  .example("periogt gen slurm --cluster explorer --out ~/periogt-jobs")
  .example("periogt gen apptainer --cluster cades --set ort_cuda_dir=/path/to/onnxruntime/lib")
  .example("periogt gen ood --cluster explorer --out ~/ondemand/dev/periogt")
  .action((target: string | undefined, o: GlobalOptions & { cluster?: string; out?: string; set?: string | string[]; force?: boolean }) =>
    runCommand(o, genProgram({ target, cluster: o.cluster, out: o.out, set: o.set, force: o.force }), { quietStartup: true }),
  )

cli.help()
cli.version(PERIOGT_VERSION)
// cac's own line names the runtime's Node-compatibility version as if it were bun's; print periogt's, as `periogt version` does.
cli.outputVersion = () => {
  const v = runtimeVersions()
  process.stdout.write(`periogt ${v.periogt} (bun ${v.bun}, ${v.platform})\n`)
}

try {
  cli.parse(process.argv, { run: false })
  if (cli.matchedCommand === undefined && !cli.options["help"] && !cli.options["version"]) {
    if (cli.args.length > 0) {
      const message = `unknown command '${cli.args[0]}'`
      process.stderr.write(`periogt: ${message}; see periogt --help\n`)
      process.stderr.write(JSON.stringify({ error: { code: "validation_error", message, action: `run periogt --help for the commands`, details: { command: String(cli.args[0]) } } }) + "\n")
      process.exit(EXIT.fatal)
    }
    cli.outputHelp()
    process.exit(EXIT.success)
  }
  checkOptionValues(cli)
  await cli.runMatchedCommand()
} catch (e) {
  // cac's own parse errors (unknown option, missing value) are usage errors: exit 2 with validation_error.
  const message = e instanceof Error ? e.message : String(e)
  process.stderr.write(`periogt: ${message}; see periogt --help\n`)
  const extra = e instanceof OptionError ? { action: e.action, details: e.details } : {}
  process.stderr.write(JSON.stringify({ error: { code: "validation_error", message, ...extra } }) + "\n")
  process.exit(EXIT.fatal)
}
