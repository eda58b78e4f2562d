#!/usr/bin/env bash
# One GPU run: every notebook on SD-1.5-shaped random weights (fp16, CUDA) runs while the benchmark compiles;
# the benchmark then times every method once the notebooks are done.
# Needs the wheels of what the GPU machine lacks in .whl/ (diffusers, nbdev, execnb, fastcore, ipython, ipywidgets).
# Usage: bash bench/gpu_notebooks_and_bench.sh          (results go to $BENCH_OUT, else bench/results)
set -uo pipefail
T0=$(date +%s)
OUT="${BENCH_OUT:-bench/results}"; mkdir -p "$OUT"; export BENCH_OUT="$OUT"
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PWD PATH=/tmp/site/bin:$PATH
fi
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch, diffusers, transformers; print('torch', torch.__version__, 'diffusers', diffusers.__version__, 'transformers', transformers.__version__)"
rm -f "$OUT/notebooks.done"
( DIFFEDIT_MODEL=random-sd15 timeout "${NB_TIMEOUT:-330}" nbdev_test \
    --n_workers "${NB_WORKERS:-6}" --do_print --timing --skip_file_re "${NB_SKIP:-^[_.]}" > "$OUT/notebooks.log" 2>&1; echo "exit $?" >> "$OUT/notebooks.log"; touch "$OUT/notebooks.done" ) &
timeout "${BENCH_TIMEOUT:-540}" python3 bench/bench_gpu.py --out "$OUT" --wait-for "$OUT/notebooks.done" --wait-max "${NB_TIMEOUT:-330}" 2>&1 \
  | grep -v "^\[transformers\]" > "$OUT/bench.log"
echo "bench exit ${PIPESTATUS[0]}"; grep -v '^ \|^{\|^}' "$OUT/bench.log" | tail -25
wait
grep -v "^\[transformers\]" "$OUT/notebooks.log" | grep -v "Warning\|warn" | tail -40
echo "done in $(( $(date +%s) - T0 )) s"
