"Packaging and command-line checks that the notebooks can't make: the built wheel carries the model, the command works."
import os, subprocess, sys, zipfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
MODEL_FILES = ["diffedit/models/toy/model_index.json", "diffedit/models/toy/unet/diffusion_pytorch_model.safetensors",
               "diffedit/models/toy/vae/diffusion_pytorch_model.safetensors", "diffedit/models/toy/text_encoder/model.safetensors",
               "diffedit/models/toy/tokenizer/vocab.json", "diffedit/models/toy/tokenizer/merges.txt", "diffedit/models/toy/README.md",
               "diffedit/models/clip_tokenizer/vocab.json", "diffedit/models/clip_tokenizer/merges.txt"]

@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    d = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(d), str(ROOT)],
                   check=True, capture_output=True)
    return next(d.glob("diffedit-*.whl"))

def test_wheel_carries_the_model(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [f for f in MODEL_FILES if f not in names]
    assert not missing, missing

def test_model_folder_under_25_mb():
    size = sum(f.stat().st_size for f in (ROOT/"diffedit/models/toy").rglob("*") if f.is_file())
    assert size <= 25e6, size

def test_installed_package_loads_the_model(wheel, tmp_path):
    "A plain (not editable) install: load_pipe('toy') and StableDiffusionPipeline.from_pretrained both work from it."
    target = tmp_path/"site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)], check=True, capture_output=True)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import diffedit, diffedit.core as c; "
            "assert diffedit.__file__.startswith(sys.argv[1]), diffedit.__file__; "
            "p = c.load_pipe('toy'); from diffusers import StableDiffusionPipeline; "
            "q = StableDiffusionPipeline.from_pretrained(str(c.TOY_DIR)); q.set_progress_bar_config(disable=True); "
            "im = q('a red circle on stripes', num_inference_steps=3, output_type='pil').images[0]; assert im.size == (64, 64); print('ok')")
    r = subprocess.run([sys.executable, "-c", code, str(target)], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stderr[-2000:]

def test_demo_command(tmp_path):
    out = tmp_path/"demo.png"
    r = subprocess.run(["diffedit", "demo", "--out", str(out)], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert out.exists() and out.stat().st_size > 10_000
    assert "→" in r.stdout

def test_edit_command_bad_image(tmp_path):
    r = subprocess.run(["diffedit", "edit", str(tmp_path/"missing.png"), "--query", "a blue square"], capture_output=True, text=True)
    assert r.returncode != 0 and "no image file" in r.stderr

def test_no_command_prints_usage():
    r = subprocess.run(["diffedit"], capture_output=True, text=True)
    assert r.returncode == 2 and "usage" in r.stdout
