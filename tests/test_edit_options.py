"`diffedit(paper=True, ...)` and `recipe(paper=True, ...)` agree: an option given explicitly keeps its value."
import inspect
import numpy as np
import pytest
from diffedit.core import random_pipe
from diffedit.edit import diffedit, recipe, PAPER, _DEFAULTS
from diffedit.mask import diffedit_mask
from PIL import Image

def test_defaults_table_is_diffedits_signature():
    assert {k: inspect.signature(diffedit).parameters[k].default for k in PAPER} == _DEFAULTS

@pytest.mark.parametrize("change", [dict(threshold=0.3), dict(clamp=2.0)])   # values other than diffedit's defaults
def test_paper_with_an_explicit_option(change):
    p = random_pipe("tiny"); p.set_progress_bar_config(disable=True)
    img = Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    r = diffedit(p, img, "a red cup", "a blue cup", steps=3, n=2, paper=True, **change)
    opt = recipe(True, **change)
    m = diffedit_mask(p, img, "a red cup", "a blue cup", n=2, threshold=opt["threshold"], clamp=opt["clamp"], fill=opt["fill"])
    assert np.array_equal(r.mask, m.pixels[0])
    assert recipe(True, **change)[next(iter(change))] == next(iter(change.values()))
