#!/usr/bin/env python3
"""Start-up and peak memory of two vgg-run binaries, interleaved (issue 15).

Each round runs every binary once with the same arguments, in turn, so that a slower stretch of
the machine hits both alike. Per binary it reports the median wall time of the whole process
(exec, the Swift runtime's start, the blob's mmap and checks, planning, the images) and the
median peak resident set size (ru_maxrss from wait4). The standard library only.

    Benchmarks/startup/startup.py --runs 30 before=/tmp/a/vgg-run after=.build/x/vgg-run \\
        -- model.vq8 image.png --threads 2
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def run_once(binary, arguments):
    start = time.perf_counter()
    process = subprocess.Popen([binary] + arguments, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    error = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"startup: {binary} failed: {error.strip()}")
    return seconds, usage.ru_maxrss  # (Linux: kilobytes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="rounds (each runs every binary once)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed rounds first (page cache)")
    parser.add_argument("binaries", nargs="+", help="NAME=PATH, then -- and vgg-run's arguments")
    argv = sys.argv[1:]
    if "--" not in argv:
        sys.exit("startup: give vgg-run's arguments after --")
    options = parser.parse_args(argv[:argv.index("--")])
    arguments = argv[argv.index("--") + 1:]
    pairs = [b.split("=", 1) for b in options.binaries]
    if any(len(p) != 2 or not os.access(p[1], os.X_OK) for p in pairs):
        sys.exit(f"startup: each binary is NAME=PATH to an executable, got {options.binaries}")
    for _ in range(options.warmup):
        for _, path in pairs:
            run_once(path, arguments)
    times = {name: [] for name, _ in pairs}
    memory = {name: [] for name, _ in pairs}
    for _ in range(options.runs):
        for name, path in pairs:
            seconds, kilobytes = run_once(path, arguments)
            times[name].append(seconds)
            memory[name].append(kilobytes)
    print(f"{options.runs} interleaved rounds of: BINARY {' '.join(arguments)}")
    print(f"{'binary':<10} {'size MB':>8} {'median ms':>10} {'min ms':>8} {'peak RSS MB':>12}")
    for name, path in pairs:
        print(f"{name:<10} {os.path.getsize(path) / 1e6:8.1f} {statistics.median(times[name]) * 1e3:10.1f} "
              f"{min(times[name]) * 1e3:8.1f} {statistics.median(memory[name]) / 1024:12.1f}")


if __name__ == "__main__":
    main()
