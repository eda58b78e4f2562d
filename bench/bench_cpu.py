"""CPU timings: one DiffEdit edit on the embedded model (goal ≤ 1 s on 2 cores), one text-to-image sample, and
optionally (--suite) the whole test suite (goal ≤ 5 min). Writes bench/results/DATE-cpu-HOST.json.

    python bench/bench_cpu.py [--suite]
"""
import argparse, datetime, json, os, platform, statistics, subprocess, sys, time
from pathlib import Path
import torch

p = argparse.ArgumentParser(); p.add_argument("--suite", action="store_true"); p.add_argument("--reps", type=int, default=5)
a = p.parse_args()
from diffedit.core import load_pipe
from diffedit.edit import diffedit
from diffedit.guidance import text_to_image
from diffedit.toy import make_scene

pipe = load_pipe("toy", device="cpu"); pipe.set_progress_bar_config(disable=True)
sc = make_scene(1_000_001, color="red"); q = sc.caption.replace("red", "blue")
def med(f):
    f(); ts = []
    for _ in range(a.reps):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    return round(statistics.median(ts), 3)
t = {"one DiffEdit edit (50 steps, r = 0.8, n = 10)": med(lambda: diffedit(pipe, sc.image, q, sc.caption)),
     "one text-to-image sample (50 steps, CFG)": med(lambda: text_to_image(pipe, sc.caption))}
if a.suite:
    root = Path(__file__).resolve().parent.parent
    t0 = time.perf_counter(); r = subprocess.run([sys.executable, "tools/run_tests.py"], cwd=root, capture_output=True, text=True)
    t["whole test suite (tools/run_tests.py)"] = round(time.perf_counter() - t0, 1)
    t["suite result"] = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else f"exit {r.returncode}"
res = dict(date=datetime.date.today().isoformat(), device="cpu", cpu=platform.processor() or platform.machine(),
           threads=torch.get_num_threads(), torch=torch.__version__, timings=t)
out = Path(__file__).resolve().parent/"results"; out.mkdir(exist_ok=True)
(out/f"{res['date']}-cpu-{torch.get_num_threads()}threads.json").write_text(json.dumps(res, indent=1))
print(json.dumps(res, indent=1))
