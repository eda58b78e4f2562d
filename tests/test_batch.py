"""`diffedit batch` (nbs/14_batch.ipynb): manifests refused before any model loads, two CPU processes against one,
a process killed mid-run and the job resumed, `mean_ci` against scipy. Runs the embedded model at 64 px, 10 steps."""
import json, os, signal, subprocess, sys, time
from pathlib import Path
import numpy as np
import pytest
from diffedit.batch import ManifestError, read_manifest, batch_edit, mean_ci
from diffedit.evaluate import edit_cases
from diffedit.cli import main
from diffedit.toy import make_scene

FAST = ["--steps", "10", "--n-mask", "2", "--quiet"]
ENV = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
BAD = {"b-missing": "no image file", "g-empty": "`query`", "m-steps": "`steps`"}


def diffedit_cmd(*args, **kw):
    return subprocess.run([sys.executable, "-m", "diffedit.cli", *map(str, args)], env=ENV, capture_output=True,
                          text=True, timeout=600, **kw)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    "16 rows, 3 of them bad: a missing image, an empty query, steps out of range (in the row)."
    d = tmp_path_factory.mktemp("m")
    lines = ["id,image,query,reference,seed,steps"]
    for k in range(16):
        sc = make_scene(100 + k); sc.image.save(d/f"s{k}.png")
        q = sc.caption.replace(sc.color, "red" if sc.color != "red" else "blue")
        i = f"{'abcdefghijklmnop'[k]}-row{k}"
        lines.append(f"{i},s{k}.png,{q},{sc.caption},{k},")
    lines[2] = "b-missing,nowhere.png,a red circle,,1,"
    lines[7] = "g-empty,s6.png, ,,6,"
    lines[13] = "m-steps,s12.png,a blue square,,12,0"
    (d/"manifest.csv").write_text("\n".join(lines) + "\n")
    return d/"manifest.csv"


@pytest.fixture(scope="module")
def one_process(manifest, tmp_path_factory):
    out = tmp_path_factory.mktemp("one")/"out"
    r = diffedit_cmd("batch", manifest, "--out", out, *FAST)
    assert r.returncode == 0, r.stderr
    return out


def results(out):
    return [json.loads(s) for s in (out/"results.jsonl").read_text().splitlines()]


def files(out):
    return {p.relative_to(out).as_posix(): p.read_bytes() for d in ("images", "masks") for p in (out/d).glob("*.png")}


def test_one_process(one_process):
    res = results(one_process)
    assert len(res) == 16 and len({r["id"] for r in res}) == 16
    assert sum(r["status"] == "ok" for r in res) == 13
    errors = {r["id"]: r["error"] for r in res if r["status"] == "error"}
    assert set(errors) == set(BAD)
    for i, words in BAD.items(): assert words in errors[i] and "\n" not in errors[i]
    assert len(files(one_process)) == 26
    ok = [r for r in res if r["status"] == "ok"]
    assert all(0 < r["mask_area"] < 1 and r["seconds"] > 0 and r["options"]["steps"] == 10 for r in ok)
    assert [r["options"]["seed"] for r in ok][:3] == [0, 2, 3]                   # each row's own seed


def test_two_processes_same_bytes(manifest, one_process, tmp_path):
    out = tmp_path/"out"
    r = diffedit_cmd("batch", manifest, "--out", out, "--processes", 2, *FAST)
    assert r.returncode == 0, r.stderr
    assert "13 done, 3 errors of 16 rows" in r.stdout and "2 processes" in r.stdout, r.stdout
    res = results(out)
    assert sorted(r["id"] for r in res) == sorted(r["id"] for r in results(one_process))
    assert {r["rank"] for r in res} == {0, 1}
    assert [(r["id"], r["status"]) for r in res] == [(r["id"], r["status"]) for r in results(one_process)]
    assert files(out) == files(one_process)                                    # byte for byte
    assert not list(out.glob("results.rank*")) and not list(out.glob("**/.*.tmp"))


def _children(pid):
    p = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in p.read_text().split()] if p.exists() else []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to find the launcher's processes")
def test_kill_one_process_then_resume(manifest, one_process, tmp_path):
    out = tmp_path/"out"
    launcher = subprocess.Popen([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                                 "-m", "diffedit.cli", "batch", str(manifest), "--out", str(out), *FAST], env=ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t0, killed = time.time(), None
        while time.time() - t0 < 300 and killed is None:
            shard = out/"results.rank1.jsonl"
            if shard.exists() and len(shard.read_text().splitlines()) >= 2:
                workers = _children(launcher.pid)
                assert len(workers) == 2, workers
                killed = workers[-1]; os.kill(killed, signal.SIGKILL)
            time.sleep(0.05)
        assert killed is not None, "the run ended before a process could be killed"
        assert launcher.wait(timeout=120) != 0
    finally:
        if launcher.poll() is None: launcher.kill()
    lines = [s for p in out.glob("results.rank*.jsonl") for s in p.read_text().splitlines()]
    assert 2 <= len(lines) < 16                                                # stopped mid-run
    r = diffedit_cmd("batch", manifest, "--out", out, *FAST)                  # resume, in one process
    assert r.returncode == 0, r.stderr
    res = results(out)
    assert sorted(x["id"] for x in res) == sorted(x["id"] for x in results(one_process))   # every row exactly once
    assert sum(x["status"] == "ok" for x in res) == 13
    assert files(out) == files(one_process)
    edited_now = int(r.stdout.split(" edited now")[0].rsplit(" ", 1)[1])
    assert edited_now < 13                                                     # the rows done before were skipped


@pytest.mark.parametrize("text,name,words", [
    ("id,image,query,reference\na,x.png,q,\nb,x.png,q,\na,y.png,q,\n", "m.csv", "m.csv line 4: duplicate id 'a'"),
    ("id,image,query\na,x.png,q\n", "m.csv", "m.csv line 1: missing column(s) reference"),
    ("id,image,query,reference,strength\na,x.png,q,,0.5\n", "m.csv", "m.csv line 1: unknown option 'strength'"),
    ('{"id": "a", "image": "x.png", "query": "q", "reference": ""}\n\n{"id": "b", "image": "x.png", "query": "q"}\n',
     "m.jsonl", "m.jsonl line 3: missing column(s) reference"),
    ('{"id": "a", "image": "x.png", "query": "q", "reference": "", "steps": 5}\n'
     '{"id": "b", "image": "x.png", "query": "q", "reference": "", "mask_strength": 0.6}\n', "m.jsonl",
     "m.jsonl line 2: unknown option 'mask_strength'"),
    ("id,image,query,reference\na/b,x.png,q,\n", "m.csv", "m.csv line 2: id 'a/b'"),
])
def test_manifest_refused_before_any_model(tmp_path, monkeypatch, capsys, text, name, words):
    import diffedit.core
    def no_model(*a, **k): raise AssertionError("a model was loaded")
    monkeypatch.setattr(diffedit.core, "load_pipe", no_model)
    (tmp_path/name).write_text(text)
    with pytest.raises(ManifestError) as e: batch_edit(tmp_path/name, tmp_path/"out")
    assert str(e.value).startswith(words), str(e.value)
    assert main(["batch", tmp_path/name, "--out", tmp_path/"out"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and words in err[0], err
    assert not (tmp_path/"out").exists()


def test_manifest_rows(tmp_path):
    (tmp_path/"m.jsonl").write_text('{"id": 7, "image": "/abs/x.png", "query": "q", "reference": "", "n": 3}\n')
    r, = read_manifest(tmp_path/"m.jsonl")
    assert (r["id"], r["line"], r["options"]) == ("7", 1, {"n": 3})


def test_mean_ci_against_scipy():
    from scipy import stats
    rng = np.random.default_rng(0)
    for n in (2, 5, 40):
        x = rng.normal(3.0, 2.0, n)
        m, lo, hi = mean_ci(x)
        slo, shi = stats.t.interval(0.95, n - 1, loc=x.mean(), scale=stats.sem(x))
        assert np.allclose((m, lo, hi), (x.mean(), slo, shi))
        slo, shi = stats.t.interval(0.9, n - 1, loc=x.mean(), scale=stats.sem(x))
        assert np.allclose(mean_ci(x, 0.9)[1:], (slo, shi))
    assert np.allclose(mean_ci([1.0, np.nan, 3.0]), (2.0, *stats.t.interval(0.95, 1, loc=2.0, scale=stats.sem([1, 3]))))
    assert np.isnan(mean_ci([4.0])[1]) and mean_ci([4.0])[0] == 4.0


def test_edit_cases_both_changes_both():
    for src, t, tgt in edit_cases("both", 5, size=64):
        assert set(t) == {"color", "shape"} and tgt.color != src.color and tgt.shape != src.shape
        assert tgt.background == src.background
    with pytest.raises(ValueError, match="`kind`"): edit_cases("size", 1)


def test_one_process_of_two_threads_same_bytes(manifest, one_process, tmp_path):
    "On a CPU each process edits with one thread (the thread count changes some sums): the bytes do not move."
    out = tmp_path/"out"
    r = subprocess.run([sys.executable, "-m", "diffedit.cli", "batch", str(manifest), "--out", str(out), *FAST],
                       env=dict(ENV, OMP_NUM_THREADS="2", MKL_NUM_THREADS="2"), capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    assert files(out) == files(one_process)
