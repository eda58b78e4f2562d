"Checks of diffedit.core that teach nothing on the lesson page: paths, the environment, argument checks, image I/O."
from pathlib import Path
import matplotlib
import numpy as np
import pytest
import torch
from PIL import Image
from fastcore.xtras import modified_env
import diffedit.core as C
from diffedit.core import (MODELS_DIR, TOKENIZER_DIR, TOY_DIR, CountCalls, check_int, check_prompts, check_scale,
                           check_unit, decode_latents, default_device, default_model, encode_image, encode_text,
                           images_to_tensor, load_image, load_pipe, native_size, overlay, random_pipe, sd_scheduler,
                           tensor_to_images)

HOPPER = Path(matplotlib.get_data_path())/"sample_data"/"grace_hopper.jpg"

@pytest.fixture(scope="module")
def tiny(): return random_pipe("tiny")

def test_package_files():
    assert TOY_DIR.parent == MODELS_DIR
    assert (TOKENIZER_DIR/"vocab.json").exists() and (TOY_DIR/"model_index.json").exists()

def test_default_model_and_dtype_from_the_environment():
    with modified_env("DIFFEDIT_MODEL"): assert default_model() == "toy"
    with modified_env(DIFFEDIT_MODEL=" random-tiny "): assert default_model() == "random-tiny"
    assert default_device().type == ("cuda" if torch.cuda.is_available() else "cpu")
    with modified_env("DIFFEDIT_DTYPE"):
        assert C._resolve("cpu", None) == (torch.device("cpu"), torch.float32)     # fp32 on a CPU, fp16 on a GPU
    with modified_env(DIFFEDIT_DTYPE="bfloat16"): assert C._resolve("cpu", None)[1] == torch.bfloat16
    assert C._resolve("cpu", "bfloat16")[1] == torch.bfloat16
    with modified_env(DIFFEDIT_DTYPE="int8"), pytest.raises(ValueError, match="`dtype`"): C._resolve("cpu", None)

def test_sd_scheduler():
    s = sd_scheduler()
    assert (s.config.num_train_timesteps, s.config.beta_schedule, s.config.steps_offset) == (1000, "scaled_linear", 1)
    assert abs(s.alphas_cumprod[0].item() - (1 - 0.00085)) < 1e-6        # ᾱ from almost clean …
    assert abs(s.alphas_cumprod[-1].item() - 0.00466) < 1e-5             # … to almost pure noise

def test_load_pipe_errors():
    for bad, name in ((3, "`model`"), ("./no/such/folder", "`model`")):
        with pytest.raises(Exception, match=name): load_pipe(bad)
    with pytest.raises(ValueError, match="`dtype`"): load_pipe("toy", dtype="int8")
    with pytest.raises(ValueError, match="`size`"): random_pipe("huge")
    with pytest.raises(OSError) as e: load_pipe("nobody/no-such-model-here")
    msg = str(e.value)
    assert "model='toy'" in msg and "local folder" in msg and "DIFFEDIT_MODEL" in msg, msg

def test_load_image():
    im = load_image(HOPPER, size=(200, 250))
    assert im.size == (200, 248) and im.mode == "RGB"
    assert load_image(Image.new("L", (65, 70))).size == (64, 64)
    assert load_image(Image.new("RGBA", (16, 16), (255, 0, 0, 0))).getpixel((0, 0)) == (255, 255, 255)   # transparent → white
    assert load_image(Image.new("P", (17, 17)), multiple=4).size == (16, 16)
    assert load_image(np.zeros((3, 32, 40), np.float32)).size == (40, 32)
    for bad, msg in ((np.zeros((0, 5, 3), np.uint8), "`x`"), (Image.new("RGB", (5, 5)), "at least 8"),
                     (42, "`x`"), ("no_such_file.png", "`x`"), (Image.new("RGB", (5000, 64)), "4096")):
        with pytest.raises(Exception, match=msg): load_image(bad)
    with pytest.raises(ValueError, match="`size`"): load_image(Image.new("RGB", (64, 64)), size=3)

def test_images_to_tensor_round_trip():
    im64 = load_image(HOPPER, size=64)
    x = images_to_tensor(im64)
    assert x.shape == (1, 3, 64, 64) and (x.min().item(), x.max().item()) == (-1.0, 1.0)
    assert np.array_equal(np.asarray(tensor_to_images(x)[0]), np.asarray(im64))      # the round trip loses nothing
    with pytest.raises(ValueError, match="`images`"): images_to_tensor([im64, load_image(HOPPER, size=32)])

def test_encode_text_and_image(tiny):
    assert encode_text(tiny, ["a red circle on stripes", ""]).shape == (2, 77, tiny.text_encoder.config.hidden_size)
    with pytest.raises(TypeError, match="`prompts`"): encode_text(tiny, [])
    z = encode_image(tiny, load_image(HOPPER, size=native_size(tiny)))       # 256 px: 32×32 latents
    assert z.shape == (1, 4, 32, 32)
    assert decode_latents(tiny, z)[0].size == (256, 256)
    with pytest.raises(ValueError, match="`latents`"): decode_latents(tiny, z[0])

def test_overlay():
    img, m = np.full((4, 4, 3), 10, np.uint8), np.zeros((4, 4), bool); m[1, 1] = True
    o = overlay(img, m)
    assert np.array_equal(o[~m], img[~m])                                      # outside the mask: untouched
    assert list(overlay(np.zeros((2, 2, 3), np.uint8), np.eye(2, dtype=bool), alpha=1.0)[0, 0]) == [255, 0, 255]

def test_checks():
    assert check_unit(0.5, "threshold") == 0.5
    with pytest.raises(ValueError, match=r"`threshold` must be a number in \[0, 1\], got 1.5"): check_unit(1.5, "threshold")
    with pytest.raises(ValueError, match=r"\(0, 1\]"): check_unit(0.0, "strength", lo_open=True)
    assert check_int(5, "steps", 1, 999) == 5
    with pytest.raises(ValueError, match=r"`steps` must be an int in \[1, 999\], got -5"): check_int(-5, "steps", 1, 999)
    with pytest.raises(ValueError, match="`n` must be an int ≥ 1, got 0"): check_int(0, "n")
    assert check_scale(7) == 7.0
    with pytest.raises(ValueError, match="`guidance_scale`"): check_scale(float("nan"))
    assert check_prompts("a cat") == ["a cat"]
    with pytest.raises(ValueError, match="`query`"): check_prompts(["ok", ""])

def test_count_calls(tiny):
    with CountCalls(tiny.unet) as c:
        tiny.unet(torch.zeros(3, 4, 8, 8), 10, encoder_hidden_states=torch.zeros(3, 77, tiny.text_encoder.config.hidden_size))
    assert (c.calls, c.rows) == (1, 3)

def test_write_clip_tokenizer_rebuilds_the_shipped_folder(tmp_path):
    "The shipped tokenizer folder is `write_clip_tokenizer`'s output: rebuilt here from its own merges in CLIP's format."
    import gzip, json
    from diffedit.core import TOKENIZER_DIR
    from diffedit.train import write_clip_tokenizer
    merges = (TOKENIZER_DIR/"merges.txt").read_text(encoding="utf-8").split("\n")[1:]
    bpe = tmp_path/"bpe_simple_vocab_16e6.txt.gz"            # CLIP's file: a header line, then the merges
    with gzip.open(bpe, "wt", encoding="utf-8") as f: f.write("\n".join(["\"bpe_simple_vocab_16e6.txt#version: 0.2"] + merges))
    out = write_clip_tokenizer(tmp_path/"tok", bpe)
    for name in ("vocab.json", "merges.txt", "special_tokens_map.json", "tokenizer_config.json"):
        new, old = (out/name).read_text(encoding="utf-8"), (TOKENIZER_DIR/name).read_text(encoding="utf-8")
        assert (json.loads(new) == json.loads(old)) if name.endswith(".json") else new == old, name
