"""The library's pieces and `diffedit` agree: the loop's hook, an inversion reused, step 3 watched, the paper's recipe.

Each test builds what `diffedit` should give from the pieces a reader meets on the pages (`diffedit_mask`,
`ddim_invert`, `masked_denoise`, `decode_latents`, the DDIM step), so a refactor that changes a byte fails here.
Models: SD-shaped random weights (`random_pipe("tiny")`, 64 px scenes) and the embedded model."""
import warnings
import numpy as np
import pytest
import torch

from diffedit.core import CountCalls, decode_latents, encode_image, encode_text, load_pipe, random_pipe
from diffedit.ddim import ddim_step
from diffedit.edit import diffedit, masked_denoise, recipe, PAPER
from diffedit.guidance import alpha_bar, ddim_levels, denoise, set_eps_function, unet_eps
from diffedit.inversion import ddim_invert
from diffedit.mask import diffedit_mask
from diffedit.toy import make_scene

Q, R = "a blue circle on stripes", "a red circle on stripes"

@pytest.fixture(scope="module")
def pipe():
    p = random_pipe("tiny"); p.set_progress_bar_config(disable=True); return p

@pytest.fixture(scope="module")
def toy():
    p = load_pipe("toy", device="cpu"); p.set_progress_bar_config(disable=True); return p

@pytest.fixture(scope="module")
def image(): return make_scene(3, color="red").image

def px(im): return np.asarray(im, dtype=np.int16)

def test_diffedit_is_its_three_pieces(toy, image):
    "mask → inversion → masked denoising → decode, assembled by hand, gives `diffedit`'s bytes (defaults, 20 steps)."
    r = diffedit(toy, image, Q, R, steps=20)
    x0 = encode_image(toy, image)
    m = diffedit_mask(toy, image, Q, R, latents=x0)
    inv = ddim_invert(toy, x0, steps=20, encode_ratio=0.5)
    y = masked_denoise(toy, inv, m.latent, encode_text(toy, Q), encode_text(toy, ""), guidance_scale=5.0)
    assert np.array_equal(px(r.image), px(decode_latents(toy, y)[0]))
    assert np.array_equal(r.mask, m.pixels[0])

def test_same_seed_same_bytes_other_seed_other_mask(pipe, image):
    a, b = diffedit(pipe, image, Q, R, steps=4, n=2, seed=5), diffedit(pipe, image, Q, R, steps=4, n=2, seed=5)
    assert np.array_equal(px(a.image), px(b.image)) and np.array_equal(a.mask, b.mask)
    c = diffedit(pipe, image, Q, R, steps=4, n=2, seed=6)
    assert not torch.equal(a.diff, c.diff)                    # the seed does reach the mask's noise draws

def test_denoise_is_guided_eps_then_ddim(pipe):
    "One step of `denoise` by hand: u and t from the UNet, u + g(t − u), then the DDIM update of `ddim.ddim_step`."
    x = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(0))
    c, u = encode_text(pipe, Q), encode_text(pipe, "")
    lv = ddim_levels(pipe, 10)[:2]
    eu, et = unet_eps(pipe, x, lv[0], u), unet_eps(pipe, x, lv[0], c)
    by_hand = ddim_step(x, eu + 4.0*(et - eu), alpha_bar(pipe, lv[0]), alpha_bar(pipe, lv[1]))
    out = denoise(pipe, x, c, u, levels=lv, guidance_scale=4.0, progress=False)
    torch.testing.assert_close(out, by_hand, atol=1e-5, rtol=1e-5)

def test_eps_hook_serves_every_unet_call(pipe, image):
    "A function registered with `set_eps_function` answers every UNet question of an edit: the UNet itself runs 0 times."
    seen = []
    def eps(x, level, emb):
        seen.append(len(x))
        return pipe.unet(x, max(level, 0), encoder_hidden_states=emb).sample
    set_eps_function(pipe, eps)
    try:
        with CountCalls(pipe.unet) as cc: hooked = diffedit(pipe, image, Q, R, steps=4, n=2)
    finally: set_eps_function(pipe)
    assert seen == cc.batches and len(seen) == 1 + 2 + 2        # mask, r·4 = 2 inversion steps, 2 guided steps
    plain = diffedit(pipe, image, Q, R, steps=4, n=2)
    assert np.abs(px(hooked.image) - px(plain.image)).max() <= 1

def test_inversion_reused(pipe, image):
    "An inversion made once and passed in: the same bytes at every ratio, and step 2's UNet calls are gone."
    inv = ddim_invert(pipe, encode_image(pipe, image), steps=10, encode_ratio=1.0)
    for r in (0.5, 0.8):
        fresh = diffedit(pipe, image, Q, R, steps=10, n=2, encode_ratio=r)
        with CountCalls(pipe.unet) as cc: reused = diffedit(pipe, image, Q, R, steps=10, n=2, encode_ratio=r, inversion=inv)
        assert np.array_equal(px(fresh.image), px(reused.image))
        assert cc.batches == [4] + [2]*round(r*10)                # the mask's 2n rows, then only step 3
    assert len(inv.latents) == 11                                  # the caller's inversion is not cut in place

def test_callback_watches_step_3(pipe, image):
    "`callback(i, level, y)` sees each blended latent of step 3, in order, down to CLEAN; outside the mask y is x_level."
    seen = []
    inv = ddim_invert(pipe, encode_image(pipe, image), steps=10, encode_ratio=0.8)
    r = diffedit(pipe, image, Q, R, steps=10, n=2, encode_ratio=0.8, inversion=inv,
                 callback=lambda i, level, y: seen.append((i, level, y.clone())))
    assert [i for i, _, _ in seen] == list(range(8)) and seen[-1][1] == -1
    out = ~r.latent_mask
    for _, level, y in seen: torch.testing.assert_close(y[0][:, out], inv.at(level)[0][:, out])

def test_paper_option_warns_and_agrees_with_recipe(pipe, image):
    with pytest.warns(UserWarning, match="threshold=0.3"): opt = recipe(True, threshold=0.3)
    assert opt == {**PAPER, "threshold": 0.3}
    with pytest.warns(UserWarning, match="threshold=0.3"):
        a = diffedit(pipe, image, Q, R, steps=4, n=2, paper=True, threshold=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                             # the paper's own values: no warning
        b = diffedit(pipe, image, Q, R, steps=4, n=2, threshold=0.3, clamp=None, fill=False, invert_at="current")
        recipe(True, clamp=None)
    assert np.array_equal(px(a.image), px(b.image))
