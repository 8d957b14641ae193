"""peak.py - one run of tally fed from a generator through a pipe, for the
flat-memory checks (report_memory.py, portfolio_memory.py).

peak_run(gen_argv, tally_argv) starts the generator, pipes its output into
tally, throws tally's output away, and returns (exit status, peak RSS in
KB, wall seconds).  tally runs as the only child of a fresh Python
process, because ru_maxrss of RUSAGE_CHILDREN is the largest child so
far: each run is measured from a child of its own.  ASan's quarantine of
freed memory is turned off, so a sanitizer build does not grow with every
allocation.
"""
import os
import subprocess
import sys
import time

_MEASURE = ("import resource, subprocess, sys\n"
            "r = subprocess.run(sys.argv[1:], stdin=sys.stdin, stdout=subprocess.DEVNULL,"
            " stderr=subprocess.DEVNULL)\n"
            "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")


def peak_run(gen_argv, tally_argv):
    """(exit status, peak RSS KB, seconds) of tally_argv fed by gen_argv."""
    gen = subprocess.Popen(gen_argv, stdout=subprocess.PIPE)
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=0"
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-c", _MEASURE] + list(tally_argv),
                         stdin=gen.stdout, capture_output=True, text=True, check=True, env=env)
    gen.stdout.close()
    gen.wait()
    secs = time.monotonic() - t0
    rc, kb = out.stdout.split()
    return int(rc), int(kb), secs
