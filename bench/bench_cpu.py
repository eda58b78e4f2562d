"""CPU timings on the embedded model: one DiffEdit edit at the defaults and at the previous defaults (goal ≤ 1 s on
2 cores) and one text-to-image sample, each
eager and on the fast path (`fast_pipe`: every UNet call compiled by inductor with frozen weights), timed alternately
(median of --reps, and the fastest run: a shared machine's speed can drift by a third within minutes) so that both see
the same machine; the fast path's one-time warm-up is reported apart, and its
edit is compared with the eager one pixel by pixel. `--suite` also times the whole test suite (goal ≤ 5 min).
Writes bench/results/DATE-HHMM-cpu-Nthreads.json.

    python bench/bench_cpu.py [--suite] [--reps 7] [--no-fast]
"""
import argparse, datetime, json, os, platform, statistics, subprocess, sys, time
from pathlib import Path
import numpy as np
import torch

p = argparse.ArgumentParser(); p.add_argument("--suite", action="store_true"); p.add_argument("--reps", type=int, default=7)
p.add_argument("--no-fast", action="store_true", help="time the eager path only")
a = p.parse_args()
from diffedit.core import load_pipe
from diffedit.edit import diffedit
from diffedit.guidance import text_to_image
from diffedit.toy import make_scene
from diffedit.fast import fast_pipe

pipe = load_pipe("toy", device="cpu"); pipe.set_progress_bar_config(disable=True)
sc = make_scene(1_000_001, color="red"); q = sc.caption.replace("red", "blue")
DEFAULT_EDIT = "one DiffEdit edit (50 steps, the defaults: r = 0.5, n = 10)"
work = {DEFAULT_EDIT: lambda: diffedit(pipe, sc.image, q, sc.caption),
        # the defaults before nbs/15_defaults.ipynb, timed in the same run (in turns) for the comparison
        "one DiffEdit edit (50 steps, the previous defaults: r = 0.9, n = 10)":
            lambda: diffedit(pipe, sc.image, q, sc.caption, encode_ratio=0.9),
        # r = 0.8: the ratio of the earlier results files, for a like-for-like comparison
        "one DiffEdit edit (50 steps, r = 0.8, n = 10)": lambda: diffedit(pipe, sc.image, q, sc.caption, encode_ratio=0.8),
        "one text-to-image sample (50 steps, CFG)": lambda: text_to_image(pipe, sc.caption)}

def once(f):
    t0 = time.perf_counter(); r = f(); return r, time.perf_counter() - t0

eager_img = work[DEFAULT_EDIT]().image      # also the eager warm-up
notes, fast = {}, None
if not a.no_fast:
    fast_pipe(pipe); fast = pipe.diffedit_eps
    res_fast, notes["fast warm-up (compiling 2 step shapes), s"] = once(work[DEFAULT_EDIT])
    d = np.abs(np.asarray(res_fast.image, int) - np.asarray(eager_img, int))
    notes["fast vs eager edit, max |Δ| (0–255)"] = int(d.max()); notes["fast vs eager edit, mean |Δ|"] = round(float(d.mean()), 4)
    work["one text-to-image sample (50 steps, CFG)"]()                          # same step shape as the edit: no new compile
    pipe.diffedit_eps = None

t = {}
if fast:                                  # one denoising step, as the loop runs it: batch 1 (inversion) and 2 (CFG)
    from torch.utils.flop_counter import FlopCounterMode
    from diffedit.core import encode_text
    from diffedit.guidance import denoise
    x = torch.randn(1, 4, 16, 16); c, u = encode_text(pipe, sc.caption), encode_text(pipe, "")
    one_step = lambda un: denoise(pipe, x, c, un, levels=[501, 481], guidance_scale=5.0, progress=False)   # the one loop, one step
    for label, un in (("batch 1 (inversion)", None), ("batch 2 (CFG)", u)):
        ts = {"eager": [], "fast": []}
        for _ in range(9):                                                      # alternate, 10 steps at a time
            for mode in ts:
                if mode == "fast": pipe.diffedit_eps = fast
                t0 = time.perf_counter()
                for _ in range(10): one_step(un)
                ts[mode].append((time.perf_counter() - t0)/10*1000)
                pipe.diffedit_eps = None
        for mode in ts: t[f"one step, {label}, {mode}, ms"] = round(statistics.median(ts[mode][1:]), 2)
    with torch.no_grad(), FlopCounterMode(display=False) as fc: pipe.unet(x, 501, encoder_hidden_states=c)
    notes["UNet GFLOP per row"] = round(fc.get_total_flops()/1e9, 3)
    extra = t["one step, batch 2 (CFG), fast, ms"] - t["one step, batch 1 (inversion), fast, ms"]
    notes["fast: the second row's cost, ms, and its GFLOP/s"] = [round(extra, 2), round(notes["UNet GFLOP per row"]/extra*1e3, 1)]
for name, f in work.items():
    runs = {"eager": [], "fast": []}
    for _ in range(a.reps):                                                     # alternate, so both see the same machine
        for mode in (("eager", "fast") if fast else ("eager",)):
            if mode == "fast": pipe.diffedit_eps = fast
            runs[mode].append(once(f)[1])
            pipe.diffedit_eps = None
    for mode, ts in runs.items():
        if ts: t[f"{name}, {mode}"] = round(statistics.median(ts), 3); t[f"{name}, {mode}, fastest run"] = round(min(ts), 3)
    if fast: t[f"{name}, eager/fast"] = round(t[f"{name}, eager"]/t[f"{name}, fast"], 2)
prev = "one DiffEdit edit (50 steps, the previous defaults: r = 0.9, n = 10)"
t["previous defaults / defaults, eager"] = round(t[f"{prev}, eager"]/t[f"{DEFAULT_EDIT}, eager"], 2)
if a.suite:
    root = Path(__file__).resolve().parent.parent
    t0 = time.perf_counter(); r = subprocess.run([sys.executable, "tools/run_tests.py"], cwd=root, capture_output=True, text=True)
    t["whole test suite (tools/run_tests.py)"] = round(time.perf_counter() - t0, 1)
    t["suite result"] = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else f"exit {r.returncode}"
res = dict(date=datetime.date.today().isoformat(), device="cpu", cpu=platform.processor() or platform.machine(),
           threads=torch.get_num_threads(), torch=torch.__version__, timings=t, notes=notes)
out = Path(__file__).resolve().parent/"results"; out.mkdir(exist_ok=True)
stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M")                   # two runs of one day keep two files
(out/f"{stamp}-cpu-{torch.get_num_threads()}threads.json").write_text(json.dumps(res, indent=1))
print(json.dumps(res, indent=1))
