#!/usr/bin/env bash
# The demo per seed, as scripts/demo.sh runs it (gan-zoo train dcgan_digits, then
# gan-zoo sample of the ONNX file), timed, then scored by gan-zoo eval --metrics fid,is
# (360 samples of the exported EMA generator vs the 360 held-out digits).
#     bash bench/demo_seeds.sh 0 1 2        (PYTHON=..., RUNS=... to change where)
set -u
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=3 PYTHONPATH="$PWD"
PY="${PYTHON:-.venv/bin/python}"
for seed in "$@"; do
  out="${RUNS:-runs/demo_seeds}/seed_$seed"; mkdir -p "$(dirname "$out")"
  rm -rf "$out"
  echo "seed $seed start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  s=$(date +%s)
  $PY -m cli train dcgan_digits --out "$out" --seed $seed > "$out.train.log" 2>&1
  t=$(date +%s)
  $PY -m cli sample "$out/generator.onnx" -n 64 -o "$out/onnx_grid.png" >> "$out.train.log" 2>&1
  e=$(date +%s)
  echo "seed $seed train+export $((t-s)) s, demo (train+export+sample) $((e-s)) s, end load $(cut -d' ' -f1-3 /proc/loadavg)"
  $PY -m cli eval "$out/generator.onnx" --data digits --metrics fid,is 2>&1 | grep -v -i warn | tail -8
done
