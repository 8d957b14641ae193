#!/usr/bin/env python3
"""CPU time of two tally binaries on the same policy and data, interleaved.

Usage: python3 bench/ab.py OLD_TALLY OLD_POLICY NEW_TALLY NEW_POLICY DATA [RUNS]

Runs `tally run POLICY DATA` RUNS times (default 41) for each binary,
alternating which goes first, checks that both print the same bytes, and
prints the median, minimum and quartiles of the CPU time (user + system)
of each, the ratio new/old of the medians and minima, and the median and
quartiles of the ratio within each pair of runs.  CPU time, not wall
time: on a shared machine it moves less, and pairing runs that were taken
seconds apart cancels slow drifts in the machine's load.  bench/README.md
says when it was used and what it showed.
"""
import resource
import statistics
import subprocess
import sys


def cpu_run(exe, policy, data):
    """One run; returns (cpu seconds, stdout bytes)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run([exe, "run", policy, data], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, p.stdout


def quartiles(xs):
    xs = sorted(xs)
    return xs[len(xs) // 4], statistics.median(xs), xs[3 * len(xs) // 4]


def main(argv):
    if len(argv) not in (6, 7):
        sys.stderr.write(__doc__)
        return 2
    old = (argv[1], argv[2])
    new = (argv[3], argv[4])
    data = argv[5]
    runs = int(argv[6]) if len(argv) == 7 else 41
    times = {"old": [], "new": []}
    outputs = {}
    for i in range(runs):
        order = [("old", old), ("new", new)]
        if i % 2:
            order.reverse()
        for name, (exe, policy) in order:
            cpu, out = cpu_run(exe, policy, data)
            times[name].append(cpu)
            outputs.setdefault(name, out)
            if out != outputs[name]:
                sys.exit("ab: %s printed different bytes on run %d" % (name, i + 1))
    if outputs["old"] != outputs["new"]:
        sys.exit("ab: the two binaries print different outputs; nothing to compare")
    for name in ("old", "new"):
        q1, med, q3 = quartiles(times[name])
        print("%s: median %.1f ms, min %.1f ms, quartiles %.1f and %.1f ms"
              % (name, med * 1e3, min(times[name]) * 1e3, q1 * 1e3, q3 * 1e3))
    med_ratio = statistics.median(times["new"]) / statistics.median(times["old"])
    min_ratio = min(times["new"]) / min(times["old"])
    print("new/old: medians %.3fx, minima %.3fx" % (med_ratio, min_ratio))
    pairs = [b / a for a, b in zip(times["old"], times["new"])]
    q1, med, q3 = quartiles(pairs)
    print("new/old per pair: median %.3fx, quartiles %.3fx and %.3fx" % (med, q1, q3))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
