"""Every bad input of the Python API and of the `diffedit` command, with what it gets.

The API: an error of a clear type whose message names the parameter (in backticks), raised before the UNet runs once.
The command: exit status 2 and one line on stderr that names the option, with no traceback (`--debug` shows one).
Models: SD-shaped random weights (`random_pipe("tiny")`); the embedded model only where the command needs it."""
import math, os, subprocess, sys, warnings
from pathlib import Path
import numpy as np
import pytest
import torch
from PIL import Image

from diffedit.core import CountCalls, load_image, load_pipe, random_pipe
from diffedit.edit import diffedit, sdedit
from diffedit.guidance import text_to_image
from diffedit.inversion import ddim_invert, Inversion
from diffedit.mask import diffedit_mask
from diffedit.toy import make_scene

CLEAR = (ValueError, TypeError, FileNotFoundError, OSError)
# Refused, but not yet as they should be (non-strict: they pass once fixed, then the mark can go)
Q = "a blue circle on stripes"

@pytest.fixture(scope="module")
def pipe():
    p = random_pipe("tiny")
    p.set_progress_bar_config(disable=True)
    return p

@pytest.fixture(scope="module")
def image(): return make_scene(0).image

def refused(pipe, f, *args, **kw):
    "Call `f`; return (the exception it raised, how many times the UNet ran before it); fails where nothing is raised."
    with CountCalls(pipe.unet) as cc, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try: f(*args, **kw)
        except Exception as e: return e, cc.calls
    pytest.fail(f"{getattr(f, '__name__', f)} accepted {kw or args}")

# ---- the Python API: (case, function, the arguments changed from a good call, the parameter the error must name) ----
nan, inf = float("nan"), float("inf")
API = [
    # diffedit(pipe, image, query, reference="", ...)
    ("diffedit", dict(image=42), "image"), ("diffedit", dict(image="no/such/file.png"), "image"),
    ("diffedit", dict(image=np.zeros((0, 0, 3), np.uint8)), "image"), ("diffedit", dict(image=np.zeros((2, 2, 2, 2))), "image"),
    ("diffedit", dict(image="tiny"), "image"), ("diffedit", dict(image="huge"), "image"),
    ("diffedit", dict(query=""), "query"), ("diffedit", dict(query=None), "query"), ("diffedit", dict(query=["a dog", " "]), "query"),
    ("diffedit", dict(reference=None), "reference"),
    ("diffedit", dict(threshold=1.5), "threshold"), ("diffedit", dict(threshold=nan), "threshold"),
    ("diffedit", dict(mask_strength=0.0), "mask_strength"), ("diffedit", dict(mask_strength=1.0), "mask_strength"),
    ("diffedit", dict(encode_ratio=0.0), "encode_ratio"), ("diffedit", dict(encode_ratio=1.2), "encode_ratio"),
    ("diffedit", dict(encode_ratio=nan), "encode_ratio"), ("diffedit", dict(encode_ratio=0.05), "encode_ratio"),
    ("diffedit", dict(n=0), "n"), ("diffedit", dict(n=2.5), "n"),
    ("diffedit", dict(steps=0), "steps"), ("diffedit", dict(steps=-3), "steps"), ("diffedit", dict(steps=2.5), "steps"),
    ("diffedit", dict(steps=True), "steps"), ("diffedit", dict(steps=1000), "steps"),
    ("diffedit", dict(guidance_scale=-1.0), "guidance_scale"), ("diffedit", dict(guidance_scale=inf), "guidance_scale"),
    ("diffedit", dict(guidance_scale=nan), "guidance_scale"),
    ("diffedit", dict(rule="louder"), "rule"), ("diffedit", dict(schedule="zigzag"), "schedule"),
    ("diffedit", dict(seed=-1), "seed"), ("diffedit", dict(seed=1.5), "seed"),
    ("diffedit", dict(mask=np.zeros((2, 2, 2, 2))), "mask"), ("diffedit", dict(invert_at="later"), "invert_at"),
    ("diffedit", dict(clamp=0.5), "clamp"), ("diffedit", dict(smooth=-1.0), "smooth"), ("diffedit", dict(dilate=-1), "dilate"),
    ("diffedit", dict(mask=np.ones((64, 64), bool), clamp=0.5), "clamp"),       # a mask of one's own: its options still checked
    ("diffedit", dict(mask_strength=nan), "mask_strength"), ("diffedit", dict(callback=42), "callback"),
    ("diffedit", dict(inversion="latents"), "inversion"),
    ("diffedit", dict(inversion=Inversion([torch.zeros(1, 4, 8, 8)]*4, [-1, 1, 251, 501], 10)), "inversion"),   # other steps
    ("diffedit", dict(inversion=Inversion([torch.zeros(1, 4, 4, 4)]*4, [-1, 1, 251, 501], 4)), "inversion"),    # other size
    ("diffedit", dict(inversion=Inversion([torch.zeros(1, 4, 8, 8)]*2, [-1, 1], 4)), "encode_ratio"),            # too shallow
    # sdedit(pipe, image, query, ...)
    ("sdedit", dict(image=42), "image"), ("sdedit", dict(image="no/such/file.png"), "image"),
    ("sdedit", dict(query=""), "query"), ("sdedit", dict(query=["a dog", "a cat"]), "query"),
    ("sdedit", dict(encode_ratio=0.0), "encode_ratio"), ("sdedit", dict(steps=0), "steps"), ("sdedit", dict(steps=1000), "steps"),
    ("sdedit", dict(guidance_scale=-1.0), "guidance_scale"), ("sdedit", dict(seed=-1), "seed"),
    ("sdedit", dict(rule="louder"), "rule"), ("sdedit", dict(schedule="zigzag"), "schedule"),
    # diffedit_mask(pipe, image, query, reference="", ...)
    ("diffedit_mask", dict(image="no/such/file.png"), "x"), ("diffedit_mask", dict(query=""), "query"),
    ("diffedit_mask", dict(reference=None), "reference"), ("diffedit_mask", dict(n=0), "n"),
    ("diffedit_mask", dict(strength=0.0), "strength"), ("diffedit_mask", dict(strength=1.0), "strength"),
    ("diffedit_mask", dict(threshold=2.0), "threshold"), ("diffedit_mask", dict(smooth=9.0), "smooth"),
    ("diffedit_mask", dict(dilate=-1), "dilate"), ("diffedit_mask", dict(clamp=0.5), "clamp"),
    ("diffedit_mask", dict(guidance_scale=inf), "guidance_scale"), ("diffedit_mask", dict(guidance_scale=nan), "guidance_scale"),
    ("diffedit_mask", dict(guidance_scale="7"), "guidance_scale"), ("diffedit_mask", dict(seed=-1), "seed"),
    # ddim_invert(pipe, latents, ...)
    ("ddim_invert", dict(steps=0), "steps"), ("ddim_invert", dict(steps=1000), "steps"), ("ddim_invert", dict(steps=2.5), "steps"),
    ("ddim_invert", dict(encode_ratio=0.0), "encode_ratio"), ("ddim_invert", dict(encode_ratio=1.5), "encode_ratio"),
    ("ddim_invert", dict(guidance_scale=-1.0), "guidance_scale"), ("ddim_invert", dict(eps_at="later"), "eps_at"),
    ("ddim_invert", dict(latents=torch.full((1, 4, 8, 8), nan)), "latents"), ("ddim_invert", dict(latents=torch.zeros(4, 8, 8)), "latents"),
    # text_to_image(pipe, prompts, ...)
    ("text_to_image", dict(steps=0), "steps"), ("text_to_image", dict(steps=1000), "steps"),
    ("text_to_image", dict(guidance_scale=-1.0), "guidance_scale"), ("text_to_image", dict(guidance_scale=nan), "guidance_scale"),
    ("text_to_image", dict(rule="louder"), "rule"), ("text_to_image", dict(schedule="zigzag"), "schedule"),
    ("text_to_image", dict(prompts=[]), "prompts"), ("text_to_image", dict(guidance_scale="7"), "guidance_scale"),
]

def call(pipe, image, fn, kw):
    "The good call of `fn` with `kw` changed."
    kw = dict(kw)
    img = kw.pop("image", image)
    img = {"tiny": image.resize((3, 3)), "huge": image.resize((5000, 64))}.get(img, img) if isinstance(img, str) else img
    if fn == "diffedit":
        return lambda: diffedit(pipe, img, kw.pop("query", Q), kw.pop("reference", ""), **{"steps": 4, "n": 2, **kw})
    if fn == "sdedit": return lambda: sdedit(pipe, img, kw.pop("query", Q), **{"steps": 4, **kw})
    if fn == "diffedit_mask": return lambda: diffedit_mask(pipe, img, kw.pop("query", Q), kw.pop("reference", ""), **{"n": 2, **kw})
    if fn == "ddim_invert": return lambda: ddim_invert(pipe, kw.pop("latents", torch.zeros(1, 4, 8, 8)), **{"steps": 4, **kw})
    if fn == "text_to_image": return lambda: text_to_image(pipe, kw.pop("prompts", Q), **{"steps": 4, **kw})
    raise KeyError(fn)

def _id(c): f, kw, _ = c.values if hasattr(c, "values") else c; return f"{f}-{'-'.join(f'{k}={v!r}'[:24] for k, v in kw.items())}"

@pytest.mark.parametrize("fn,kw,name", API, ids=[_id(c) for c in API])
def test_api_refuses(pipe, image, fn, kw, name):
    e, calls = refused(pipe, call(pipe, image, fn, kw))
    assert isinstance(e, CLEAR), f"{type(e).__name__}: {e}"
    assert f"`{name}`" in str(e), str(e)
    assert calls == 0, f"the UNet ran {calls} times before: {e}"

def test_api_corrects(pipe, image):
    "Inputs that are not refused but corrected as documented: any PIL mode becomes RGB, sides are cut to the VAE's factor."
    for img in (image.convert("L"), image.convert("RGBA"), image.convert("P"), image.resize((70, 66))):
        r = diffedit(pipe, img, Q, steps=2, n=1)
        assert r.image.size == img.size and r.mask.shape == img.size[::-1]

def test_steps_range_is_the_schedulers(pipe):
    "SD's schedule adds steps_offset = 1: 999 steps is the most (timesteps 1 … 999), 1000 would ask for level 1000."
    from diffedit.guidance import ddim_levels, max_steps
    assert max_steps(pipe.scheduler) == 999
    assert ddim_levels(pipe, 999)[0] == 999
    with pytest.raises(ValueError, match=r"`steps` must be an int in \[1, 999\]"): ddim_levels(pipe, 1000)

LOADERS = [
    (lambda: load_pipe(""), "model"), (lambda: load_pipe(42), "model"), (lambda: load_pipe("./no/such/model/folder"), "model"),
    (lambda: load_pipe("not-a-hub-id"), "model"), (lambda: load_pipe("random-huge"), "model"),
    (lambda: load_pipe("toy", dtype="int8"), "dtype"), (lambda: load_pipe("toy", dtype="float17"), "dtype"),
    (lambda: load_image(42), "x"), (lambda: load_image("no/such/file.png"), "x"), (lambda: load_image(np.zeros((0, 0, 3), np.uint8)), "x"),
    (lambda: load_image(np.zeros((2, 2, 2, 2))), "x"), (lambda: load_image(np.full((8, 8, 3), np.nan)), "x"),
    (lambda: load_image(Image.new("RGB", (64, 64)), size=(3, 3)), "size"), (lambda: load_image(Image.new("RGB", (5000, 64))), "x"),
    (lambda: load_image(Image.new("RGB", (4, 4))), "x"),
]

@pytest.mark.parametrize("f,name", LOADERS, ids=[f"loader{i}" for i in range(len(LOADERS))])
def test_loaders_refuse(f, name):
    with pytest.raises(CLEAR) as e: f()
    assert f"`{name}`" in str(e.value), str(e.value)

def test_load_pipe_folder_without_index(tmp_path):
    with pytest.raises(FileNotFoundError, match="`model`"): load_pipe(str(tmp_path))

def test_load_image_not_an_image(tmp_path):
    (tmp_path/"notes.jpg").write_text("not an image")
    with pytest.raises(OSError) as e: load_image(tmp_path/"notes.jpg")
    assert "`x`" in str(e.value), str(e.value)

# ---- random (often bad) parameters: each call edits or raises a clear error, never anything else ----
def fuzz(pipe, n_cases:int=100, seed:int=0):
    "Call `diffedit` with random (often bad) parameters; (n edits, n clear errors); anything else, or a UNet call before an error, fails."
    rng = np.random.default_rng(seed)
    ok = errs = 0
    pick = lambda *xs: xs[rng.integers(len(xs))]
    mix = lambda good, bad: good if rng.uniform() < 0.88 else bad      # each parameter is bad about one time in eight
    for k in range(n_cases):
        size = int(mix(pick(16, 24, 33, 64), pick(5, 3, 0)))
        img = make_scene(k, size=max(size, 16)).image.resize((max(size, 1), max(size, 1))).convert(str(pick("RGB", "L", "RGBA", "P")))
        if size == 0: img = np.zeros((0, 0, 3), np.uint8)
        kw = dict(query=mix(pick("a red circle", "a cat", ["a dog", "a cat"]), pick("", None, ["ok", ""])), reference=pick("", "a red circle", "a cat"),
                  encode_ratio=mix(float(rng.uniform(0.3, 1.0)), pick(0.0, 1.3, float("nan"))), steps=mix(int(pick(2, 3, 4)), pick(0, -1, 2.5)),
                  n=mix(int(pick(1, 2, 3)), pick(0, -2)), mask_strength=mix(float(rng.uniform(0.05, 0.95)), pick(0.0, 1.0, 7.0)),
                  threshold=mix(float(rng.uniform(0, 1)), pick(-0.1, 2.0)), guidance_scale=mix(pick(None, 0.0, 1.0, 7.5), pick(-1.0, float("nan"))),
                  seed=mix(int(pick(0, 1, 123)), -5), rule=mix(pick("cfg", "rescale_std", "rescale_both"), "nope"),
                  schedule=mix(pick("constant", "linear", "interval"), "bad"), smooth=mix(float(pick(0.0, 1.0)), -1.0), dilate=mix(int(pick(0, 1)), -1),
                  clamp=mix(pick(None, 3.0), pick(0.5, -1.0)), callback=mix(None, pick(42, "print")), invert_at=mix("next", "later"))
        with warnings.catch_warnings(), CountCalls(pipe.unet) as cc:
            warnings.simplefilter("ignore")
            try: diffedit(pipe, img, kw.pop("query"), **kw); ok += 1
            except CLEAR as e:
                assert "`" in str(e), f"case {k}: an error that names no parameter: {e}"
                assert cc.calls == 0, f"case {k}: the UNet ran {cc.calls} times before: {e}"
                errs += 1
    return ok, errs

def test_fuzz(pipe):
    ok, errs = fuzz(pipe, 200)
    assert ok + errs == 200 and ok > 10 and errs > 10, (ok, errs)

# ---- the command ----
from diffedit.cli import main

@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    make_scene(7).image.save(d/"scene.png")
    make_scene(7, size=128).image.save(d/"big.png")
    (d/"notes.jpg").write_text("not an image")
    (d/"empty_model").mkdir()
    return d

E = ["edit", "{d}/scene.png", "--query", "a blue square"]
CLI = [   # (arguments, what the one line must name)
    (["edit", "{d}/scene.png"], "--query"), (["edit", "--query", "a cat"], "IMAGE"), (["edit"], "IMAGE"),
    ([*E[:3], ""], "--query"), ([*E[:3], " "], "--query"),
    ([*E, "--steps", "0"], "--steps"), ([*E, "--steps", "-5"], "--steps"), ([*E, "--steps", "1000"], "--steps"),
    ([*E, "--steps", "2000"], "--steps"), ([*E, "--steps", "ten"], "--steps"), ([*E, "--steps", "2.5"], "--steps"),
    ([*E, "--encode-ratio", "0"], "--encode-ratio"), ([*E, "--encode-ratio", "1.5"], "--encode-ratio"),
    ([*E, "--encode-ratio", "nan"], "--encode-ratio"), ([*E, "--encode-ratio", "0.01", "--steps", "10"], "--encode-ratio"),
    ([*E, "--guidance-scale", "-1"], "--guidance-scale"), ([*E, "--guidance-scale", "inf"], "--guidance-scale"),
    ([*E, "--seed", "-1"], "--seed"), ([*E, "--seed", "x"], "--seed"),
    ([*E, "--out", "{d}/edited.txt"], "--out"), ([*E, "--out", "{d}"], "--out"),
    (["edit", "{d}/missing.png", "--query", "a cat"], "IMAGE"), (["edit", "{d}/notes.jpg", "--query", "a cat"], "IMAGE"),
    (["edit", "{d}", "--query", "a cat"], "IMAGE"),
    ([*E, "--model", "./no/such/model"], "--model"), ([*E, "--model", "{d}/empty_model"], "--model"),
    ([*E, "--model", "random-huge"], "--model"), ([*E, "--model", ""], "--model"), ([*E, "--colour", "red"], "--colour"),
    (["demo", "--steps", "0"], "--steps"), (["demo", "--seed", "-1"], "--seed"), (["demo", "--out", "{d}/demo.txt"], "--out"),
    (["paint", "{d}/scene.png"], "paint"),
]

@pytest.mark.parametrize("args,name", CLI, ids=[" ".join(a).replace("{d}/", "") for a, _ in CLI])
def test_command_refuses(files, capsys, args, name):
    rc = main([a.format(d=files) for a in args])
    out, err = capsys.readouterr()
    assert rc == 2, (rc, out, err)
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "error" in lines[0] and name in lines[0], lines[0]

def test_no_command_prints_usage(capsys):
    assert main([]) == 2 and "usage" in capsys.readouterr().out
    assert main(["-h"]) == 0 and main(["edit", "-h"]) == 0 and "--keep-size" in capsys.readouterr().out

def test_toy_resizes_and_warns(files, capsys, tmp_path):
    "A 128×128 image through the embedded model: one warning line (what the model knows, --model), a 64×64 result."
    assert main(["edit", str(files/"big.png"), "--query", "a blue square", "--steps", "2", "--out", str(tmp_path/"o.png")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "warning" in err[0] and "64×64" in err[0] and "--model" in err[0] and "--keep-size" in err[0], err
    assert Image.open(tmp_path/"o.png").size == (64, 64) and (tmp_path/"o_figure.png").exists()

def test_command_process(files):
    "As a user runs it: one line and status 2; with --debug, the traceback."
    cmd = [sys.executable, "-c", "import sys; from diffedit.cli import main; sys.exit(main())", "edit", str(files/"missing.png"), "--query", "a cat"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "IMAGE" in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = subprocess.run(cmd + ["--debug"], capture_output=True, text=True, env=env)
    assert r.returncode == 1 and "Traceback" in r.stderr, r.stderr


def test_long_prompt_is_cut_with_a_warning(pipe):
    "CLIP reads 77 tokens: a longer prompt is cut there, and the caller is told, before any UNet call."
    from diffedit.core import encode_text
    with pytest.warns(UserWarning, match="longer than CLIP's 77 tokens"): e = encode_text(pipe, "a red circle " * 300)
    assert e.shape[:2] == (1, 77)
