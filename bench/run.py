#!/usr/bin/env python3
"""bench/run.py - `make bench`: Tally against hand-written baselines.

For each size (tenders per file) it generates data with gen_tenders.py
(cached under BUILD/bench/), checks that every contender's output agrees
with `tally run` (byte for byte for the C ones; as JSON values for Python
and Lua, on the smallest size), then runs the contenders round-robin, a
few rounds, rotating who goes first, so machine noise hits all alike.
Figures are medians over the rounds; ratios are to the baseline measured
in the same invocation.  Results go to BUILD/bench/results-<time>.json and
bench/results/latest.json.  See bench/README.md.

    python3 bench/run.py [--sizes "1000 10000"] [--runs 5] [--build build]
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
POLICY = os.path.join(ROOT, "examples", "award", "award.tally")

# The targets of tracker issue 4, each: name, what is compared, limit.
TARGETS = [
    ("vm-eval", "tally-eval ns/bid <= 2.0x baseline-eval", 2.0),
    ("end-to-end", "tally-run wall <= 1.3x baseline wall", 1.3),
    ("vs-python", "tally-run >= 5x faster than python end to end", 5.0),
    ("vs-lua", "tally-run >= 3x faster than lua end to end", 3.0),
    ("memory-flat", "tally-run peak RSS at the largest size <= 1.5x at 1,000", 1.5),
    ("compile", "compile + verify of award.tally < 10 ms", 10.0),
]


# Worker threads for the tally-run-jobs contender: this machine's cores.
JOBS = max(2, os.cpu_count() or 2)


def contenders(build, tbc, batch):
    """name -> (argv builder(data) , kind).  kind 'e2e' contenders are timed
    whole; 'eval' ones report their own evaluation time on stderr."""
    b = os.path.join(build, "bench")
    tally = os.path.join(b, "tally")  # the snapshot main() takes
    c = {
        "baseline": (lambda d: [os.path.join(b, "award"), d], "e2e"),
        "baseline-eval": (lambda d: [os.path.join(b, "award"), "--eval-only",
                                     "--batch", str(batch), d], "eval"),
        "tally-run": (lambda d: [tally, "run", POLICY, d], "e2e"),
        "tally-run-bytecode": (lambda d: [tally, "run", tbc, d], "e2e"),
        # tracing on: the traced program, a reason tree per result
        # (tally-run is the same run with tracing off)
        "tally-run-explain": (lambda d: [tally, "run", "--explain", POLICY, d], "e2e"),
        # one process on every core; the baseline stays single-threaded,
        # so its ratio shows what --jobs buys, not a like-for-like race
        "tally-run-jobs": (lambda d: [tally, "run", "--jobs", str(JOBS), POLICY, d],
                           "e2e"),
        "tally-eval": (lambda d: [os.path.join(b, "vm_eval"), POLICY, d,
                                  "--batch", str(batch), "--compile-runs", "1"],
                       "eval"),
    }
    py = shutil.which("python3")
    if py:
        c["python"] = (lambda d: [py, os.path.join(HERE, "award.py"), d], "e2e")
    lua = shutil.which("lua5.4")
    if lua and subprocess.run([lua, "-e", "require 'cjson'"],
                              capture_output=True).returncode == 0:
        c["lua"] = (lambda d: [lua, os.path.join(HERE, "award.lua"), d], "e2e")
    return c


SLOW = {"python", "lua"}
TRACED = {"tally-run-explain"}  # output: tally run's plus "explain"


def run_once(argv, spawn=None):
    """Runs argv, through the spawn helper when given (bench/spawn.c: peak
    RSS of the contender alone, and the wall time around fork and wait).
    Returns (stats dict, stderr text, exit code)."""
    if spawn is None:
        t0 = time.perf_counter_ns()
        p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.perf_counter_ns() - t0
        return {"wall_ns": wall}, p.stderr.decode(errors="replace"), p.returncode
    p = subprocess.run([spawn] + argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.decode(errors="replace")
    lines = err.rstrip("\n").split("\n")
    if not lines[-1].startswith('{"spawn":'):
        sys.exit(f"bench: spawn helper failed: {err[-500:]}")
    st = json.loads(lines[-1])["spawn"]
    return st, "\n".join(lines[:-1]), st["status"]


def output_of(argv):
    """Runs argv and returns (sha256 of stdout, stdout kept if small)."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    h = hashlib.sha256()
    kept = []
    size = 0
    while True:
        chunk = p.stdout.read(1 << 20)
        if not chunk:
            break
        h.update(chunk)
        size += len(chunk)
        if size <= 64 << 20:
            kept.append(chunk)
    err = p.stderr.read()
    p.wait()
    if p.returncode not in (0, 2):
        sys.exit(f"bench: {' '.join(argv)} failed ({p.returncode}): {err.decode()[-500:]}")
    return h.hexdigest(), b"".join(kept) if size <= 64 << 20 else None


def data_file(build, n, seed, edge=False):
    """Generated tenders, cached; edge=True: each --edge case once."""
    name = f"edge-seed{seed}" if edge else f"tenders-{n}-seed{seed}"
    path = os.path.join(build, "bench", name + ".jsonl")
    if not os.path.exists(path):
        print(f"bench: generating {n} tenders -> {path}", flush=True)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "gen_tenders.py"),
                            "--seed", str(seed), "--tenders", str(n)]
                           + (["--edge"] if edge else []),
                           stdout=f, check=True)
        os.replace(tmp, path)
    return path


def check(cs, sizes, files):
    """Output agreement: C contenders byte for byte against `tally run` at
    every size; Python and Lua as JSON values on the smallest size and the
    edge cases.  Exits on disagreement."""
    checks = []
    inputs = [("edge", files["edge"])] + [(str(n), files[n]) for n in sizes]
    for label, path in inputs:
        want, want_text = output_of(cs["tally-run"][0](path))
        for name, (argv, kind) in cs.items():
            if name == "tally-run" or ((name in SLOW or name in TRACED)
                                       and label not in ("edge", str(sizes[0]))):
                continue
            if kind == "eval":
                tmp = os.path.join(os.path.dirname(files[sizes[0]]), f"check-{name}.jsonl")
                a = argv(path) + ["-o", tmp]
                _, err, rc = run_once(a)
                if rc != 0:
                    sys.exit(f"bench: {name} failed: {err[-500:]}")
                with open(tmp, "rb") as f:
                    got = hashlib.sha256(f.read()).hexdigest()
                os.remove(tmp)
                text = None
            else:
                got, text = output_of(argv(path))
            how = "bytes"
            same = got == want
            if name in TRACED:
                # the same results, each with its "explain" member
                lines = [json.loads(l) for l in text.splitlines()]
                for x in lines:
                    x.pop("explain", None)
                same = lines == [json.loads(l) for l in want_text.splitlines()]
                how = "json"
            if not same and name in SLOW and text is not None and want_text is not None:
                same = ([json.loads(l) for l in text.splitlines()]
                        == [json.loads(l) for l in want_text.splitlines()])
                how = "json"
            checks.append({"data": label, "contender": name, "agrees": same,
                           "compared": how})
            print(f"bench: check {label:>7} {name:<19} {'ok (' + how + ')' if same else 'DIFFERS'}",
                  flush=True)
            if not same:
                sys.exit(f"bench: {name} disagrees with tally run on {path}")
    return checks


def eval_stats(err):
    for line in reversed(err.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no statistics line in: " + err[-300:])


def measure(cs, files, sizes, runs, slow_max, nbids, spawn):
    results = {}
    for n in sizes:
        names = [k for k in cs if not (k in SLOW and n > slow_max)]
        samples = {k: [] for k in names}
        print(f"bench: {n} tenders ({nbids[n]} bids): {runs} rounds of {', '.join(names)}",
              flush=True)
        for r in range(runs):
            order = names[r % len(names):] + names[:r % len(names)]
            for name in order:
                argv, kind = cs[name]
                s, err, rc = run_once(argv(files[n]), spawn)
                if rc not in (0, 2):
                    sys.exit(f"bench: {name} failed ({rc}): {err[-500:]}")
                del s["status"]
                if kind == "eval":
                    st = eval_stats(err)
                    s["eval_ns"] = st["eval_ns"]
                    if "compile_ns" in st:
                        s["compile_ns"] = st["compile_ns"]
                samples[name].append(s)
        size = {}
        for name in names:
            kind = cs[name][1]
            med = lambda key: statistics.median(x[key] for x in samples[name])
            times = [x["eval_ns" if kind == "eval" else "wall_ns"] for x in samples[name]]
            time_ns = statistics.median(times)
            size[name] = {
                "kind": kind,
                "runs": len(samples[name]),
                "time_s": time_ns / 1e9,
                "tenders_per_s": n / (time_ns / 1e9),
                "ns_per_bid": time_ns / nbids[n],
                "peak_rss_kb": med("maxrss_kb"),
                "wall_s": med("wall_ns") / 1e9,
                "spread": (max(times) - min(times)) / statistics.median(times),
                "samples": samples[name],
            }
        for name, m in size.items():
            base = size["baseline-eval" if m["kind"] == "eval" else "baseline"]
            m["time_ratio"] = m["time_s"] / base["time_s"]
            m["rss_ratio"] = m["peak_rss_kb"] / base["peak_rss_kb"]
        results[n] = size
        print_size(n, nbids[n], size)
        if "tally-run-explain" in size:
            off, on = size["tally-run"], size["tally-run-explain"]
            print(f"  tracing: off (tally-run) {off['time_ratio']:.2f} x baseline; "
                  f"on (tally-run-explain) {on['time_ratio']:.2f} x baseline, "
                  f"{on['time_s'] / off['time_s']:.2f} x tracing off\n", flush=True)
    return results


def print_size(n, bids, size):
    print(f"\n{n} tenders, {bids} bids: medians; 'x base' is the ratio to the baseline of")
    print("the same kind (end to end: whole process; eval: evaluation + formatting only);")
    print("spread = (slowest - fastest) / median over the rounds")
    print(f"  {'contender':<19} {'kind':>4} {'tenders/s':>11} {'ns/bid':>9} {'x base':>7} "
          f"{'spread':>7} {'peak RSS':>10} {'x base':>7}")
    for name, m in size.items():
        print(f"  {name:<19} {m['kind']:>4} {m['tenders_per_s']:>11,.0f} "
              f"{m['ns_per_bid']:>9,.0f} {m['time_ratio']:>7.2f} {m['spread']:>6.0%} "
              f"{m['peak_rss_kb'] / 1024:>8.1f}MB {m['rss_ratio']:>7.2f}")
    print(flush=True)


def compile_time(build, runs):
    """In-process compile+verify median (vm_eval, 50 runs after a warm-up
    one, each a full parse+check+compile+verify) and `tally build` wall."""
    vm_eval = os.path.join(build, "bench", "vm_eval")
    _, err, rc = run_once([vm_eval, POLICY, os.devnull, "--compile-runs", "51"])
    if rc != 0:
        sys.exit(f"bench: vm_eval failed: {err}")
    st = eval_stats(err)
    tally = os.path.join(build, "bench", "tally")
    tbc = os.path.join(build, "bench", "award.tbc")
    walls = []
    for _ in range(max(runs, 5)):
        build_st, err, rc = run_once([tally, "build", POLICY, "-o", tbc])
        if rc != 0:
            sys.exit(f"bench: tally build failed: {err}")
        walls.append(build_st["wall_ns"])
    return {"compile_verify_ms": st["compile_ns"] / 1e6,
            "first_compile_verify_ms": st["first_compile_ns"] / 1e6,
            "tally_build_wall_ms": statistics.median(walls) / 1e6}


def judge(results, sizes, comp):
    out = []

    def add(name, desc, limit, value, met, where):
        out.append({"target": name, "what": desc, "limit": limit, "value": value,
                    "met": met, "where": where})

    big = sizes[-1]
    worst = max(results[n]["tally-eval"]["time_ratio"] for n in sizes)
    add("vm-eval", TARGETS[0][1], 2.0, round(worst, 2), worst <= 2.0,
        "worst ratio over sizes " + ", ".join(map(str, sizes)))
    worst = max(max(results[n]["tally-run"]["time_ratio"],
                    results[n]["tally-run-bytecode"]["time_ratio"]) for n in sizes)
    add("end-to-end", TARGETS[1][1] + " (.tally and bytecode)", 1.3, round(worst, 2),
        worst <= 1.3, "worst ratio over sizes")
    for slow, limit, t in (("python", 5.0, TARGETS[2]), ("lua", 3.0, TARGETS[3])):
        ran = [n for n in sizes if slow in results[n]]
        if not ran:
            add(t[0], t[1], limit, None, None, f"{slow} not installed or not run")
            continue
        speed = min(results[n][slow]["time_s"] / results[n]["tally-run"]["time_s"]
                    for n in ran)
        add(t[0], t[1], limit, round(speed, 2), speed >= limit,
            "smallest speed-up over sizes " + ", ".join(map(str, ran)))
    if 1000 in results and big != 1000:
        ratio = (results[big]["tally-run"]["peak_rss_kb"]
                 / results[1000]["tally-run"]["peak_rss_kb"])
        add("memory-flat", TARGETS[4][1], 1.5, round(ratio, 2), ratio <= 1.5,
            f"{big} vs 1000 tenders")
    else:
        add("memory-flat", TARGETS[4][1], 1.5, None, None, "needs 1000 and a larger size")
    speed = min(results[n]["tally-run"]["time_s"] / results[n]["tally-run-jobs"]["time_s"]
                for n in sizes)
    add("jobs", f"tally-run --jobs {JOBS} speed-up over one thread (no target; "
        f"{JOBS} cores)", None, round(speed, 2), None,
        "smallest over sizes; same bytes, checked above")
    ms = comp["compile_verify_ms"]
    add("compile", TARGETS[5][1], 10.0, round(ms, 3), ms < 10.0,
        "in-process median; `tally build` process wall "
        f"{comp['tally_build_wall_ms']:.1f} ms")
    return out


def machine():
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""
    return {"nproc": sh("nproc"), "lscpu": sh("lscpu | head -15"),
            "uname": platform.platform(), "python": platform.python_version(),
            "lua": sh("lua5.4 -v 2>&1"), "cc": sh("cc --version | head -1"),
            "git": sh(f"git -C {ROOT} rev-parse --short HEAD")
            + (" (dirty)" if sh(f"git -C {ROOT} status --porcelain") else ""),
            "load_before": os.getloadavg()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--sizes", default="1000 10000 100000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--slow-max", type=int, default=10000,
                    help="largest size Python and Lua run at (they are slow)")
    ap.add_argument("--batch", type=int, default=25000,
                    help="records held in memory at once by the eval-only contenders")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    sizes = sorted(int(s) for s in a.sizes.split())
    os.makedirs(os.path.join(build, "bench"), exist_ok=True)
    # Others may rebuild BUILD/bin/tally while this runs; measure one
    # binary throughout (vm_eval has the library linked in already).
    shutil.copy2(os.path.join(build, "bin", "tally"), os.path.join(build, "bench", "tally"))
    comp = compile_time(build, a.runs)
    tbc = os.path.join(build, "bench", "award.tbc")
    cs = contenders(build, tbc, a.batch)
    missing = [k for k in ("python", "lua") if k not in cs]
    if missing:
        print(f"bench: skipping {', '.join(missing)} (not installed)")
    files = {n: data_file(build, n, a.seed) for n in sizes}
    files["edge"] = data_file(build, 66, a.seed, edge=True)  # 33 cases, once each
    nbids = {}
    for n in sizes:
        with open(files[n], "rb") as f:
            nbids[n] = sum(line.count(b'"supplier":') for line in f)
    checks = check(cs, sizes, files)
    started = datetime.datetime.now()
    spawn = os.path.join(build, "bench", "spawn")
    results = measure(cs, files, sizes, a.runs, a.slow_max, nbids, spawn)
    targets = judge(results, sizes, comp)
    print(f"compile + verify of award.tally: {comp['compile_verify_ms']:.2f} ms in process "
          f"(first {comp['first_compile_verify_ms']:.2f} ms); "
          f"`tally build` {comp['tally_build_wall_ms']:.1f} ms wall\n")
    print("targets:")
    for t in targets:
        mark = ("info" if t["limit"] is None else "n/a " if t["met"] is None
                else "MET " if t["met"] else "MISS")
        print(f"  {mark} {t['what']}: {t['value']} ({t['where']})")
    doc = {"command": " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:]),
           "started": started.isoformat(timespec="seconds"),
           "machine": machine(), "sizes": sizes, "runs": a.runs, "seed": a.seed,
           "batch": a.batch, "slow_max": a.slow_max, "bids": nbids,
           "compile": comp, "checks": checks,
           "results": {str(n): r for n, r in results.items()}, "targets": targets}
    stamp = started.strftime("%Y%m%d-%H%M%S")
    path = os.path.join(build, "bench", f"results-{stamp}.json")
    for p in (path, os.path.join(HERE, "results", "latest.json")):
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    print(f"\nbench: results in {path} and bench/results/latest.json")


if __name__ == "__main__":
    main()
