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
