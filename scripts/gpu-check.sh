#!/bin/bash
# The CUDA path checked and measured on a machine with an NVIDIA GPU, in a few minutes (issue 19):
#   1. the pinned CUDA set installed (periogt setup --gpu) and `periogt doctor` with PERIOGT_DEVICE=cuda;
#   2. the same repeat units through `periogt batch` on CPU and on CUDA with the full light/base synthetic
#      checkpoints (the tiny committed ones when the full ones are absent and cannot be generated: said in
#      the report): every prediction equal within 1e-4 relative; with python3, also against the oracle's
#      values of test/fixtures/pipeline/<config>.json;
#   3. batch units/s on CUDA and on this machine's CPU (steady rate: the N-unit run less an 8-unit run,
#      so start-up and model loading are not counted), and the GPU memory used (nvidia-smi, sampled).
# Everything goes to one report file (default gpu-check-<host>-<date>.txt) and the work directory is kept.
#
# Usage: scripts/gpu-check.sh [--out FILE] [--units N] [--keep]
# Environment:
#   PERIOGT_BIN               the periogt executable (default: dist/periogt, else built with node_modules/.bin/bun)
#   PERIOGT_CUDA_FROM         a directory holding the pinned CUDA wheels or their files (setup --gpu --from);
#                             else PERIOGT_WHEEL_INDEX (setup --gpu downloads); else PERIOGT_CACHE_DIR must hold the set
#   PERIOGT_CACHE_DIR         where the set is installed (default: a directory under the work directory)
#   PERIOGT_SHARED            the project's shared data (default: ../shared, else shared/): the descriptor scaler and eps.csv
#   PERIOGT_FULL_CHECKPOINTS  pretrained.pth and finetuned.pth of the full configuration (default .cache/oracle/model/full;
#                             generated with tools/oracle/.venv and PERIOGT_UPSTREAM when absent and both exist)
#   PERIOGT_UPSTREAM          upstream PerioGT_common (default /work/upstream/PerioGT/PerioGT_common)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOST="$(hostname -s 2>/dev/null || hostname)"
OUT="$ROOT/gpu-check-$HOST-$(date -u +%Y%m%dT%H%M%SZ).txt"
UNITS=512
KEEP=0

die() {
  echo "gpu-check.sh: error: $1" >&2
  exit 2
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT="${2:?--out needs a file}"; shift 2 ;;
    --units) UNITS="${2:?--units needs a number}"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) sed -n '2,24p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[[ "$UNITS" =~ ^[0-9]+$ && "$UNITS" -ge 16 ]] || die "--units must be a number of at least 16"

command -v nvidia-smi >/dev/null 2>&1 || die "nvidia-smi is not on PATH: run this on a GPU node (inside Apptainer: --nv)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/periogt-gpu-check.XXXXXX")"
if [[ "$KEEP" -eq 0 ]]; then trap 'rm -rf "$WORK"' EXIT; fi
: >"$OUT"
report() { printf '%s\n' "$*" | tee -a "$OUT"; }
section() { report ""; report "== $*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

section "machine"
report "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  host: $HOST  work: $WORK"
nvidia-smi --query-gpu=index,name,compute_cap,driver_version,memory.total --format=csv 2>&1 | tee -a "$OUT"
report "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) cores usable)"

# --- the executable --------------------------------------------------------------------------------
BIN="${PERIOGT_BIN:-}"
if [[ -z "$BIN" && -x "$ROOT/dist/periogt" ]]; then BIN="$ROOT/dist/periogt"; fi
if [[ -z "$BIN" ]]; then
  [[ -x "$ROOT/node_modules/.bin/bun" ]] || die "no periogt executable: give PERIOGT_BIN, build dist/periogt (npm run build), or run npm ci first"
  BIN="$WORK/periogt"
  report "building $BIN"
  (cd "$ROOT" && node_modules/.bin/bun -e "const { compileCommand } = await import('./tools/build.ts'); const r = Bun.spawnSync(compileCommand(process.argv[1]), { stdout: 'inherit', stderr: 'inherit' }); process.exit(r.exitCode ?? 1)" "$BIN") || die "the build failed"
fi
[[ -x "$BIN" ]] || die "$BIN is not an executable file"
report "periogt: $BIN ($("$BIN" --version 2>/dev/null | head -n 1))"

export HOME="${HOME:-$WORK}"
export PERIOGT_CACHE_DIR="${PERIOGT_CACHE_DIR:-$WORK/cache}"
export PERIOGT_LOG_LEVEL=warn

# --- the pinned CUDA set ---------------------------------------------------------------------------
section "setup --gpu"
if [[ -n "${PERIOGT_CUDA_FROM:-}" ]]; then
  "$BIN" setup --gpu --from "$PERIOGT_CUDA_FROM" >"$WORK/setup-gpu.json" || die "setup --gpu --from $PERIOGT_CUDA_FROM failed (see above)"
elif [[ -n "${PERIOGT_WHEEL_INDEX:-}" ]]; then
  "$BIN" setup --gpu >"$WORK/setup-gpu.json" || die "setup --gpu (PERIOGT_WHEEL_INDEX=$PERIOGT_WHEEL_INDEX) failed (see above)"
else
  report "neither PERIOGT_CUDA_FROM nor PERIOGT_WHEEL_INDEX: using what $PERIOGT_CACHE_DIR holds"
  echo '{}' >"$WORK/setup-gpu.json"
fi
report "$(head -c 300 "$WORK/setup-gpu.json")"

# --- doctor ----------------------------------------------------------------------------------------
section "doctor (PERIOGT_DEVICE=cuda)"
doctor_status=0
PERIOGT_DEVICE=cuda PERIOGT_CHECKPOINT_DIR="$WORK/no-checkpoints" "$BIN" doctor >"$WORK/doctor.txt" 2>&1 || doctor_status=$?
PERIOGT_DEVICE=cuda PERIOGT_CHECKPOINT_DIR="$WORK/no-checkpoints" "$BIN" doctor --json >"$WORK/doctor.json" 2>/dev/null || true
grep -E '^(PASS|WARN|FAIL) +(gpu|cuda|onnxruntime)' "$WORK/doctor.txt" | tee -a "$OUT" || true
report "doctor exit: $doctor_status (artifact lines fail here: no checkpoints are given to it)"
if ! grep -Eq '^PASS +cuda session' "$WORK/doctor.txt"; then
  report "RESULT: FAIL: no CUDA session could be opened; see $WORK/doctor.txt"
  KEEP=1
  trap - EXIT
  exit 1
fi

# --- checkpoints -----------------------------------------------------------------------------------
section "checkpoints"
SHARED="${PERIOGT_SHARED:-}"
if [[ -z "$SHARED" ]]; then
  for d in "$ROOT/../shared" "$ROOT/shared"; do
    if [[ -f "$d/data/periogt/scaler_all.pkl" ]]; then SHARED="$d"; break; fi
  done
fi
[[ -n "$SHARED" && -f "$SHARED/data/periogt/scaler_all.pkl" ]] || die "upstream's descriptor scaler is not found: set PERIOGT_SHARED to the directory holding data/periogt/scaler_all.pkl"
FULL="${PERIOGT_FULL_CHECKPOINTS:-$ROOT/.cache/oracle/model/full}"
UPSTREAM="${PERIOGT_UPSTREAM:-/work/upstream/PerioGT/PerioGT_common}"
if [[ ! -f "$FULL/pretrained.pth" && -x "$ROOT/tools/oracle/.venv/bin/python" && -d "$UPSTREAM" ]]; then
  report "generating the full light/base checkpoints into $FULL (tools/oracle/network.py --config full)"
  (cd "$ROOT" && tools/oracle/.venv/bin/python tools/oracle/network.py --upstream "$UPSTREAM" --out "$FULL" --config full >"$WORK/network-full.log" 2>&1) || die "generating the full checkpoints failed: $WORK/network-full.log"
fi
if [[ -f "$FULL/pretrained.pth" && -f "$FULL/finetuned.pth" ]]; then
  CONFIG=full
  FROM="$FULL"
else
  CONFIG=tiny
  FROM="$ROOT/test/fixtures/model/tiny"
  report "NOTE: the full checkpoints are absent ($FULL) and cannot be generated here: the TINY committed checkpoints are used; CUDA-vs-CPU speed on them says little"
fi
report "configuration: $CONFIG ($FROM)"
CK="$WORK/ck"
mkdir -p "$CK/pretrained_ckpt" "$CK/finetuned_ckpt/eps"
ln -sf "$FROM/pretrained.pth" "$CK/pretrained_ckpt/base.pth"
ln -sf "$FROM/finetuned.pth" "$CK/finetuned_ckpt/eps/best_model.pth"
cp "$SHARED/data/periogt/scaler_all.pkl" "$CK/descriptor_scaler.pkl"
export PERIOGT_CHECKPOINT_DIR="$CK"
"$BIN" setup --skip-download >"$WORK/setup.json" || die "setup --skip-download failed (see above)"

# --- inputs: the oracle's units first, then the eps dataset, repeated up to N ---------------------
EXPECTED="$ROOT/test/fixtures/pipeline/$CONFIG.json"
{
  echo "id,smiles"
  if command -v python3 >/dev/null 2>&1 && [[ -f "$EXPECTED" ]]; then
    python3 -c 'import json, sys; [print(u["id"] + "," + u["smiles"]) for u in json.load(open(sys.argv[1]))["units"]]' "$EXPECTED"
  fi
  i=0
  while [[ "$i" -lt "$UNITS" ]]; do
    tail -n +2 "$SHARED/data/periogt/datasets/eps/eps.csv" | cut -d, -f1 | awk -v base="$i" '{ printf "eps%06d,%s\n", base + NR, $0 }'
    i=$((i + $(tail -n +2 "$SHARED/data/periogt/datasets/eps/eps.csv" | wc -l)))
  done
} | head -n "$((UNITS + 1))" >"$WORK/units.csv"
head -n 9 "$WORK/units.csv" >"$WORK/units8.csv"
report "units: $(($(wc -l <"$WORK/units.csv") - 1)) (and an 8-unit run to take start-up out)"

# --- batch on CPU and CUDA -------------------------------------------------------------------------
gpu_mem_sampler() {
  while :; do
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits 2>/dev/null | head -n 1
    sleep 0.2
  done
}
run_batch() { # device input output
  local t0 t1
  t0="$(now)"
  PERIOGT_DEVICE="$1" "$BIN" batch --input "$2" --output "$3" --property eps >"$3.log" 2>&1 || die "batch on $1 failed: $3.log"
  t1="$(now)"
  elapsed "$t0" "$t1"
}

section "batch"
mem_before="$(nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits | head -n 1)"
cpu8="$(run_batch cpu "$WORK/units8.csv" "$WORK/cpu8.csv")"
cpuN="$(run_batch cpu "$WORK/units.csv" "$WORK/cpu.csv")"
cuda8="$(run_batch cuda "$WORK/units8.csv" "$WORK/cuda8.csv")"
gpu_mem_sampler >"$WORK/gpu-mem.txt" &
sampler=$!
cudaN="$(run_batch cuda "$WORK/units.csv" "$WORK/cuda.csv")"
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
mem_peak="$(sort -n "$WORK/gpu-mem.txt" | tail -n 1)"
n=$(($(wc -l <"$WORK/units.csv") - 1))
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { d = a - b; if (d <= 0) print "n/a"; else printf "%.1f", (n - 8) / d }'; }
cpu_rate="$(rate "$n" "$cpuN" "$cpu8")"
cuda_rate="$(rate "$n" "$cudaN" "$cuda8")"
report "cpu : $n units in ${cpuN}s (8 units: ${cpu8}s): $cpu_rate units/s steady"
report "cuda: $n units in ${cudaN}s (8 units: ${cuda8}s): $cuda_rate units/s steady"
report "speed-up (steady, units/s CUDA / CPU): $(awk -v a="$cuda_rate" -v b="$cpu_rate" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.1fx", a / b }')"
report "GPU memory used: before ${mem_before} MiB, peak during the CUDA batch ${mem_peak:-?} MiB (nvidia-smi, all processes)"

# --- CUDA against CPU (and the oracle) -------------------------------------------------------------
section "results"
# id,smiles,property,prediction_value,...: compare the 4th column row by row (same order, same ids)
worst="$(paste -d, <(cut -d, -f1,4,6 "$WORK/cpu.csv") <(cut -d, -f1,4,6 "$WORK/cuda.csv") | tail -n +2 | awk -F, '
  $1 != $4 || $3 != "true" || $6 != "true" { bad++; next }
  { d = $2 - $5; if (d < 0) d = -d; r = ($2 == 0) ? d : d / ($2 < 0 ? -$2 : $2); if (r > w) w = r }
  END { printf "%g %d\n", w + 0, bad + 0 }')"
read -r worst_rel bad_rows <<<"$worst"
report "CUDA vs CPU: max relative difference of the $n predictions $worst_rel; rows not comparable (failed or misaligned): $bad_rows"
verdict=PASS
awk -v w="$worst_rel" 'BEGIN { exit !(w <= 1e-4) }' || verdict=FAIL
[[ "$bad_rows" -eq 0 ]] || verdict=FAIL
if command -v python3 >/dev/null 2>&1 && [[ -f "$EXPECTED" ]]; then
  for dev in cpu cuda; do
    python3 - "$EXPECTED" "$WORK/$dev.csv" "$dev" <<'PY' | tee -a "$OUT"
import csv, json, sys
want = {u["id"]: u["value"] for u in json.load(open(sys.argv[1]))["units"]}
got = {r["id"]: float(r["prediction_value"]) for r in csv.DictReader(open(sys.argv[2])) if r["id"] in want and r["ok"] == "true"}
worst = max((abs(got[k] - v) / abs(v) for k, v in want.items() if k in got), default=float("nan"))
print(f"{sys.argv[3]} vs the oracle ({len(got)} of {len(want)} units): max relative error {worst:.3g}")
PY
  done
else
  report "no python3 or no oracle fixture: the comparison with the oracle's values is skipped"
fi
report ""
report "RESULT: $verdict (CUDA vs CPU within 1e-4 relative: $worst_rel; configuration $CONFIG; card: $(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1))"
echo "report: $OUT" >&2
[[ "$verdict" == PASS ]]
