/**
 * Every setting periogt reads, in one table: its environment variable, its flag, its key in the
 * config file, what values it allows and how its default is derived. The resolver, `doctor`, the
 * README's configuration table and the deployment adapters all read this table — a new setting is
 * added here and nowhere else.
 */
export type SettingKind = "path" | "choice" | "integer" | "string" | "secret" | "secret-file"

export interface SettingSpec {
  readonly key: SettingKey
  readonly env: string
  /** Long flag name without dashes, when the CLI exposes one globally. */
  readonly flag?: string
  readonly kind: SettingKind
  readonly choices?: ReadonlyArray<string>
  readonly min?: number
  readonly max?: number
  /** Human description of the default, for docs; the value itself comes from `defaults.ts`. */
  readonly defaultText: string
  readonly description: string
}

export const SETTING_KEYS = [
  "base_dir",
  "checkpoint_dir",
  "results_dir",
  "cache_dir",
  "device",
  "threads",
  "workers",
  "host",
  "port",
  "api_key",
  "api_key_file",
  "hpc_secret_file",
  "log_format",
  "log_level",
] as const

export type SettingKey = (typeof SETTING_KEYS)[number]

export const DEVICES = ["auto", "cpu", "cuda"] as const
export type Device = (typeof DEVICES)[number]
export const LOG_FORMATS = ["text", "json"] as const
export type LogFormat = (typeof LOG_FORMATS)[number]
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export const SETTINGS: Record<SettingKey, SettingSpec> = {
  base_dir: {
    key: "base_dir", env: "PERIOGT_BASE_DIR", flag: "base-dir", kind: "path",
    defaultText: "$HOME/periogt", description: "root of periogt's files on this cluster",
  },
  checkpoint_dir: {
    key: "checkpoint_dir", env: "PERIOGT_CHECKPOINT_DIR", flag: "checkpoint-dir", kind: "path",
    defaultText: "<base_dir>/checkpoints",
    description: "artifacts: checkpoints, converted models, label statistics, scaler, index (never on a purged filesystem)",
  },
  results_dir: {
    key: "results_dir", env: "PERIOGT_RESULTS_DIR", flag: "results-dir", kind: "path",
    defaultText: "<base_dir>/results", description: "where batch results go when --output is not given",
  },
  cache_dir: {
    key: "cache_dir", env: "PERIOGT_CACHE_DIR", flag: "cache-dir", kind: "path",
    defaultText: "$XDG_CACHE_HOME/periogt, else $HOME/.cache/periogt, else $TMPDIR/periogt-<uid> when home is read-only",
    description: "per-version unpacked native libraries (ONNX Runtime)",
  },
  device: {
    key: "device", env: "PERIOGT_DEVICE", flag: "device", kind: "choice", choices: DEVICES,
    defaultText: "auto", description: "auto uses CUDA when it is usable, else CPU with a warning saying why",
  },
  threads: {
    key: "threads", env: "PERIOGT_THREADS", flag: "threads", kind: "integer", min: 0, max: 4096,
    defaultText: "the cores the job may use (affinity, cgroup quota, Slurm); 0 means the same", description: "CPU threads for the network (ONNX Runtime); when set, also bounds the default of workers",
  },
  workers: {
    key: "workers", env: "PERIOGT_WORKERS", flag: "workers", kind: "integer", min: 0, max: 1024,
    defaultText: "the cores the job may use (affinity, cgroup quota, Slurm), at most threads when set; 0 when that is 1",
    description: "worker threads featurizing repeat units (graphs, fingerprint, descriptors); 0 = in the main thread",
  },
  host: {
    key: "host", env: "PERIOGT_HOST", flag: "host", kind: "string",
    defaultText: "127.0.0.1", description: "server bind address; any address but loopback (127.0.0.0/8, ::1, localhost) needs an API key or `serve --allow-unauthenticated`",
  },
  port: {
    key: "port", env: "PERIOGT_PORT", flag: "port", kind: "integer", min: 1, max: 65535,
    defaultText: "8000", description: "server port",
  },
  api_key: {
    key: "api_key", env: "PERIOGT_API_KEY", kind: "secret",
    defaultText: "unset (no auth: serve then stays on loopback unless --allow-unauthenticated)", description: "X-Api-Key required by the server when set; never logged",
  },
  api_key_file: {
    key: "api_key_file", env: "PERIOGT_API_KEY_FILE", kind: "secret-file",
    defaultText: "unset", description: "file holding the API key (first line), instead of PERIOGT_API_KEY",
  },
  hpc_secret_file: {
    key: "hpc_secret_file", env: "PERIOGT_HPC_SECRET_FILE", kind: "secret-file",
    defaultText: "unset (no EMX2 hub)", description: "file holding the shared secret EMX2 HPC workers sign with (mode 0600, ≥ 32 characters); enables the hub at /api/hpc in serve",
  },
  log_format: {
    key: "log_format", env: "PERIOGT_LOG_FORMAT", kind: "choice", choices: LOG_FORMATS,
    defaultText: "text", description: "stderr log format; --json-logs sets json",
  },
  log_level: {
    key: "log_level", env: "PERIOGT_LOG_LEVEL", kind: "choice", choices: LOG_LEVELS,
    defaultText: "info", description: "minimum level logged to stderr",
  },
}

/** The environment variable naming an optional config file (TOML). `--config` overrides it. */
export const CONFIG_FILE_ENV = "PERIOGT_CONFIG"
