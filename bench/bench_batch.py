"""`diffedit batch` on the CPU: edits per minute with 1 process × 2 threads against 2 processes × 1 thread, each
process's peak memory, and what sharing UNet calls (`--group`) gains, in one run side by side; then the arithmetic for
N GPUs from one GPU's measured seconds per edit (an argument: no GPU is needed here).

    python bench/bench_batch.py [--rows 12] [--steps 10] [--n-mask 2] [--gpu-edit-seconds S]

Results: bench/results/DATE-HHMM-batch.json and the printed table."""
import argparse, json, os, resource, shutil, subprocess, sys, tempfile, time
from pathlib import Path


def worker(args):
    "One process of a run (launched plainly or by torchrun): batch_edit, then this process's peak memory."
    from diffedit.batch import batch_edit
    from accelerate import PartialState
    t = time.perf_counter()
    s = batch_edit(args.manifest, args.out, steps=args.steps, n=args.n, group=args.group, progress=False, quiet=True,
                   threads=None)                                      # the threads OMP_NUM_THREADS gives
    rank = PartialState().process_index
    (Path(args.out)/f"peak.rank{rank}.json").write_text(json.dumps(dict(
        rank=rank, peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024, seconds=time.perf_counter() - t,
        summary=s)))


def make_manifest(d, rows, per_scene):
    "`rows` edits of shapes-world scenes, `per_scene` queries about each scene (the groupable case when > 1)."
    from diffedit.toy import make_scene, COLORS
    lines = ["id,image,query,reference"]
    for k in range(rows):
        sc = make_scene(2_000 + k//per_scene)
        sc.image.save(d/f"s{k//per_scene}.png")
        other = [c for c in COLORS if c != sc.color][k % per_scene % (len(COLORS) - 1)]
        lines.append(f"e{k:03d},s{k//per_scene}.png,{sc.caption.replace(sc.color, other)},{sc.caption}")
    (d/"manifest.csv").write_text("\n".join(lines) + "\n")
    return d/"manifest.csv"


def run(manifest, out, processes, threads, steps, n, group=False):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    me = [str(Path(__file__).resolve()), "--worker", "--manifest", str(manifest), "--out", str(out), "--steps",
          str(steps), "--n-mask", str(n)] + (["--group"] if group else [])
    cmd = ([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes), *me]
           if processes > 1 else [sys.executable, *me])
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    peaks = [json.loads(p.read_text()) for p in sorted(Path(out).glob("peak.rank*.json"))]
    s = next(p["summary"] for p in peaks if p["rank"] == 0)
    return dict(processes=processes, threads=threads, group=group, rows=s["rows"], ok=s["ok"],
                edits_per_minute=s["edits_per_minute"], seconds_in_batch_edit=s["seconds"],
                wall_seconds_with_start=round(wall, 1), peak_mb=[round(p["peak_mb"]) for p in peaks])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--worker", action="store_true"); p.add_argument("--manifest"); p.add_argument("--out")
    p.add_argument("--rows", type=int, default=12); p.add_argument("--steps", type=int, default=10)
    p.add_argument("--n-mask", dest="n", type=int, default=2); p.add_argument("--group", action="store_true")
    p.add_argument("--gpu-edit-seconds", type=float, default=None,
                   help="one GPU's measured seconds per edit (e.g. bench_gpu.py's), for the N-GPU arithmetic")
    a = p.parse_args()
    if a.worker: return worker(a)
    tmp = Path(tempfile.mkdtemp())
    try:
        m1, m3 = make_manifest(tmp, a.rows, 1), make_manifest(Path(tempfile.mkdtemp(dir=tmp)), a.rows, 3)
        load0 = os.getloadavg()[0]
        runs = [run(m1, tmp/"a", 1, 2, a.steps, a.n), run(m1, tmp/"b", 2, 1, a.steps, a.n),
                run(m3, tmp/"c", 1, 1, a.steps, a.n), run(m3, tmp/"d", 1, 1, a.steps, a.n, group=True)]
        same = all((tmp/"a"/d/f).read_bytes() == (tmp/"b"/d/f).read_bytes()
                   for d in ("images", "masks") for f in os.listdir(tmp/"a"/d))
    finally: shutil.rmtree(tmp)
    print(f"{a.rows} edits, embedded model, 64 px, {a.steps} steps, n = {a.n}, {os.cpu_count()} CPUs "
          f"(load average {load0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end)")
    print(f"{'processes × threads':<22}{'queries/scene':<15}{'group':<7}{'edits/min':>10}{'s in batch':>12}"
          f"{'s with start':>14}  peak MB per process")
    for r, per in zip(runs, (1, 1, 3, 3)):
        print(f"{r['processes']} × {r['threads']:<18}{per:<15}{str(r['group']):<7}{r['edits_per_minute']:>10.1f}"
              f"{r['seconds_in_batch_edit']:>12.1f}{r['wall_seconds_with_start']:>14.1f}  {r['peak_mb']}")
    ratio = runs[1]["edits_per_minute"]/runs[0]["edits_per_minute"]
    print(f"2 × 1 against 1 × 2: {ratio:.2f}× the edits per minute; "
          f"images and masks byte-equal: {same}")
    print(f"--group (3 queries per scene, one call; 1 process × 1 thread): "
          f"{runs[3]['edits_per_minute']/runs[2]['edits_per_minute']:.2f}× the edits per minute of one call per row")
    g = a.gpu_edit_seconds
    if g:
        print(f"N GPUs, one process each, {g} s per edit on one (measured there): N/{g} edits per second, if nothing "
              f"else is shared")
        for n in (1, 2, 4, 8):
            print(f"  {n} GPU{'s' if n > 1 else ' '}: {n/g:6.2f} edits/s, {3600*n/g:8.0f} edits/hour, 10 000 edits in "
                  f"{10_000*g/n/60:5.1f} min")
    else: print("N GPUs: pass --gpu-edit-seconds S (one GPU's measured seconds per edit) for the arithmetic")
    out = Path(__file__).parent/"results"/time.strftime("%Y-%m-%d-%H%M-batch.json")
    out.write_text(json.dumps(dict(rows=a.rows, steps=a.steps, n=a.n, runs=runs, byte_equal=same,
                                   gpu_edit_seconds=g), indent=1))
    print(f"wrote {out.relative_to(Path(__file__).parent.parent)}")


if __name__ == "__main__": main()
