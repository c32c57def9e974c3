#!/usr/bin/env python3
"""fp32 latency, interleaved: our reference engine (`vgg-quantize reference`, one or more builds)
against onnxruntime fp32, batch 1, on the same images.

Each round runs every build once over the images (its `run_ms` from `--json`, load excluded),
then onnxruntime once per image on the exported model's input; the medians over rounds are
printed. Needs onnxruntime and numpy (the environment compare.py prepares) and the ONNX file
compare.py exports (`vgg16_bn-fp32.onnx`, `bench-input.npy`).

    python fp32_latency.py --build old=/tmp/vq-old --build new=.build/release/vgg-quantize \\
        --weights vgg16_bn.pth --onnx work/vgg16_bn-fp32.onnx --input work/bench-input.npy \\
        --threads 2 --rounds 7 Tests/Fixtures/images/*.jpg
"""
import argparse
import json
import statistics
import subprocess
import time

import numpy as np
import onnxruntime as ort


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", action="append", required=True, help="NAME=PATH of a vgg-quantize")
    parser.add_argument("--arch", default="vgg16_bn")
    parser.add_argument("--weights", required=True)
    parser.add_argument("--onnx", required=True)
    parser.add_argument("--input", required=True, help=".npy [1, 3, H, W] for onnxruntime")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("images", nargs="+")
    args = parser.parse_args()
    builds = dict(b.split("=", 1) for b in args.build)
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = args.threads, 1
    session = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])
    x = np.load(args.input)
    name = session.get_inputs()[0].name
    session.run(None, {name: x})  # (warm-up)
    times = {key: [] for key in list(builds) + ["onnxruntime fp32"]}
    cores = {}
    for _ in range(args.rounds):
        for key, binary in builds.items():
            out = subprocess.run([binary, "reference", "--arch", args.arch, "--weights", args.weights, "--threads",
                                  str(args.threads), "--batch-size", "1", "--json"] + args.images,
                                 capture_output=True, text=True, check=True)
            report = json.loads(out.stdout)
            times[key].append(report["run_ms"] / len(args.images))
            cores[key] = f"OpenBLAS {report['openblas_core']}"
        per_image = []
        for _ in args.images:
            start = time.perf_counter()
            session.run(None, {name: x})
            per_image.append((time.perf_counter() - start) * 1000)
        times["onnxruntime fp32"].append(statistics.mean(per_image))
    cores["onnxruntime fp32"] = f"onnxruntime {ort.__version__}"
    print(f"{args.arch}, batch 1, {args.threads} threads, {args.rounds} interleaved rounds of {len(args.images)} images")
    for key, values in times.items():
        print(f"  {key:18} median {statistics.median(values):7.1f} ms/image  ({cores[key]}; rounds "
              f"{', '.join(f'{v:.0f}' for v in values)})")


if __name__ == "__main__":
    main()
