"""The command's checks before any model loads (nbs/13_cli.ipynb): the cases the page leaves out."""
from pathlib import Path
import pytest
from diffedit.cli import UsageError, check_model, check_out, model_max_steps

def test_random_pipes_have_sds_schedule():
    assert model_max_steps("random-tiny") == model_max_steps("random-sd15") == 999

def test_unknown_schedule_until_loaded(tmp_path):
    assert model_max_steps("someone/some-sd-model") == 1000
    assert model_max_steps(str(tmp_path)) == 1000                      # a folder without scheduler/scheduler_config.json

def test_model_names():
    assert check_model("someone/some-sd-model") == "someone/some-sd-model"
    assert check_model(" toy ") == "toy"
    for bad in ("./no/such/folder", "random-huge", "", "a/b/c", "~/x"):
        with pytest.raises(UsageError, match="`model`"): check_model(bad)

def test_model_folder_needs_model_index(tmp_path):
    with pytest.raises(UsageError, match="model_index.json"): check_model(tmp_path)
    (tmp_path/"model_index.json").write_text("{}")
    assert check_model(tmp_path) == str(tmp_path)

def test_out(tmp_path):
    assert check_out("x/edited.webp") == Path("x/edited.webp")
    assert check_out("Edited.PNG") == Path("Edited.PNG")
    (tmp_path/"d.png").mkdir()
    with pytest.raises(UsageError, match="is a folder"): check_out(tmp_path/"d.png")
    with pytest.raises(UsageError, match="`out`"): check_out("edited.txt")


def _edit_error(tmp_path, capsys, *args):
    from diffedit.cli import main
    from diffedit.toy import make_scene
    make_scene(1).image.save(tmp_path/"s.png")
    assert main(["edit", tmp_path/"s.png", *args, "--out", tmp_path/"e.png"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1, err
    return err[0]

def test_empty_query_in_the_commands_words(tmp_path, capsys):
    for q in ("", "  "):
        err = _edit_error(tmp_path, capsys, "--query", q)
        assert "--query" in err and "list" not in err, err

def test_missing_model_folder(tmp_path, capsys):
    for m in ("./nosuchdir", str(tmp_path/"nosuchdir"), "~/no/such/model", "a/b/c"):
        with pytest.raises(UsageError, match="does not exist"): check_model(m)
    err = _edit_error(tmp_path, capsys, "--query", "a red circle", "--model", "./nosuchdir")
    assert "folder './nosuchdir' does not exist" in err, err

def test_unreachable_hub_id_in_the_commands_words(tmp_path):
    import os, subprocess, sys
    from diffedit.toy import make_scene
    make_scene(1).image.save(tmp_path/"s.png")
    r = subprocess.run([sys.executable, "-m", "diffedit.cli", "edit", str(tmp_path/"s.png"), "--query", "x", "--model",
                        "someone/nonexistent", "--out", str(tmp_path/"e.png")], capture_output=True, text=True,
                       timeout=300, env=dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1"))
    assert r.returncode == 2, r.stderr
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and "--model 'someone/nonexistent'" in err[0], err
    for api_words in ("model='toy'", "`model=`", "DIFFEDIT_MODEL", "notebooks"): assert api_words not in err[0], err
