#!/usr/bin/env bash
# The main job: train the demo recipe (InfoGAN on the bundled digits), export the
# generator to ONNX, and sample it through onnxruntime. Writes runs/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TF_CPP_MIN_LOG_LEVEL=2
out="${1:-runs/demo}"
start=$(date +%s)
.venv/bin/gan-zoo train infogan_digits32 --out "$out"
.venv/bin/gan-zoo sample "$out/generator.onnx" -n 64 -o "$out/onnx_grid.png"
echo "== demo finished in $(( $(date +%s) - start )) s; open $out/onnx_grid.png and $out/loss.png"
