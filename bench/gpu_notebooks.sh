#!/usr/bin/env bash
# Every notebook top to bottom on SD-1.5-shaped random weights (fp16, CUDA): one line per notebook, pass/fail, time and
# peak GPU memory (written by `notebook_setup` when DIFFEDIT_PEAK_FILE is set; the goal: ≤ 12 GB, a 16 GB card).
# Usage (on a GPU machine, after the wheels are installed as in gpu_notebooks_and_bench.sh): bash bench/gpu_notebooks.sh [timeout_s] [workers]
OUT="${BENCH_OUT:-bench/results}"; mkdir -p "$OUT"
T="${1:-200}"; P="${2:-6}"
export DIFFEDIT_MODEL=random-sd15 PYTHONUNBUFFERED=1 MPLBACKEND=Agg
ls nbs/*.ipynb | xargs -P "$P" -I{} bash -c '
  nb={}; name=$(basename $nb .ipynb); t0=$(date +%s)
  rm -f "'"$OUT"'/peak-$name.txt"
  DIFFEDIT_PEAK_FILE="'"$OUT"'/peak-$name.txt" timeout '"$T"' nbdev_test --path $nb --n_workers 1 > "'"$OUT"'/nb-$name.log" 2>&1; rc=$?
  s=pass; [ $rc -ne 0 ] && s="FAIL(rc=$rc)"; [ $rc -eq 124 ] && s="TIMEOUT"
  peak=$(cat "'"$OUT"'/peak-$name.txt" 2>/dev/null || echo "no peak recorded"); rm -f "'"$OUT"'/peak-$name.txt"
  echo "$name $s $(( $(date +%s) - t0 ))s, $peak"' | sort | tee "$OUT/notebooks.txt"
for f in "$OUT"/nb-*.log; do grep -q "Error\|Traceback" "$f" && { echo "== $f"; grep -v "^\[transformers\]" "$f" | grep -E "Error|While Executing" | head -6; }; done | tee "$OUT/notebook-errors.txt"
cat "$OUT"/nb-*.log > "$OUT/notebooks-all.log" && rm -f "$OUT"/nb-*.log    # few files come back from a device run
