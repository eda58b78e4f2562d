"""Every decimal number in a notebook's prose is printed by a cell above it (rounded as the prose rounds it), or is a
setting that the notebook's code holds, or is listed below with where it comes from. A result quoted in prose that
no output shows, or that an output contradicts, fails here."""
import json, re
from pathlib import Path
import pytest

NBS = sorted(p for p in (Path(__file__).resolve().parent.parent/"nbs").glob("*.ipynb") if not p.name.startswith("_"))
# numbers a page quotes from elsewhere, not from its own outputs
QUOTED = {"05_paper": {"30.5", "23.6", "26.4"},                       # the paper's ImageNet mask comparison
          "03_train_toy": {"0.00085", "0.012", "0.18215"},            # SD's noise schedule and latent scale
          "02_toy_world": {"0.79"},                                   # π/4, a circle's share of its box
          "07_mask": {"0.56", "0.77", "0.90", "0.01"},                # read off the figure's titles above
          "08_inversion": {"7.5"},                                    # diffusers' pipeline's guidance scale
          "index": {"9.0", "4.1", "12.0", "6.9"}}                     # the demo's time (results file), a busy run's load
SKIP = r"(§|SD[ -]|Python ≥ |v)$"                                    # section numbers, model and software versions
NUM = re.compile(r"(?<![\w.])(\d+\.\d+)(?![\w.]|\.\d)")

def _floats(text): return [float(x) for x in re.findall(r"-?\d+\.\d+|-?\d+", text)]

def unsupported(path):
    nb, seen, above, bad = json.loads(path.read_text()), "", [], []
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    for i, c in enumerate(nb["cells"]):
        s = "".join(c["source"])
        if c["cell_type"] == "code":
            seen += s + "\n"
            for o in c.get("outputs", []):
                t = "".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                seen += t + "\n"; above += _floats(t)
            continue
        prose = re.sub(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|https?://\S+|\]\([^)]*\)|arXiv \d+\.\d+", " ", s, flags=re.S)
        for m in NUM.finditer(prose):
            x = m.group(1); d = len(x.split(".")[1])
            if re.search(SKIP, prose[:m.start()]) or x in QUOTED.get(path.stem, ()): continue
            if x in seen or re.search(rf"(?<![\w.]){re.escape(x)}(?![\w.]|\.\d)", code) or any(abs(round(v, d) - float(x)) < 1e-9 for v in above): continue
            bad.append(f"{path.name} cell {i}: {x} in …{prose[max(0, m.start() - 50):m.end() + 10]!r}")
    return bad

@pytest.mark.parametrize("path", NBS, ids=[p.stem for p in NBS])
def test_prose_numbers_are_printed_above(path):
    bad = unsupported(path)
    assert not bad, "\n".join(bad)
