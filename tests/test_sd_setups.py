"Set-ups a Stable Diffusion user meets: SD 2.x v-prediction at 768 px, SD on a CPU, a GPU out of memory, the examples."
import re
from types import SimpleNamespace
import numpy as np
import pytest
import torch
from PIL import Image
from diffusers import DDIMScheduler
from diffedit.core import cpu_warning, native_size, random_pipe, notebook_setup
from diffedit.edit import diffedit
from diffedit.guidance import text_to_image, is_vpred
from diffedit.examples import examples

@pytest.fixture(scope="module")
def tiny():
    p = random_pipe("tiny"); p.set_progress_bar_config(disable=True); return p

def test_native_size_of_sd_checkpoints():
    cfg = lambda s: SimpleNamespace(unet=SimpleNamespace(config=SimpleNamespace(sample_size=s)),
                                    vae=SimpleNamespace(config=SimpleNamespace(block_out_channels=(128, 256, 512, 512))))
    assert (native_size(cfg(64)), native_size(cfg(96))) == (512, 768)      # SD 1.x / 2.x base, SD 2.x v-prediction

def test_v_prediction_checkpoint_works(tiny):
    "An SD 2.x 768-style scheduler (v-prediction) runs through text-to-image and DiffEdit: ε is derived from v."
    v = random_pipe("tiny"); v.set_progress_bar_config(disable=True)
    v.scheduler = DDIMScheduler.from_config(v.scheduler.config, prediction_type="v_prediction")
    assert is_vpred(v)
    im = text_to_image(v, "a photo of a cat", steps=3, height=64, width=64)[0]
    r = diffedit(v, im, "a photo of a dog", "a photo of a cat", steps=3, n=2)
    assert r.image.size == (64, 64) and np.isfinite(np.asarray(r.image, float)).all()
    # the same weights read as ε give another edit: the prediction type is used, not ignored
    r_eps = diffedit(tiny, im, "a photo of a dog", "a photo of a cat", steps=3, n=2, mask=np.ones((64, 64), bool))
    r_v = diffedit(v, im, "a photo of a dog", "a photo of a cat", steps=3, n=2, mask=np.ones((64, 64), bool))
    assert not np.array_equal(np.asarray(r_eps.image), np.asarray(r_v.image))

def test_sd_on_a_cpu_is_announced(tiny, capsys):
    line = cpu_warning(tiny)
    assert "CPU" in line and re.search(r"takes about \d+ (s|min);", line) and "\n" not in line
    notebook_setup(tiny, rows=155)
    out = capsys.readouterr().out
    assert "cpu" in out and "float32" in out and "256×256" in out and "min" in out

def test_out_of_memory_names_what_to_lower(tiny, monkeypatch):
    def boom(*a, **k): raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
    monkeypatch.setattr(tiny.unet, "forward", boom)
    img = Image.new("RGB", (64, 64), (120, 80, 40))
    with pytest.raises(torch.cuda.OutOfMemoryError, match="lower `n`"): diffedit(tiny, img, "a red cup", "a cup", steps=3)
    with pytest.raises(torch.cuda.OutOfMemoryError, match="`text_to_image`"): text_to_image(tiny, "a cup", steps=2)

def test_sd_examples_are_at_sd_size(tiny):
    ex = examples(tiny)
    assert ex.sd and ex.size == 256 and "astronaut riding a horse" in ex.prompt and "dog" in ex.decay_prompt
    names = " ".join(e.name for e in ex.edits)
    assert "zebra" in names and "pears" in names
    for e in ex.edits[2:]: assert ex.source(tiny, e).size == (256, 256)      # the photos, at the model's size
