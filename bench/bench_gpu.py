"""GPU benchmark: DiffEdit on SD-1.5-shaped components (random weights, fp16, 512×512, 50 DDIM steps, r = 0.8, n = 10).

In one run on one GPU: diffusers' StableDiffusionDiffEditPipeline eager and with its UNet compiled (CUDA graphs,
channels-last), and this project's eager and fast paths; per stage (mask, invert, edit) the median of `--reps` runs
after a warm-up, peak memory, UNet calls and batch sizes; then the ratios. Writes a dated JSON and Markdown file.

    python bench/bench_gpu.py --out bench/results
"""
import argparse, datetime, json, os, statistics, sys, time
from pathlib import Path
import numpy as np
import torch

p = argparse.ArgumentParser()
p.add_argument("--out", default="bench/results"); p.add_argument("--reps", type=int, default=3)
p.add_argument("--size", default="sd15"); p.add_argument("--res", type=int, default=512)
p.add_argument("--steps", type=int, default=50); p.add_argument("--skip", default="", help="comma-separated methods to skip")
p.add_argument("--budget", type=float, default=1e9, help="seconds; methods still to run past it are skipped")
a = p.parse_args()
T0 = time.time()
skip = set(filter(None, a.skip.split(",")))

from diffedit.core import random_pipe, load_image, encode_image, encode_text, decode_latents
from diffedit.mask import diffedit_mask
from diffedit.inversion import ddim_invert
from diffedit.edit import masked_denoise, diffedit, diffusers_diffedit_pipe
from diffedit.guidance import CountCalls
from diffedit.fast import fast_pipe, slow_pipe
import diffusers

dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
dtype = torch.float16 if dev.type == "cuda" else torch.float32
pipe = random_pipe(a.size, dev, dtype)
pipe.set_progress_bar_config(disable=True)
from skimage import data
img = load_image(data.astronaut(), size=a.res)
Q, R, G, N, RATIO = "a photo of an astronaut with a red helmet", "a photo of an astronaut", 7.5, 10, 0.8
sync = (lambda: torch.cuda.synchronize()) if dev.type == "cuda" else (lambda: None)

def timed(f):
    sync(); t0 = time.perf_counter(); out = f(); sync(); return out, time.perf_counter() - t0

def peak_reset():
    if dev.type == "cuda": torch.cuda.reset_peak_memory_stats()
def peak():
    return torch.cuda.max_memory_allocated()/2**30 if dev.type == "cuda" else float("nan")

def ours_stages():
    "This project's stages, as `diffedit` runs them (fast path: mask overlapped with inversion inside `diffedit`)."
    x0 = encode_image(pipe, img)
    m, tm = timed(lambda: diffedit_mask(pipe, img, Q, R, n=N, latents=x0))
    inv, ti = timed(lambda: ddim_invert(pipe, x0, steps=a.steps, encode_ratio=RATIO))
    y, te = timed(lambda: decode_latents(pipe, masked_denoise(pipe, inv, m.latent, encode_text(pipe, Q), encode_text(pipe, ""), guidance_scale=G)))
    return dict(mask=tm, invert=ti, edit=te)

def diffusers_stages(dp):
    g = lambda: torch.Generator(dev).manual_seed(0)
    m, tm = timed(lambda: dp.generate_mask(image=img, source_prompt=R, target_prompt=Q, num_maps_per_mask=N, mask_encode_strength=0.5, guidance_scale=G, generator=g()))
    lat, ti = timed(lambda: dp.invert(prompt=R, image=img, inpaint_strength=RATIO, num_inference_steps=a.steps, guidance_scale=G, generator=g()).latents)
    out, te = timed(lambda: dp(prompt=Q, mask_image=m, image_latents=lat, inpaint_strength=RATIO, num_inference_steps=a.steps, guidance_scale=G, generator=g()).images[0])
    return dict(mask=tm, invert=ti, edit=te)

def ours_total():
    _, t = timed(lambda: diffedit(pipe, img, Q, R, encode_ratio=RATIO, steps=a.steps, guidance_scale=G, n=N)); return t

def measure(name, stages, total=None, warm=None, count=True):
    if name in skip or time.time() - T0 > a.budget:
        print(f"[{name}] skipped", flush=True); return None
    peak_reset()
    t0 = time.perf_counter()
    (warm or stages)()                                   # warm-up (compilation, cuDNN autotuning)
    sync(); warmup = time.perf_counter() - t0
    cc = None
    if count:
        with CountCalls(pipe.unet) as cc: stages()
    fast = getattr(pipe, "_diffedit_fast", None); c0 = fast.calls if fast else 0
    runs = [stages() for _ in range(a.reps)]
    c1 = fast.calls if fast else 0
    r = {k: statistics.median(x[k] for x in runs) for k in ("mask", "invert", "edit")}
    r["total"] = sum(r.values())
    if total is not None: r["end_to_end"] = statistics.median(total() for _ in range(a.reps))
    r.update(peak_gib=peak(), warmup_s=warmup)
    if cc: r.update(unet_calls=cc.calls, unet_batches=sorted(set(cc.batches)), unet_rows=cc.rows)
    if fast: r.update(compiled_steps_per_edit=(c1 - c0)//a.reps, note="plus one eager mask call of 2n rows")
    print(f"[{name}] " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items()), flush=True)
    return r

def mask_peak(f):
    peak_reset(); sync(); f(); sync(); return peak()

res = dict(date=datetime.date.today().isoformat(), device=torch.cuda.get_device_name() if dev.type == "cuda" else "cpu",
           torch=torch.__version__, diffusers=diffusers.__version__, settings=f"{a.size} fp16, {a.res}², {a.steps} DDIM steps, r = {RATIO}, n = {N}, CFG {G}",
           methods={}, notes={})
out = Path(os.environ.get("OUT", a.out)); out.mkdir(parents=True, exist_ok=True)
def save():
    name = f"{res['date']}-{'gpu' if dev.type == 'cuda' else 'cpu'}-{res['device'].replace(' ', '_')}"
    (out/f"{name}.json").write_text(json.dumps(res, indent=1))

dp = diffusers_diffedit_pipe(pipe)
r = measure("diffusers_eager", lambda: diffusers_stages(dp))
if r: res["methods"]["diffusers_eager"] = r; save()
r = measure("ours_eager", ours_stages, ours_total)
if r: res["methods"]["ours_eager"] = r; save()
x0 = encode_image(pipe, img)
res["notes"]["mask_peak_gib_ours"] = mask_peak(lambda: diffedit_mask(pipe, img, Q, R, n=N, latents=x0))
res["notes"]["mask_peak_gib_diffusers"] = mask_peak(lambda: dp.generate_mask(image=img, source_prompt=R, target_prompt=Q, num_maps_per_mask=N, guidance_scale=G))
eager_img = diffedit(pipe, img, Q, R, encode_ratio=RATIO, steps=a.steps, guidance_scale=G, n=N).image

fast_pipe(pipe)
r = measure("ours_fast", ours_stages, ours_total, count=False)
if r:
    res["methods"]["ours_fast"] = r
    fast_img = diffedit(pipe, img, Q, R, encode_ratio=RATIO, steps=a.steps, guidance_scale=G, n=N).image
    d = np.abs(np.asarray(fast_img, float) - np.asarray(eager_img, float))
    res["notes"]["fast_vs_eager_image"] = f"mean |Δ| {d.mean():.2f}, max |Δ| {d.max():.0f} (0–255), PSNR {10*np.log10(255**2/max((d**2).mean(), 1e-9)):.1f} dB"
    save()
slow_pipe(pipe)

if "diffusers_compiled" not in skip and time.time() - T0 < a.budget:
    unet0 = dp.unet
    dp.unet.to(memory_format=torch.channels_last)
    dp.unet = torch.compile(unet0, mode="reduce-overhead", fullgraph=True)
    r = measure("diffusers_compiled", lambda: diffusers_stages(dp), count=False)
    if r: res["methods"]["diffusers_compiled"] = r
    dp.unet = unet0

m = res["methods"]
def ratio(a_, b_): return m[a_]["total"]/m[b_]["total"] if a_ in m and b_ in m else float("nan")
res["ratios"] = {"ours_fast vs diffusers_eager": ratio("diffusers_eager", "ours_fast"),
                 "ours_fast vs diffusers_compiled": ratio("diffusers_compiled", "ours_fast"),
                 "ours_eager vs diffusers_eager": ratio("diffusers_eager", "ours_eager")}
save()
print(json.dumps(res["ratios"], indent=1)); print(json.dumps(res["notes"], indent=1))
print(f"bench done in {time.time() - T0:.0f} s")
