"""The test suite: every notebook with `nbdev_test`, two at a time, and beside them the pytest suite in tests/.

Prints each notebook's result as it ends (pass/fail and seconds; a failure's traceback right below it) and pytest's
progress as it goes, then one closing line `N passed, N failed` (notebooks + pytest tests), also written to
.test-summary as `N N`.

Arguments go to each notebook's `nbdev_test` (e.g. `--flags slow`); `--path` picks the notebooks (a name or a glob,
as for nbdev_test) and `--n_workers` how many run at a time (default 2)."""
import os, re, subprocess, sys, threading, time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

root = Path(__file__).resolve().parent.parent
lock = threading.Lock()

def say(*args):
    with lock: print(*args, flush=True)

def parse_args(argv):
    "`--path` and `--n_workers` taken out of the arguments; the rest go to every `nbdev_test` call."
    path, n_workers, rest, it = None, 2, [], iter(argv)
    for a in it:
        name, eq, val = a.partition("=")
        if name in ("--path", "--n_workers"):
            val = val if eq else next(it, None)
            if val is None: sys.exit(f"run_tests: {name} needs a value")
            if name == "--path": path = val
            else: n_workers = max(1, int(val))
        else: rest.append(a)
    return path, n_workers, rest

def notebooks(path):
    """The notebooks to test: nbdev's own glob of nbs/ (no file or folder starting with _ or .), or of the folder
    `path` names; a notebook, or a glob of them, relative to the repository (`nbs/0[1-3]_*.ipynb`)."""
    from fastcore.xtras import working_directory
    from nbdev.doclinks import nbglob
    p = root/path if path else None
    if p is None or p.is_dir():
        with working_directory(root): files = nbglob(p, as_path=True)
    else: files = sorted(root.glob(path)) if re.search(r"[*?[]", path) else [p]
    files = sorted({Path(f).resolve() for f in files if Path(f).suffix == ".ipynb" and not Path(f).name.startswith(("_", "."))})
    if path and not files: sys.exit(f"run_tests: no notebook matches {path}")
    return files

def run_notebook(nb, args, env):
    t = time.time()
    r = subprocess.run(["nbdev_test", "--path", os.path.relpath(nb, root), "--n_workers", "0", *args], cwd=root,
                       text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    return nb, r.returncode == 0, time.time() - t, r.stdout

def run_pytest(env, out:list):
    "pytest, one line per test read as it comes: a progress line at each tenth of the tests and at each failure."
    p = subprocess.Popen([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-o", "console_output_style=count",
                          "tests"], cwd=root, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, bufsize=1)
    t, done, failed, shown = time.time(), 0, 0, 0
    for line in p.stdout:
        out.append(line)
        m = re.match(r"(\S+::\S+.*?) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b.*\[\s*(\d+)/(\d+)\]", line)
        if not m: continue
        done, total = int(m.group(3)), int(m.group(4))
        if m.group(2) in ("FAILED", "ERROR"):
            failed += 1; say(f"pytest     {m.group(2)} {m.group(1)}")
        if done * 10 // total > shown or done == total:
            shown = done * 10 // total
            say(f"pytest     {done}/{total} tests done, {failed} failed ({time.time() - t:.0f} s)")
    return p.wait()

def main():
    path, n_workers, args = parse_args(sys.argv[1:])
    nbs = notebooks(path)
    t0 = time.time()
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"), PYTHONUNBUFFERED="1")  # one thread each
    say(f"testing {len(nbs)} notebooks, {n_workers} at a time{' (nbdev_test ' + ' '.join(args) + ')' if args else ''}, "
        "and beside them the pytest suite")
    # pytest (one process, mostly one core) runs beside the notebooks: it fills the core a notebook leaves idle
    py_lines, py_rc = [], []
    py_thread = threading.Thread(target=lambda: py_rc.append(run_pytest(env, py_lines)), daemon=True)
    py_thread.start()
    failed_nbs = []
    with ThreadPoolExecutor(n_workers) as pool:
        jobs = [pool.submit(run_notebook, nb, args, env) for nb in nbs]
        for j in as_completed(jobs):
            nb, ok, secs, out = j.result()
            say(f"notebook   {'pass' if ok else 'FAIL'}  {nb.name:28s} {secs:6.0f} s")
            if not ok:
                failed_nbs.append(nb.name)
                say("\n".join("    " + l for l in out.rstrip().splitlines()))
    nb_fail = len(failed_nbs); nb_pass = len(nbs) - nb_fail
    say(f"notebooks: {nb_pass} passed, {nb_fail} failed in {time.time() - t0:.0f} s"
        + (f" (failed: {', '.join(sorted(failed_nbs))})" if failed_nbs else ""))

    py_thread.join()
    rc = py_rc[0] if py_rc else 1
    out = "".join(py_lines)
    # pytest's report without its one line per test (those were followed above): failures' tracebacks, the summary
    report = [l for l in out.splitlines() if not re.match(r"\S+::\S+.* (PASSED|SKIPPED|XFAIL|XPASS|FAILED|ERROR)\b.*\[\s*\d+/\d+\]", l)]
    say("\n".join(report))
    summary = next((l for l in reversed(out.splitlines()) if re.match(r"=+ .* in [\d.]+s", l)), "")
    m_pass = re.search(r"(\d+) passed", summary); m_fail = re.search(r"(\d+) failed", summary)
    m_err = re.search(r"(\d+) error", summary)
    py_pass = int(m_pass.group(1)) if m_pass else 0
    py_fail = (int(m_fail.group(1)) if m_fail else 0) + (int(m_err.group(1)) if m_err else 0)
    if rc not in (0, 5) and py_fail == 0: py_fail = 1
    say(f"pytest: {py_pass} passed, {py_fail} failed")

    line = f"{nb_pass + py_pass} passed, {nb_fail + py_fail} failed"
    (root/".test-summary").write_text(f"{nb_pass + py_pass} {nb_fail + py_fail}\n")
    say(f"total time {time.time() - t0:.0f} s")
    say(line)
    sys.exit(1 if nb_fail + py_fail else 0)

if __name__ == "__main__": main()
