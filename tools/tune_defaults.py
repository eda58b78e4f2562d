"""Measure the edit's options one at a time on the tuning scenes, or the chosen defaults on the evaluation scenes
(shapes world, scored against the ground truth; see nbs/15_defaults.ipynb). Rows go to a JSON Lines file, a chunk of
scenes at a time; a rerun resumes.

    python tools/tune_defaults.py tune  --per-kind 80 --out nbs/eval/tuning.jsonl
    python tools/tune_defaults.py more  --per-kind 80 --out nbs/eval/tuning-more.jsonl
    python tools/tune_defaults.py lead  --per-kind 80 --out nbs/eval/tuning-lead.jsonl
    python tools/tune_defaults.py final --per-kind 200 --out nbs/eval/final.jsonl
    python tools/tune_defaults.py tune  --model runwayml/stable-diffusion-v1-5 --out sd-tuning.jsonl   # on a GPU
"""
import argparse, warnings
warnings.filterwarnings("ignore", message=".*safety.*")
from diffedit.core import load_pipe, native_size
from diffedit.evaluate import EVAL_SEED0, TUNE_SEED0
from diffedit import tune

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("what", choices=["tune", "more", "lead", "final"],
               help="tune: the settings of `TUNING`; more: `TUNING_MORE`; lead: `TUNING_LEAD`; final: `FINAL`, with SDEdit at the defaults' r")
p.add_argument("--per-kind", type=int, default=80, help="edits of each kind (colour, shape, both)")
p.add_argument("--start", type=int, default=0, help="skip this many scenes of each kind (to add scenes to a run)")
p.add_argument("--chunk", type=int, default=60, help="scenes per batch")
p.add_argument("--model", default="toy")
p.add_argument("--out", required=True)
a = p.parse_args()
pipe = load_pipe(a.model); pipe.set_progress_bar_config(disable=True)
seed0 = EVAL_SEED0 if a.what == "final" else TUNE_SEED0
settings = getattr(tune, dict(tune="TUNING", more="TUNING_MORE", lead="TUNING_LEAD", final="FINAL")[a.what])
cases = tune.tuning_cases(a.per_kind, seed0, native_size(pipe), start=a.start)
sd = (tune.BASE["encode_ratio"],) if a.what == "final" else ()      # SDEdit at the defaults' r
tune.run(pipe, a.out, cases, settings, chunk=a.chunk, sdedit_ratios=sd)
