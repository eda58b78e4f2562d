"""GPU benchmark: DiffEdit on SD-1.5-shaped components (random weights, fp16, 512×512, 50 DDIM steps, r = 0.8, n = 10).

In one run on one GPU: diffusers' StableDiffusionDiffEditPipeline eager and with its UNet compiled (CUDA graphs,
channels-last), and this project's eager and fast paths; per stage (mask, invert, edit) the median of `--reps` runs
after a warm-up, peak memory, UNet calls and batch sizes; then the ratios. Writes a dated JSON file.

Order: UNet calls are counted first (eager, before anything is compiled, so counting can't trigger a recompile), then
the compiled paths warm up (compilation; `--wait-for FILE` then waits until FILE exists, so that other GPU work
started beside the warm-up has ended), then every method is timed back to back.

    python bench/bench_gpu.py --out bench/results
"""
import argparse, collections, datetime, json, os, statistics, sys, time, warnings
from pathlib import Path
import numpy as np
import torch

p = argparse.ArgumentParser()
p.add_argument("--out", default="bench/results"); p.add_argument("--reps", type=int, default=3)
p.add_argument("--size", default="sd15"); p.add_argument("--res", type=int, default=512)
p.add_argument("--steps", type=int, default=50); p.add_argument("--skip", default="", help="comma-separated methods to skip")
p.add_argument("--wait-for", default=None, help="a file to wait for (at most --wait-max s) before timing")
p.add_argument("--wait-max", type=float, default=300)
p.add_argument("--eager-format", default="channels_last", choices=["channels_last", "contiguous"], help="memory format of the UNet for the eager methods")
a = p.parse_args()
T0 = time.time()
skip = set(filter(None, a.skip.split(",")))
log = lambda *x: print(f"[{time.time() - T0:6.1f}s]", *x, flush=True)

from diffedit.core import random_pipe, load_image, encode_image, encode_text, decode_latents
from diffedit.mask import diffedit_mask
from diffedit.inversion import ddim_invert
from diffedit.edit import masked_denoise, diffedit, diffusers_diffedit_pipe
from diffedit.core import CountCalls
from diffedit.fast import fast_pipe
import diffusers

dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
dtype = torch.float16 if dev.type == "cuda" else torch.float32
pipe = random_pipe(a.size, dev, dtype)
pipe.set_progress_bar_config(disable=True)
if dev.type == "cuda" and a.eager_format == "channels_last": pipe.unet.to(memory_format=torch.channels_last)
from skimage import data
img = load_image(data.astronaut(), size=a.res)
Q, R, G, N, RATIO = "a photo of an astronaut with a red helmet", "a photo of an astronaut", 7.5, 10, 0.8
sync = (lambda: torch.cuda.synchronize()) if dev.type == "cuda" else (lambda: None)
out = Path(os.environ.get("BENCH_OUT", a.out)); out.mkdir(parents=True, exist_ok=True)
res = dict(date=datetime.date.today().isoformat(), device=torch.cuda.get_device_name() if dev.type == "cuda" else "cpu",
           torch=torch.__version__, diffusers=diffusers.__version__,
           settings=f"{a.size}, {str(dtype).removeprefix('torch.')}, {a.res}², {a.steps} DDIM steps, r = {RATIO}, n = {N}, CFG {G}; eager UNet {a.eager_format}",
           methods={}, counts={}, notes={})
def save():
    name = f"{res['date']}-{'gpu' if dev.type == 'cuda' else 'cpu'}-{res['device'].replace(' ', '_')}" + ("-eager-contiguous" if a.eager_format == "contiguous" else "")
    (out/f"{name}.json").write_text(json.dumps(res, indent=1))

def timed(f):
    sync(); t0 = time.perf_counter(); r = f(); sync(); return r, time.perf_counter() - t0

def ours_stages():
    x0 = encode_image(pipe, img)
    m, tm = timed(lambda: diffedit_mask(pipe, img, Q, R, n=N, latents=x0))
    inv, ti = timed(lambda: ddim_invert(pipe, x0, steps=a.steps, encode_ratio=RATIO))
    y, te = timed(lambda: decode_latents(pipe, masked_denoise(pipe, inv, m.latent, encode_text(pipe, Q), encode_text(pipe, ""), guidance_scale=G)))
    return dict(mask=tm, invert=ti, edit=te)

def ours_total():
    return timed(lambda: diffedit(pipe, img, Q, R, encode_ratio=RATIO, steps=a.steps, guidance_scale=G, n=N))[1]

def diffusers_stages(dp):
    g = lambda: torch.Generator(dev).manual_seed(0)
    m, tm = timed(lambda: dp.generate_mask(image=img, source_prompt=R, target_prompt=Q, num_maps_per_mask=N, mask_encode_strength=0.5, guidance_scale=G, generator=g()))
    lat, ti = timed(lambda: dp.invert(prompt=R, image=img, inpaint_strength=RATIO, num_inference_steps=a.steps, guidance_scale=G, generator=g()).latents)
    o, te = timed(lambda: dp(prompt=Q, mask_image=m, image_latents=lat, inpaint_strength=RATIO, num_inference_steps=a.steps, guidance_scale=G, generator=g()).images[0])
    return dict(mask=tm, invert=ti, edit=te)

def peak_reset():
    if dev.type == "cuda": sync(); torch.cuda.reset_peak_memory_stats()
def peak(): return torch.cuda.max_memory_allocated()/2**30 if dev.type == "cuda" else float("nan")

# 1. UNet calls and batch sizes, eager, before any compilation (also the eager warm-up)
dp = diffusers_diffedit_pipe(pipe)
for name, f in (("diffusers", lambda: diffusers_stages(dp)), ("ours", ours_stages)):
    f()
    with CountCalls(pipe.unet) as cc: f()
    res["counts"][name] = dict(unet_calls=cc.calls, unet_rows=cc.rows, batch_sizes=sorted(set(cc.batches)))
    log(name, res["counts"][name])
x0 = encode_image(pipe, img)
peak_reset(); diffedit_mask(pipe, img, Q, R, n=N, latents=x0); sync(); res["notes"]["mask_peak_gib_ours"] = peak()
peak_reset(); dp.generate_mask(image=img, source_prompt=R, target_prompt=Q, num_maps_per_mask=N, guidance_scale=G); sync(); res["notes"]["mask_peak_gib_diffusers"] = peak()
eager_img = diffedit(pipe, img, Q, R, encode_ratio=RATIO, steps=a.steps, guidance_scale=G, n=N).image
save()

# 2. compile warm-ups
warm = {}
fast = None
if "ours_fast" not in skip:
    fast_pipe(pipe, channels_last=dev.type == "cuda"); fast = pipe.diffedit_eps    # the compiled paths run channels-last
    _, warm["ours_fast"] = timed(ours_stages)
    _, t2 = timed(ours_stages); log(f"ours_fast warm-up {warm['ours_fast']:.1f} s, then {t2:.2f} s")
    fast_img = diffedit(pipe, img, Q, R, encode_ratio=RATIO, steps=a.steps, guidance_scale=G, n=N).image
    d = np.abs(np.asarray(fast_img, float) - np.asarray(eager_img, float))
    res["notes"]["fast_vs_eager_image"] = f"mean |Δ| {d.mean():.2f}, max |Δ| {d.max():.0f} (0–255), PSNR {10*np.log10(255**2/max((d**2).mean(), 1e-9)):.1f} dB"
    pipe.diffedit_eps = None
dpc = None
if "diffusers_compiled" not in skip:
    dpc = diffusers_diffedit_pipe(pipe)
    if dev.type == "cuda": pipe.unet.to(memory_format=torch.channels_last)
    dpc.unet = torch.compile(pipe.unet, mode="reduce-overhead", fullgraph=True)
    _, warm["diffusers_compiled"] = timed(lambda: diffusers_stages(dpc))
    log(f"diffusers_compiled warm-up {warm['diffusers_compiled']:.1f} s")
save()

# 3. wait for other GPU work to end
if a.wait_for:
    t0 = time.time()
    while not Path(a.wait_for).exists() and time.time() - t0 < a.wait_max: time.sleep(2)
    res["notes"]["waited_s"] = round(time.time() - t0, 1)
    res["notes"]["other_gpu_work_ended_before_timing"] = Path(a.wait_for).exists()
    log("waited", res["notes"]["waited_s"], "s")

# 4. timing, back to back
def measure(name, stages, total=None):
    stages()
    peak_reset()
    runs = [stages() for _ in range(a.reps)]
    r = {k: statistics.median(x[k] for x in runs) for k in ("mask", "invert", "edit")}
    r["total"] = sum(r.values()); r["peak_gib"] = peak(); r["warmup_s"] = warm.get(name, 0.0)
    if total is not None: r["end_to_end"] = statistics.median(total() for _ in range(a.reps))
    res["methods"][name] = r; save()
    log(name, {k: round(v, 3) for k, v in r.items()})

if dev.type == "cuda" and (fast is not None or dpc is not None): pipe.unet.to(memory_format=torch.channels_last if a.eager_format == "channels_last" else torch.contiguous_format)
measure("diffusers_eager", lambda: diffusers_stages(dp))
measure("ours_eager", ours_stages, ours_total)
if dev.type == "cuda" and (fast is not None or dpc is not None): pipe.unet.to(memory_format=torch.channels_last)
if fast is not None:
    pipe.diffedit_eps = fast; c0 = fast.calls
    measure("ours_fast", ours_stages, ours_total)
    res["counts"]["ours_fast_compiled_calls_per_run"] = (fast.calls - c0)//(2*a.reps + 1)
    if dev.type == "cuda":          # where one fast edit makes the host wait for the GPU (each wait stalls the launches)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always"); torch.cuda.set_sync_debug_mode("warn")
            try: diffedit(pipe, img, Q, R, encode_ratio=RATIO, steps=a.steps, guidance_scale=G, n=N)
            finally: torch.cuda.set_sync_debug_mode(0)
        where = collections.Counter(f"{Path(x.filename).name}:{x.lineno}" for x in w if "synchroniz" in str(x.message))
        res["notes"]["host_syncs_in_one_fast_edit"] = dict(total=sum(where.values()), where=dict(where.most_common(10)))
        log("host syncs", res["notes"]["host_syncs_in_one_fast_edit"])
    pipe.diffedit_eps = None
if dpc is not None: measure("diffusers_compiled", lambda: diffusers_stages(dpc))

m = res["methods"]
def ratio(a_, b_): return m[a_]["total"]/m[b_]["total"] if a_ in m and b_ in m else None
res["ratios"] = {"ours_fast vs diffusers_eager": ratio("diffusers_eager", "ours_fast"),
                 "ours_fast vs diffusers_compiled": ratio("diffusers_compiled", "ours_fast"),
                 "ours_eager vs diffusers_eager": ratio("diffusers_eager", "ours_eager"),
                 "ours_fast end-to-end vs diffusers_eager": (m["diffusers_eager"]["total"]/m["ours_fast"]["end_to_end"]) if "ours_fast" in m else None}
save()
print(json.dumps(res, indent=1))
log("bench done")
