"""The test suite: `nbdev_test` over every notebook and, beside it, the pytest suite in tests/.

Prints one closing line `N passed, N failed` (notebooks + pytest tests) and writes it to .test-summary."""
import re, subprocess, sys, tempfile, time
from pathlib import Path

root = Path(__file__).resolve().parent.parent
nbs = sorted(p.name for p in (root/"nbs").glob("*.ipynb") if not p.name.startswith(("_", ".")))
t0 = time.time()
import os
env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))   # two notebooks at a time, one thread each
# pytest (one process, mostly one core) runs beside the notebooks: it fills the core that nbdev_test leaves idle
# while its last notebook runs alone
py_log = tempfile.TemporaryFile("w+")                 # a file, not a pipe: a long report cannot block pytest
py = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "tests"], cwd=root, text=True,
                      stdout=py_log, stderr=subprocess.STDOUT, env=env)
r = subprocess.run(["nbdev_test", "--n_workers", "2", "--do_print", "--timing", *sys.argv[1:]], cwd=root, text=True,
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
print(r.stdout)
failed_nbs = sorted(set(re.findall(r"(\S+\.ipynb)", r.stdout.split("nbdev Tests Failed On The Following Notebooks:")[-1]))) if r.returncode else []
if r.returncode and not failed_nbs: failed_nbs = ["nbdev_test"]
nb_pass, nb_fail = len(nbs) - len(failed_nbs), len(failed_nbs)
print(f"notebooks: {nb_pass} passed, {nb_fail} failed in {time.time() - t0:.0f} s")

py.wait(); py_log.seek(0); out = py_log.read()
print(out)
m_pass = re.search(r"(\d+) passed", out); m_fail = re.search(r"(\d+) failed", out); m_err = re.search(r"(\d+) error", out)
py_pass = int(m_pass.group(1)) if m_pass else 0
py_fail = (int(m_fail.group(1)) if m_fail else 0) + (int(m_err.group(1)) if m_err else 0)
if py.returncode not in (0, 5) and py_fail == 0: py_fail = 1
print(f"pytest: {py_pass} passed, {py_fail} failed")

line = f"{nb_pass + py_pass} passed, {nb_fail + py_fail} failed"
(root/".test-summary").write_text(f"{nb_pass + py_pass} {nb_fail + py_fail}\n")
print(f"total time {time.time() - t0:.0f} s")
print(line)
sys.exit(1 if nb_fail + py_fail else 0)
