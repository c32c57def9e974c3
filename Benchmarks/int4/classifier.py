#!/usr/bin/env python3
"""The classifier's time at batch 1, int8 against 4-bit hidden layers (Docs/Performance.md, "4-bit
classifier weights"): `vgg-run BLOB IMAGE --benchmark N --threads T --json` on each blob, one process
per blob and thread count, interleaved over rounds; per round each process reports every layer's
median over its N runs. Prints, per thread count and blob, the median over rounds of fc6, fc7, fc8,
their sum and the whole network.
Usage: Benchmarks/int4/classifier.py VGG_RUN IMAGE INT8.vq8 INT4.vq8 [--rounds 7] [--runs 15] [--threads 1,2]
"""
import argparse, json, statistics, subprocess

parser = argparse.ArgumentParser()
parser.add_argument("vgg_run"); parser.add_argument("image"); parser.add_argument("blobs", nargs=2)
parser.add_argument("--rounds", type=int, default=7); parser.add_argument("--runs", type=int, default=15)
parser.add_argument("--threads", default="1,2")
args = parser.parse_args()
names = ["classifier.0", "classifier.3", "classifier.6"]
samples = {}
for r in range(args.rounds):
    for threads in args.threads.split(","):
        for blob in args.blobs:
            out = subprocess.run([args.vgg_run, blob, args.image, "--benchmark", str(args.runs), "--threads", threads, "--json"],
                                 capture_output=True, text=True, check=True).stdout
            report = json.loads(out)
            layers = {layer["name"]: layer["ms"] for layer in report["layers"]}
            row = [layers[n] for n in names]
            samples.setdefault((threads, blob), []).append(row + [sum(row), report["median_ms"], report["kernel"]])
for (threads, blob), rows in samples.items():
    med = [statistics.median(row[i] for row in rows) for i in range(5)]
    print(f"threads {threads} {blob}: fc6 {med[0]:.2f} ms, fc7 {med[1]:.2f}, fc8 {med[2]:.2f}, classifier {med[3]:.2f}, "
          f"network {med[4]:.1f} ms (kernel {rows[0][5]}, {len(rows)} rounds of {args.runs} runs)")
