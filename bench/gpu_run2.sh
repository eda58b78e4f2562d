#!/usr/bin/env bash
# The shorter GPU run: eager baselines with a contiguous (channels-first) UNet, then every notebook on random-sd15.
set -uo pipefail
T0=$(date +%s); OUT="${BENCH_OUT:-bench/results}"; mkdir -p "$OUT"; export BENCH_OUT="$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PATH=/tmp/site/bin:$PATH PYTHONUNBUFFERED=1 MPLBACKEND=Agg
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
timeout 150 python3 bench/bench_gpu.py --out "$OUT" --skip ours_fast,diffusers_compiled --eager-format contiguous 2>&1 | grep -v "^\[transformers\]" | grep "^\[" | tee "$OUT/bench_eager.log"
echo "bench done at $(( $(date +%s) - T0 )) s"
bash bench/gpu_notebooks.sh "${NB_T:-170}" 7
echo "done in $(( $(date +%s) - T0 )) s"
