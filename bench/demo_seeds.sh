#!/usr/bin/env bash
# The demo per seed, as scripts/demo.sh runs it (gan-zoo train infogan_digits32, then
# gan-zoo sample of the ONNX file), timed, then scored by gan-zoo eval --metrics fid,is
# against the 360 held-out digits, twice: with 1,437 samples of the exported EMA
# generator (the protocol of the real floor FID 3.69 / IS 9.66 in docs/evaluation.md,
# which the issue-13 targets refer to) and with 360 (eval's default, as many as the
# real images; there 10 IS splits of 36 samples pull the IS down: real digits score
# 8.6-9.1, docs/digits_quality.md).
#     bash bench/demo_seeds.sh 0 1 2        (PYTHON=..., RUNS=... to change where,
#                                          RECIPE=dcgan_digits for another recipe)
set -u
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=3 PYTHONPATH="$PWD"
PY="${PYTHON:-.venv/bin/python}"
RECIPE="${RECIPE:-infogan_digits32}"
for seed in "$@"; do
  out="${RUNS:-runs/demo_seeds}/seed_$seed"; mkdir -p "$(dirname "$out")"
  rm -rf "$out"
  echo "seed $seed start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  s=$(date +%s)
  $PY -m cli train "$RECIPE" --out "$out" --seed $seed > "$out.train.log" 2>&1
  t=$(date +%s)
  $PY -m cli sample "$out/generator.onnx" -n 64 -o "$out/onnx_grid.png" >> "$out.train.log" 2>&1
  e=$(date +%s)
  echo "seed $seed train+export $((t-s)) s, demo (train+export+sample) $((e-s)) s, end load $(cut -d' ' -f1-3 /proc/loadavg)"
  for n in 1437 360; do
    echo "seed $seed eval -n $n"
    $PY -m cli eval "$out/generator.onnx" --data digits --metrics fid,is -n $n 2>&1 | grep -v -i warn | tail -8
  done
done
