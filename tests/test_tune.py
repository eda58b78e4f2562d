"""The defaults' measurements (nbs/15_defaults.ipynb): settings refused with their names, the feathered mask, the
paired intervals against scipy, the batched edit against `diffedit` on every option it measures, a resumed run."""
import json
import numpy as np
import pytest
import torch
from scipy import stats
from diffedit.core import load_pipe, encode_image, decode_latents
from diffedit.edit import diffedit
from diffedit.evaluate import score
from diffedit.tune import setting, feather, table, tuning_cases, edit_scenes, run, read_rows, METRICS


@pytest.fixture(scope="module")
def pipe():
    p = load_pipe("toy"); p.set_progress_bar_config(disable=True)
    return p


@pytest.mark.parametrize("kw, words", [(dict(ratio=0.5), "unknown options ['ratio']"),
                                       (dict(invert="text"), "`invert` must be"),
                                       (dict(invert=None), "`invert` must be")])
def test_setting_refused(kw, words):
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")): setting("x", **kw)


def test_feather():
    m = torch.zeros(2, 12, 12, dtype=torch.bool); m[0, 4:8, 4:8] = True; m[1, 0:3, 9:12] = True
    s = feather(m, 1.5)
    assert torch.equal(s[m], torch.ones(int(m.sum())))             # inside stays 1
    assert ((s > 0) & (s < 1) & ~m).any() and s.max() <= 1         # a soft rim outside, nothing above 1
    assert s[0, 11, 0] < 1e-3                                       # far away, nothing
    assert torch.equal(feather(m, 0), m.float()) and m.dtype == torch.bool   # input untouched


def test_paired_interval_is_scipys():
    rng = np.random.default_rng(0)
    a, b = rng.normal(30, 3, 40), None
    b = a + rng.normal(0.5, 0.4, 40)
    rows = [dict(setting=s, kind="color", seed=k, **{m: float(v[k]) for m in METRICS})
            for s, v in (("a", a), ("b", b)) for k in range(40)]
    t = {r["setting"]: r for r in table(rows, against="a")}
    lo, hi = stats.ttest_rel(b, a).confidence_interval()
    np.testing.assert_allclose(t["b"]["Δbg_psnr"][1:], (lo, hi), rtol=1e-9)
    lo, hi = stats.ttest_1samp(b, 0).confidence_interval()
    np.testing.assert_allclose(t["b"]["bg_psnr"][1:], (lo, hi), rtol=1e-9)
    assert t["b"]["Δbg_psnr"][2] - t["b"]["Δbg_psnr"][1] < (t["b"]["bg_psnr"][2] - t["b"]["bg_psnr"][1])/3


@pytest.mark.parametrize("opts", [dict(), dict(encode_ratio=0.6), dict(n=3), dict(dilate=1), dict(guidance_scale=3.0)])
def test_batched_edit_is_diffedit(pipe, opts):
    "Each option `edit_scenes` measures, against `diffedit` called scene by scene with that option."
    cases = tuning_cases(1)
    rows = edit_scenes(pipe, cases, [setting("s", **opts)], steps=10)
    for (src, t, tgt, kind), r in zip(cases, rows):
        e = diffedit(pipe, src.image, tgt.caption, src.caption, steps=10, **opts)
        one = score(e.image, src, tgt, decode_latents(pipe, encode_image(pipe, src.image))[0],
                    "shape" if kind == "both" else kind, e.mask)
        assert (r["failure"], r["iou"], r["color_right"]) == (one["failure"], one["iou"], one["color_right"])
        assert abs(r["bg_psnr"] - one["bg_psnr"]) < 0.05 and abs(r["color_share"] - one["color_share"]) < 0.01


def test_settings_share_work_but_not_results(pipe):
    "Measured together, two settings give the rows each gives alone."
    cases = tuning_cases(1)
    a, b = setting("a"), setting("b", encode_ratio=0.5, dilate=1)
    both = edit_scenes(pipe, cases, [a, b], steps=10)
    alone = edit_scenes(pipe, cases, [b], steps=10)
    key = lambda r: (r["seed"], r["kind"])
    for x, y in zip(sorted((r for r in both if r["setting"] == "b"), key=key), sorted(alone, key=key)):
        assert x["failure"] == y["failure"] and abs(x["bg_psnr"] - y["bg_psnr"]) < 0.05


def test_run_resumes(pipe, tmp_path):
    cases, out = tuning_cases(1), tmp_path/"rows.jsonl"
    run(pipe, out, cases[:2], [setting("d")], chunk=1, progress=False, steps=5)
    first = out.read_text()
    run(pipe, out, cases, [setting("d")], chunk=1, progress=False, steps=5)     # the first two chunks are skipped
    rows = read_rows(out)
    assert out.read_text().startswith(first) and len(rows) == 3
    assert sorted(r["chunk"] for r in rows) == [0, 1, 2]


def test_mask_as_a_function_of_the_step(pipe):
    "`masked_denoise` takes the mask as a function of the step: a constant one is the mask itself, byte for byte."
    from diffedit.core import encode_text
    from diffedit.edit import masked_denoise
    from diffedit.inversion import ddim_invert
    src, t, tgt, kind = tuning_cases(1)[0]
    x0 = encode_image(pipe, src.image)
    inv = ddim_invert(pipe, x0, steps=10, encode_ratio=0.8)
    m = torch.zeros(1, *x0.shape[-2:]); m[:, 4:10, 4:10] = 1
    q, u = encode_text(pipe, tgt.caption), encode_text(pipe, "")
    a = masked_denoise(pipe, inv, m, q, u, guidance_scale=5.0)
    assert torch.equal(a, masked_denoise(pipe, inv, lambda i: m, q, u, guidance_scale=5.0))
    seen = []
    wide = masked_denoise(pipe, inv, lambda i: seen.append(i) or (torch.ones_like(m) if i < 2 else m), q, u,
                          guidance_scale=5.0)
    assert seen == list(range(8)) and not torch.equal(a, wide)
    assert torch.equal(a[..., m[0] == 0], wide[..., m[0] == 0])        # the background still comes back exactly
