#!/usr/bin/env python3
"""Peer benchmark: our int8 VGG (vgg-quantize + vgg-run) against onnxruntime and OpenVINO.

Optional, never used by `make test`. Needs a Python with torch, pillow, numpy, onnx, onnxruntime,
openvino and nncf (torchvision if it installs; without it a torch-only copy of its VGG and eval
transform is used, see "Fallback" below), and a release build of the Swift tools
(`.build/release/vgg-quantize`, `.build/release/vgg-run`). See README.md next to this file.

From a seed it builds a full-size torchvision VGG with random weights, gives its BatchNorm layers
running statistics from the Calibration/ photos, then compiles the same weights with
  ours:        vgg-quantize (default method) -> .vq8, run by vgg-run
  onnxruntime: torch.onnx.export (opset 17) -> quant_pre_process -> quantize_static (QDQ, per channel;
               U8S8 with reduce_range as ORT recommends for x86 without VNNI, and its 8-bit defaults) -> .onnx
  OpenVINO:    ov.convert_model(onnx) -> nncf.quantize (preset performance; default overflow fix, and
               overflow_fix=ENABLE) -> IR .xml/.bin
and measures, each engine in its own process, interleaved over rounds: latency (batch 1, 1 and
2 threads), peak RSS, load time, file size; and the fidelity of each int8 engine against its
own fp32 on held-out photos (top-1 agreement, logits SQNR).

`--mode throughput` measures images/s instead: batch-1 inference over the held-out photos, J jobs
x T threads in one process per engine and configuration (ours: `vgg-run --benchmark N --jobs J
--threads T`; onnxruntime: J Python threads, one InferenceSession each), interleaved over rounds.

`--weights FILE.pth` takes an existing torchvision-style state dict instead of seeded weights;
`--ours-blob FILE.vq8` an existing blob compiled from those weights instead of running vgg-quantize.

`python compare.py --run-one ENGINE ...` and `--run-throughput ENGINE ...` are the per-process
runners the driver starts; they import only numpy and the engine's runtime (never torch).
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

ARCHS = ("vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn", "vgg11", "vgg13", "vgg16", "vgg19")
# Held-out photos: the fixture images that decode as photos, none of them a calibration image.
HELDOUT = ("astronaut.jpg", "chelsea.jpg", "coffee.png", "cat_small.jpg", "rocket_progressive.jpg",
           "grey.jpg", "cmyk.jpg", "palette.png", "rgba.png")
# Engines in measurement order.
#   ours                 vgg-quantize blob (--target, default x86_64-avx2: pair-bounded convolution
#                        weights, which AVX2 runs with vpmaddubsw where Winograd does not take the layer)
#                        run by vgg-run; exact integer arithmetic on every CPU
#   ort-int8             quantize_static as its docstring recommends for x86 without VNNI (the Zen 3 of Docs/Performance.md):
#                        QDQ, uint8 activations, int8 weights, reduce_range=True (7-bit weights), per channel
#   ort-int8-8bit        quantize_static's defaults (QDQ, int8 activations and weights, full 8-bit weights),
#                        per channel, default session
#   ort-int8-8bit-exact  the same file with session.x64quantprecision=1 (ORT's slower U8U8 path, no saturation)
#   ort-fp32             the exported fp32 ONNX
#   ours-fp32            our fp32 reference engine on the .pth (`vgg-quantize reference --benchmark N`, OpenBLAS); latency
#                        only (its fidelity logits come from `vgg-quantize eval`, which runs it beside the int8 engine)
#   ov-int8              nncf.quantize, preset performance, default overflow fix (first conv 7-bit weights)
#   ov-int8-7bit         nncf.quantize with overflow_fix=ENABLE (7-bit weights everywhere)
#   ov-fp32              the fp32 IR converted from the ONNX, INFERENCE_PRECISION_HINT f32 (not bf16 on AMX/BF16 CPUs)
#   ort-int8-8bit-u8     extra, off by default: like ort-int8-8bit with uint8 activations
DEFAULT_ENGINES = ("ours", "ort-int8", "ort-int8-8bit", "ort-int8-8bit-exact", "ours-fp32", "ort-fp32", "ov-int8",
                   "ov-int8-7bit", "ov-fp32")
FP32_ENGINES = ("ours-fp32", "ort-fp32", "ov-fp32")
ALL_ENGINES = DEFAULT_ENGINES + ("ort-int8-8bit-u8",)
# Fidelity only: an ORT int8 file run with every graph optimization off, so ORT executes its
# QuantizeLinear/DequantizeLinear pairs in float: the quantization scheme without the int8 kernels.
FLOAT_QDQ = "-float-qdq"
SIMULATED = "ort-int8-8bit" + FLOAT_QDQ
# Fidelity only, an experiment: the ort-int8-8bit file with the first convolution's integer weights
# re-rounded to 7 bits (w -> round(w / 2), scale x 2), nothing else changed; run by default ORT.
FIRST7 = "ort-int8-8bit-first7"
DIAGNOSTICS = ("ort-int8" + FLOAT_QDQ, SIMULATED, FIRST7, FIRST7 + FLOAT_QDQ)
INT8_PAIRS = {"ours": "ours-fp32", "ort-int8": "ort-fp32", "ort-int8-8bit": "ort-fp32", "ort-int8-8bit-exact": "ort-fp32",
              SIMULATED: "ort-fp32", FIRST7: "ort-fp32", "ort-int8" + FLOAT_QDQ: "ort-fp32",
              FIRST7 + FLOAT_QDQ: "ort-fp32", "ort-int8-8bit-u8": "ort-fp32",
              "ov-int8": "ov-fp32", "ov-int8-7bit": "ov-fp32"}
LABELS = {"ours": "ours (vgg-run)", "ours-fp32": "our fp32 reference engine",
          "ort-int8": "onnxruntime int8 (U8S8, reduce_range)",
          "ort-int8-8bit": "onnxruntime int8, 8-bit weights (quantize_static defaults)",
          "ort-int8-8bit-exact": "onnxruntime int8, 8-bit weights, x64quantprecision=1",
          "ort-int8" + FLOAT_QDQ: "onnxruntime int8 (U8S8, reduce_range) file, QDQ executed in float",
          SIMULATED: "onnxruntime int8, 8-bit weights, QDQ executed in float",
          FIRST7: "onnxruntime int8, 8-bit weights but first conv re-rounded to 7 bits",
          FIRST7 + FLOAT_QDQ: "onnxruntime int8, 8-bit weights but first conv 7 bits, QDQ executed in float",
          "ort-int8-8bit-u8": "onnxruntime int8, 8-bit weights, uint8 activations",
          "ort-fp32": "onnxruntime fp32", "ov-int8": "OpenVINO int8 (NNCF defaults)",
          "ov-int8-7bit": "OpenVINO int8, NNCF overflow_fix=ENABLE", "ov-fp32": "OpenVINO fp32"}
# Layer kinds in the peers' profiles, matched in order to ours (conv i <-> conv i, ...).
ORT_KINDS = {"QLinearConv": "conv", "Conv": "conv", "FusedConv": "conv", "ConvInteger": "conv",
             "MaxPool": "pool", "NhwcMaxPool": "pool", "QLinearMaxPool": "pool",
             "QGemm": "fc", "Gemm": "fc", "FusedGemm": "fc", "MatMul": "fc", "MatMulInteger": "fc", "QLinearMatMul": "fc"}
OV_KINDS = {"Convolution": "conv", "MaxPool": "pool", "FullyConnected": "fc", "MatMul": "fc"}
INPUT_NAME = "input"
# --mode throughput: the engines measured by default, and the configurations (jobs x threads).
THROUGHPUT_ENGINES = ("ours", "ort-int8", "ort-int8-8bit")
THROUGHPUT_CONFIGS = "1x1,2x1,1x2"
# /proc/cpuinfo flags recorded in the reports (the int8 instruction sets the engines may use).
CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8")


# ----------------------------------------------------------------------------------------------
# Runner: one engine, one process (`--run-one`). numpy + the engine's runtime only.
# ----------------------------------------------------------------------------------------------

def nearest_rank(values, p):
    """The value at rank ceil(p * n), as vgg-run's p90."""
    ordered = sorted(values)
    rank = max(1, int(np.ceil(p * len(ordered))))
    return ordered[rank - 1]


def open_engine(engine, model, threads, layers=False):
    """Returns (infer(array) -> logits, load_ms, info, layer_times() -> {layer: median ms})."""
    if engine.startswith("ort-"):
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_DISABLE_ALL if engine.endswith(FLOAT_QDQ)
                                            else ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
        if engine == "ort-int8-8bit-exact":
            options.add_session_config_entry("session.x64quantprecision", "1")
        if layers:
            options.enable_profiling = True
            options.profile_file_prefix = os.path.join(tempfile.gettempdir(), f"vgg-peers-ortprofile-{os.getpid()}")
        start = time.perf_counter()
        session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        load_ms = (time.perf_counter() - start) * 1e3
        name = session.get_inputs()[0].name

        def infer(array):
            return session.run(None, {name: array})[0]

        def layer_times():
            path = session.end_profiling()
            with open(path) as f:
                events = json.load(f)
            os.remove(path)
            nodes = {}  # name -> (op, durations), in execution order
            for event in events:
                if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
                    op = event["args"].get("op_name", "")
                    nodes.setdefault(event["name"][:-len("_kernel_time")], (op, []))[1].append(event["dur"] / 1e3)
            return [{"name": name, "kind": ORT_KINDS.get(op, "other"), "kernel": op, "ms": float(np.median(durations))}
                    for name, (op, durations) in nodes.items()]
        return infer, load_ms, {"onnxruntime": ort.__version__}, layer_times
    if engine.startswith("ov-"):
        import openvino as ov
        core = ov.Core()
        config = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY"}
        if engine == "ov-fp32":
            # fp32 arithmetic: on AMX-BF16 / AVX512-BF16 CPUs OpenVINO's default precision hint runs an
            # fp32 IR in bf16 (its profile then names brgconv_avx512_amx_bf16 kernels)
            config["INFERENCE_PRECISION_HINT"] = "f32"
        if layers:
            config["PERF_COUNT"] = True
        start = time.perf_counter()
        compiled = core.compile_model(core.read_model(model), "CPU", config)
        request = compiled.create_infer_request()
        load_ms = (time.perf_counter() - start) * 1e3
        info = {"openvino": ov.__version__}
        for key in ("INFERENCE_PRECISION_HINT", "INFERENCE_NUM_THREADS", "NUM_STREAMS", "PERFORMANCE_HINT"):
            try:
                info[key] = str(compiled.get_property(key))
            except Exception:  # property names vary between releases
                pass
        samples = []

        def infer(array):
            request.infer({0: array})
            if layers:
                samples.append([(e.node_name, e.node_type, e.exec_type, e.real_time.total_seconds() * 1e3)
                                for e in request.get_profiling_info() if e.status == e.Status.EXECUTED])
            return request.get_output_tensor(0).data

        def layer_times():
            durations = {}
            for run in samples:
                for name, node_type, exec_type, ms in run:
                    durations.setdefault(name, (node_type, exec_type, []))[2].append(ms)
            return [{"name": name, "kind": "fc" if node_type.startswith("FullyConnected") else OV_KINDS.get(node_type, "other"), "kernel": exec_type,
                     "ms": float(np.median(values))} for name, (node_type, exec_type, values) in durations.items()]
        return infer, load_ms, info, layer_times
    raise SystemExit(f"--run-one: unknown engine {engine}")


def run_one(args):
    import resource
    start = time.perf_counter()
    infer, load_ms, info, layer_times = open_engine(args.run_one, args.model, args.threads, args.layers)
    result = {"engine": args.run_one, "threads": args.threads, "load_ms": load_ms, "info": info}
    if args.input:
        x = np.ascontiguousarray(np.load(args.input), dtype=np.float32)
        for _ in range(args.warmup):
            infer(x)
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter_ns()
            infer(x)
            times.append((time.perf_counter_ns() - t0) / 1e6)
        result.update(runs=args.runs, warmup=args.warmup, median_ms=float(np.median(times)),
                      p90_ms=nearest_rank(times, 0.9), min_ms=min(times))
    if args.inputs:
        batch = np.load(args.inputs).astype(np.float32)
        logits = [np.array(infer(np.ascontiguousarray(image[None])), dtype=np.float32).reshape(-1) for image in batch]
        np.save(args.logits_out, np.stack(logits))
        result["logits"] = args.logits_out
    if args.layers:
        result["layers"] = layer_times()
    result["self_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["process_ms"] = (time.perf_counter() - start) * 1e3
    print(json.dumps(result))


def run_throughput(args):
    """`--run-throughput ENGINE`: J jobs (Python threads) x T threads of an onnxruntime engine, the
    way `vgg-run --benchmark N --jobs J --threads T` runs ours: each job warms up, then all start
    together and run N timed batch-1 inferences over the inputs round-robin (job j, run r: input
    (j + r) mod count); images/s = J x N over the wall time from the start to the last job's end,
    latency = each run's own time. onnxruntime releases the GIL inside Run. Prints vgg-run's keys."""
    import resource
    import threading
    engine, jobs, runs = args.run_throughput, args.jobs, args.runs
    if not engine.startswith("ort-"):
        raise SystemExit(f"--run-throughput: only onnxruntime engines, not {engine}")
    inputs = [np.ascontiguousarray(image[None], dtype=np.float32) for image in np.load(args.inputs)]
    # per-job: one InferenceSession per job (nothing shared between the jobs but the process);
    # shared: one session, Run from every job (thread-safe; one copy of the weights).
    opened = [open_engine(engine, args.model, args.threads)] * jobs if args.ort_sessions == "shared" else \
        [open_engine(engine, args.model, args.threads) for _ in range(jobs)]
    load_ms = sum(o[1] for o in opened[:1 if args.ort_sessions == "shared" else jobs])
    ready = threading.Barrier(jobs + 1)
    latencies = [[] for _ in range(jobs)]
    errors = []

    def job(index):
        infer = opened[index][0]
        try:
            for run in range(args.warmup):
                infer(inputs[(index + run) % len(inputs)])
        except Exception as error:  # still meet the others at the barrier
            errors.append(repr(error))
        ready.wait()
        if errors:
            return
        own = latencies[index]
        for run in range(runs):
            t0 = time.perf_counter_ns()
            infer(inputs[(index + run) % len(inputs)])
            own.append((time.perf_counter_ns() - t0) / 1e6)

    workers = [threading.Thread(target=job, args=(j,)) for j in range(jobs)]
    for worker in workers:
        worker.start()
    ready.wait()
    begin = time.perf_counter()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - begin
    if errors:
        raise SystemExit(f"--run-throughput {engine}: {errors[0]}")
    every = [ms for own in latencies for ms in own]
    if len(every) != jobs * runs:
        raise SystemExit(f"--run-throughput {engine}: {len(every)} timed runs, expected {jobs * runs}")
    print(json.dumps({
        "engine": engine, "jobs": jobs, "threads": args.threads, "runs_per_job": runs, "warmup": args.warmup,
        "sessions": args.ort_sessions, "images": len(every), "seconds": seconds, "images_per_s": len(every) / seconds,
        "latency_ms": {"median": float(np.median(every)), "p90": nearest_rank(every, 0.9), "min": min(every), "max": max(every)},
        "load_ms": load_ms, "info": opened[0][2],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run_import_only(engine):
    """Baseline: the interpreter with numpy and the engine's runtime imported, no model."""
    import resource
    if engine.startswith("ort-"):
        import onnxruntime  # noqa: F401
    elif engine.startswith("ov-"):
        import openvino as ov
        ov.Core().get_available_devices()
    print(json.dumps({"engine": engine, "self_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


# ----------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------

def log(message):
    print(message, file=sys.stderr, flush=True)


def spawn(cmd):
    """Runs cmd in a child process; returns (stdout, stderr, rusage of that child).

    The driver imports no torch and holds little memory: Linux starts a child's ru_maxrss at the
    high-water mark of the process it was forked from, so a big driver would inflate every RSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if child.returncode != 0:
        raise SystemExit(f"failed ({child.returncode}): {' '.join(cmd)}\n{stderr[-4000:]}")
    return stdout, stderr, usage


def file_bytes(path):
    if path.endswith(".xml"):
        return os.path.getsize(path) + os.path.getsize(path[:-4] + ".bin")
    return os.path.getsize(path)


def sqnr_db(ref, test):
    ref = ref.astype(np.float64)
    noise = np.sum((ref - test.astype(np.float64)) ** 2)
    return float("inf") if noise == 0 else float(10 * np.log10(np.sum(ref ** 2) / noise))


def top1_agreement(ref, test):
    return float(np.mean(np.argmax(ref, axis=1) == np.argmax(test, axis=1)) * 100)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def cpu_flags():
    """Which of CPU_FLAGS /proc/cpuinfo lists for the first CPU: {flag: bool}."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    present = set(line.split(":", 1)[1].split())
                    return {flag: flag in present for flag in CPU_FLAGS}
    except OSError:
        pass
    return {}


def cpu_text():
    flags = cpu_flags()
    return (f"{cpu_model()}, {os.cpu_count()} CPUs, flags: "
            + (", ".join(f"{k} {'yes' if v else 'no'}" for k, v in flags.items()) if flags else "unknown"))


def cpu_busy_percent(seconds=2.0):
    """Share of all CPUs busy (not idle, not iowait) over the next `seconds`."""
    def sample():
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        return sum(values), values[3] + values[4]
    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 100.0 * (1 - (idle1 - idle0) / max(1, total1 - total0))


class Paths:
    def __init__(self, work, arch, seed, ours_target, weights=None, ours_blob=None):
        if weights:  # named after the weights file: /x/vgg16_bn.pth -> WORK/vgg16_bn-...
            name = os.path.splitext(os.path.basename(weights))[0]
            stem = os.path.join(work, name if name.startswith(arch) else f"{arch}-{name}")
        else:
            stem = os.path.join(work, f"{arch}-seed{seed}")
        self.stem = stem
        self.pth = os.path.abspath(weights) if weights else stem + ".pth"
        self.onnx = stem + "-fp32.onnx"
        self.onnx_pre = stem + "-fp32-pre.onnx"
        self.ort_int8 = stem + "-int8-u8s8-rr.onnx"
        self.ort_int8_8bit = stem + "-int8-s8s8.onnx"
        self.ort_int8_8bit_u8 = stem + "-int8-u8s8.onnx"
        self.ort_first7 = stem + "-int8-s8s8-first7.onnx"
        self.ov_fp32 = stem + "-ov-fp32.xml"
        self.ov_int8 = stem + "-ov-int8.xml"
        self.ov_int8_7bit = stem + "-ov-int8-7bit.xml"
        self.ours = os.path.abspath(ours_blob) if ours_blob else stem + f"-{ours_target}.vq8"
        if ours_blob:  # the logits and eval files of ours below are named after the blob
            ours_target = os.path.splitext(os.path.basename(ours_blob))[0]
        self.build_json = stem + "-build.json"
        self.bench_input = os.path.join(work, "bench-input.npy")
        self.heldout_dir = os.path.join(work, "heldout")
        self.heldout_npy = os.path.join(work, "heldout.npy")
        self.torch_logits = stem + "-torch-fp32.npy"
        self.ours_logits = stem + f"-ours-{ours_target}-logits"
        self.ours_eval = stem + f"-ours-{ours_target}-eval.json"

    def model(self, engine):
        return {"ours": self.ours, "ort-int8": self.ort_int8, "ort-int8-8bit": self.ort_int8_8bit,
                "ort-int8-8bit-exact": self.ort_int8_8bit, SIMULATED: self.ort_int8_8bit, FIRST7: self.ort_first7,
                "ort-int8" + FLOAT_QDQ: self.ort_int8, FIRST7 + FLOAT_QDQ: self.ort_first7,
                "ort-int8-8bit-u8": self.ort_int8_8bit_u8, "ort-fp32": self.onnx, "ov-int8": self.ov_int8,
                "ov-int8-7bit": self.ov_int8_7bit, "ov-fp32": self.ov_fp32, "ours-fp32": self.pth}[engine]

    def logits(self, engine):
        return f"{self.stem}-logits-{engine}.npy"


# ----------------------------------------------------------------------------------------------
# Preparation (`--stage prepare`, its own process: the only one that imports torch)
# ----------------------------------------------------------------------------------------------

def have_torchvision():
    """False if `import torchvision` fails: not installed, or built for another torch."""
    try:
        import torchvision  # noqa: F401
        return True
    except Exception:
        return False


def eval_transform(arch):
    """torchvision's default eval transform for this arch: Resize(256) bilinear antialiased,
    CenterCrop(224), to float in [0, 1], Normalize(ImageNet mean, std); the fallback's without torchvision."""
    if not have_torchvision():
        return fallback_eval_transform
    import torchvision
    return torchvision.models.get_model_weights(arch).IMAGENET1K_V1.transforms()


def vgg_model(arch):
    """torchvision.models.get_model(arch, weights=None); the fallback's VGG without torchvision."""
    if not have_torchvision():
        return fallback_vgg(arch)
    import torchvision
    return torchvision.models.get_model(arch, weights=None)


# Fallback, used only when `import torchvision` fails (e.g. no torchvision wheel for the installed
# torch): torch-only copies of torchvision's VGG and of its IMAGENET1K_V1 eval transform. The same
# modules in the same order (features.N, avgpool, classifier.0/3/6), so the state-dict keys match,
# and the same construction and initialization order, so a seed draws the same weights.
VGG_CFGS = {"vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],  # A
            "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],  # B
            "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],  # D
            "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
                      512, 512, 512, 512, "M"]}  # E
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def fallback_vgg(arch, num_classes=1000):
    """torchvision.models.vgg*(weights=None), torch only."""
    import torch
    from torch import nn

    layers, channels = [], 3
    for v in VGG_CFGS[arch.removesuffix("_bn")]:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers.append(nn.Conv2d(channels, v, kernel_size=3, padding=1))
            layers += [nn.BatchNorm2d(v), nn.ReLU(inplace=True)] if arch.endswith("_bn") else [nn.ReLU(inplace=True)]
            channels = v

    class VGG(nn.Module):
        def __init__(self, features):
            super().__init__()
            self.features = features
            self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
            self.classifier = nn.Sequential(nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=0.5),
                                            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=0.5),
                                            nn.Linear(4096, num_classes))
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

        def forward(self, x):
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

    return VGG(nn.Sequential(*layers))


def fallback_eval_transform(image, resize=256, crop=224):
    """torchvision's ImageClassification(crop_size=224) on a PIL image, torch only: Resize(256)
    (shorter side 256, longer int(256 * long / short), PIL bilinear, which is antialiased),
    CenterCrop(224) (offsets int(round((size - 224) / 2))), uint8 -> float / 255, Normalize."""
    import torch
    from PIL import Image
    w, h = image.size
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(resize * long / short)
    size = (resize, new_long) if w <= h else (new_long, resize)  # (width, height)
    if size != image.size:
        image = image.resize(size, Image.Resampling.BILINEAR)
    top, left = int(round((size[1] - crop) / 2.0)), int(round((size[0] - crop) / 2.0))
    image = image.crop((left, top, left + crop, top + crop))
    x = torch.from_numpy(np.array(image, dtype=np.uint8)).permute(2, 0, 1).contiguous().to(torch.float32).div_(255)
    mean = torch.tensor(IMAGENET_MEAN, dtype=torch.float32)[:, None, None]
    std = torch.tensor(IMAGENET_STD, dtype=torch.float32)[:, None, None]
    return x.sub_(mean).div_(std)


def load_images(paths, transform):
    import torch
    from PIL import Image
    tensors = []
    for path in paths:
        with Image.open(path) as image:
            tensors.append(transform(image.convert("RGB")))
    return torch.stack(tensors)


def image_files(folder):
    """PNG/JPEG files of a folder, sorted by name byte-wise (the Swift tools' order)."""
    names = [n for n in os.listdir(folder) if n.lower().endswith((".jpg", ".jpeg", ".png"))]
    return [os.path.join(folder, n) for n in sorted(names, key=lambda n: n.encode())]


def int8_weight_ranges(engine, path):
    """(min, max) of each integer weight tensor of an int8 model, in graph order."""
    ranges = []
    if engine.startswith("ort-"):
        import onnx
        from onnx import numpy_helper
        model = onnx.load(path)
        initializers = {i.name: i for i in model.graph.initializer}
        for node in model.graph.node:
            if node.op_type == "DequantizeLinear" and node.input[0] in initializers:
                w = numpy_helper.to_array(initializers[node.input[0]])
                if w.ndim > 1:
                    ranges.append((int(w.min()), int(w.max())))
    else:
        import openvino as ov
        for op in ov.Core().read_model(path).get_ordered_ops():
            if op.get_type_name() == "Constant" and op.get_element_type().get_type_name() in ("i8", "u8"):
                w = op.get_data()
                if w.ndim > 1 and w.size > 100:
                    ranges.append((int(w.min()), int(w.max())))
    return ranges


def prepare(args, paths):
    import torch

    torch.set_num_threads(args.prepare_threads)
    transform = eval_transform(args.arch)
    calibration = image_files(args.calibration)
    build = {}
    if os.path.exists(paths.build_json):
        with open(paths.build_json) as f:
            build = json.load(f)
    build.setdefault("seconds", {})
    build["torchvision"] = "torchvision" if have_torchvision() else "fallback (torch-only copy in compare.py)"
    if args.weights:  # another file than last time under this name: rebuild everything
        source = {"path": paths.pth, "bytes": os.path.getsize(paths.pth), "mtime_ns": os.stat(paths.pth).st_mtime_ns}
        if build.get("weights_file") not in (None, source):
            log(f"[prepare] {paths.pth} changed since the last run: rebuilding")
            args.rebuild = True
        build["weights_file"] = source

    def save():
        with open(paths.build_json, "w") as f:
            json.dump(build, f, indent=1)

    def step(key, outputs, function):
        if not args.rebuild and all(os.path.exists(o) for o in outputs) and key in build["seconds"]:
            log(f"[prepare] {key}: reusing {', '.join(os.path.basename(o) for o in outputs)}")
            return
        log(f"[prepare] {key} ...")
        start = time.perf_counter()
        function()
        build["seconds"][key] = round(time.perf_counter() - start, 1)
        save()
        log(f"[prepare] {key}: {build['seconds'][key]} s")

    cache = {}

    def calib():
        if "calib" not in cache:
            cache["calib"] = load_images(calibration, transform)
        return cache["calib"]

    def model():
        if "model" not in cache:
            net = vgg_model(args.arch)
            net.load_state_dict(torch.load(paths.pth, map_location="cpu", weights_only=True))
            cache["model"] = net.eval()
        return cache["model"]

    def make_weights():
        torch.manual_seed(args.seed)
        net = vgg_model(args.arch)
        for bn in (m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)):
            bn.reset_running_stats()
            bn.momentum = None  # cumulative moving average
        net.train()
        with torch.no_grad():
            for chunk in torch.split(calib(), args.bn_batch):
                net(chunk)
        net.eval()
        torch.save(net.state_dict(), paths.pth)  # zip container (torch >= 1.6 default)
        cache["model"] = net

    if args.weights:
        log(f"[prepare] weights: {paths.pth} (--weights)")
    else:
        step("weights", [paths.pth], make_weights)

    def export_onnx():
        x = torch.zeros(1, 3, args.crop, args.crop)
        torch.onnx.export(model(), (x,), paths.onnx, opset_version=17, dynamo=False,
                          input_names=[INPUT_NAME], output_names=["logits"])

    step("onnx-export", [paths.onnx], export_onnx)

    def ort_quantize(output, signed_activations, reduce_range):
        from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
        from onnxruntime.quantization.shape_inference import quant_pre_process

        class Reader(CalibrationDataReader):
            """The calibration photos, batch 1, through the same transform."""

            def __init__(self):
                self.items = iter([{INPUT_NAME: t[None].numpy()} for t in calib()])

            def get_next(self):
                return next(self.items, None)

        if not os.path.exists(paths.onnx_pre) or args.rebuild:
            quant_pre_process(paths.onnx, paths.onnx_pre)  # ORT's recommended pre-processing
        quantize_static(paths.onnx_pre, output, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        reduce_range=reduce_range,
                        activation_type=QuantType.QInt8 if signed_activations else QuantType.QUInt8,
                        weight_type=QuantType.QInt8)

    engines = set(args.engines)
    if "ort-int8" in engines:
        step("ort-quantize", [paths.ort_int8], lambda: ort_quantize(paths.ort_int8, False, True))
    if engines & {"ort-int8-8bit", "ort-int8-8bit-exact"}:
        step("ort-quantize-8bit", [paths.ort_int8_8bit], lambda: ort_quantize(paths.ort_int8_8bit, True, False))
    def first_conv_7bit():
        import onnx
        from onnx import numpy_helper
        model_proto = onnx.load(paths.ort_int8_8bit)
        initializers = {i.name: i for i in model_proto.graph.initializer}
        for node in model_proto.graph.node:
            if node.op_type == "DequantizeLinear" and node.input[0] in initializers:
                w = numpy_helper.to_array(initializers[node.input[0]])
                if w.ndim == 4:
                    scale = numpy_helper.to_array(initializers[node.input[1]])
                    w7 = np.clip(np.round(w.astype(np.float32) / 2), -64, 63).astype(np.int8)
                    initializers[node.input[0]].CopyFrom(numpy_helper.from_array(w7, node.input[0]))
                    initializers[node.input[1]].CopyFrom(numpy_helper.from_array((scale * 2).astype(scale.dtype), node.input[1]))
                    break
        onnx.save(model_proto, paths.ort_first7)

    if "ort-int8-8bit" in engines and args.mode != "throughput":  # a fidelity diagnostic
        step("ort-first-conv-7bit", [paths.ort_first7], first_conv_7bit)
    if "ort-int8-8bit-u8" in engines:
        step("ort-quantize-8bit-u8", [paths.ort_int8_8bit_u8], lambda: ort_quantize(paths.ort_int8_8bit_u8, False, False))

    def ov_convert():
        import openvino as ov
        ov.save_model(ov.convert_model(paths.onnx), paths.ov_fp32, compress_to_fp16=False)

    def ov_quantize(output, overflow_fix):
        import nncf
        import openvino as ov
        from nncf.quantization.advanced_parameters import AdvancedQuantizationParameters
        fp32 = ov.Core().read_model(paths.ov_fp32)
        dataset = nncf.Dataset([t[None].numpy() for t in calib()])
        advanced = AdvancedQuantizationParameters(overflow_fix=overflow_fix) if overflow_fix else None
        int8 = nncf.quantize(fp32, dataset, preset=nncf.QuantizationPreset.PERFORMANCE,
                             subset_size=len(calibration), advanced_parameters=advanced)
        ov.save_model(int8, output, compress_to_fp16=False)

    if engines & {"ov-fp32", "ov-int8", "ov-int8-7bit"}:
        step("ov-convert", [paths.ov_fp32, paths.ov_fp32[:-4] + ".bin"], ov_convert)
    if "ov-int8" in engines:
        step("nncf-quantize", [paths.ov_int8], lambda: ov_quantize(paths.ov_int8, None))
    if "ov-int8-7bit" in engines:
        import nncf
        step("nncf-quantize-7bit", [paths.ov_int8_7bit], lambda: ov_quantize(paths.ov_int8_7bit, nncf.OverflowFix.ENABLE))

    def ours_compile():
        cmd = [args.vgg_quantize, "--arch", args.arch, "--weights", paths.pth, "--calibration", args.calibration,
               "--target", args.ours_target, "-o", paths.ours]
        log("  " + " ".join(cmd))
        subprocess.run(cmd, check=True)

    if "ours" in engines and args.ours_blob:
        log(f"[prepare] ours-compile: {paths.ours} (--ours-blob)")
    elif "ours" in engines:
        step("ours-compile", [paths.ours], ours_compile)

    # Inputs: the benchmark image and the held-out photos, preprocessed once, identically for all peers.
    np.save(paths.bench_input, load_images([args.image], transform).numpy())
    os.makedirs(paths.heldout_dir, exist_ok=True)
    for name in HELDOUT:
        shutil.copyfile(os.path.join(args.heldout, name), os.path.join(paths.heldout_dir, name))
    heldout_files = image_files(paths.heldout_dir)
    heldout = load_images(heldout_files, transform)
    np.save(paths.heldout_npy, heldout.numpy())
    with torch.no_grad():
        np.save(paths.torch_logits, model()(heldout).numpy())

    build["heldout"] = [os.path.basename(p) for p in heldout_files]
    build["versions"] = {}
    for module in ("torch", "torchvision", "numpy", "PIL", "onnx", "onnxruntime", "openvino", "nncf"):
        try:
            build["versions"][module] = __import__(module).__version__
        except Exception:
            pass
    build["weight_ranges"] = {}
    for engine in ("ort-int8", "ort-int8-8bit", "ort-int8-8bit-u8", "ov-int8", "ov-int8-7bit"):
        if engine in engines:
            build["weight_ranges"][engine] = int8_weight_ranges(engine, paths.model(engine))
    save()


# ----------------------------------------------------------------------------------------------
# Measurement (the driver: numpy and the standard library only)
# ----------------------------------------------------------------------------------------------

def runner_cmd(args, engine, threads, extra):
    return [sys.executable, os.path.abspath(__file__), "--run-one", engine, "--model", args.paths.model(engine),
            "--threads", str(threads)] + extra


def cpu_ticks():
    """(total, steal, busy) jiffies of all CPUs so far; busy excludes idle, iowait and steal."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    total = sum(values[:8])
    return total, values[7], total - values[3] - values[4] - values[7]


def spawn_measured(cmd):
    """spawn(cmd); returns (stdout, {the child's peak RSS and CPU time, wall time, the hypervisor's
    steal and the other processes' load while it ran})."""
    ticks = cpu_ticks()
    wall = time.perf_counter()
    stdout, _, usage = spawn(cmd)
    total, steal, busy = cpu_ticks()
    wall = time.perf_counter() - wall
    stats = {"peak_rss_mb": usage.ru_maxrss / 1024,  # wait4 of this child: KiB on Linux
             "cpu_s": usage.ru_utime + usage.ru_stime, "wall_s": wall,
             "steal_percent": 100.0 * (steal - ticks[1]) / max(1, total - ticks[0])}
    # CPU time of everything but this child while it ran, as a share of all CPUs: other load.
    others = (busy - ticks[2]) / os.sysconf("SC_CLK_TCK") - stats["cpu_s"]
    stats["other_load_percent"] = max(0.0, 100.0 * others / (wall * os.cpu_count()))
    return stdout, stats


def measure_once(args, engine, threads):
    paths = args.paths
    if engine == "ours":
        cmd = [args.vgg_run, paths.ours, args.image, "--benchmark", str(args.runs), "--json", "--threads", str(threads)]
        stdout, stats = spawn_measured(cmd)
        report = json.loads(stdout)
        result = {k: report[k] for k in ("median_ms", "p90_ms", "min_ms", "load_ms")}
        result["self_peak_rss_mb"] = report["peak_rss_mb"]
        result["info"] = {"kernel": report["kernel"]}
    elif engine == "ours-fp32":
        cmd = [args.vgg_quantize, "reference", "--arch", args.arch, "--weights", paths.pth, args.image,
               "--benchmark", str(args.runs), "--json", "--threads", str(threads)]
        stdout, stats = spawn_measured(cmd)
        report = json.loads(stdout)
        result = {k: report["benchmark"][k] for k in ("median_ms", "p90_ms", "min_ms")}
        result["load_ms"] = report["load_ms"]
        result["info"] = {"openblas_core": report["openblas_core"]}
    else:
        cmd = runner_cmd(args, engine, threads,
                         ["--input", paths.bench_input, "--runs", str(args.runs), "--warmup", str(args.warmup)])
        stdout, stats = spawn_measured(cmd)
        result = json.loads(stdout.strip().splitlines()[-1])
    result.update(stats)
    return result


def wait_quiet(limit_percent=15.0, patience_s=600):
    """Waits (up to patience_s) until the CPUs are mostly idle; returns the last busy share."""
    deadline = time.time() + patience_s
    busy = cpu_busy_percent()
    while busy > limit_percent and time.time() < deadline:
        log(f"[measure] CPUs {busy:.0f}% busy before measuring; waiting for a quiet machine")
        time.sleep(10)
        busy = cpu_busy_percent()
    return busy


def measure(args):
    busy = wait_quiet(patience_s=args.quiet_wait)
    log(f"[measure] CPUs {busy:.0f}% busy in the 2 s before measuring")
    results = {engine: {t: [] for t in args.threads} for engine in args.engines}
    engines = list(args.engines)
    busy_rounds = [busy]
    for round_index in range(args.rounds):
        order = engines[round_index % len(engines):] + engines[:round_index % len(engines)]
        for threads in args.threads:
            for engine in order:
                r = measure_once(args, engine, threads)
                results[engine][threads].append(r)
                log(f"[measure] round {round_index + 1}/{args.rounds} {engine:15s} {threads}T: median {r['median_ms']:8.1f} ms, "
                    f"p90 {r['p90_ms']:8.1f} ms, load {r['load_ms']:7.1f} ms, peak RSS {r['peak_rss_mb']:7.1f} MB, "
                    f"steal {r['steal_percent']:4.1f}%, other load {r['other_load_percent']:4.1f}%")
        busy_rounds.append(cpu_busy_percent(1.0))
    baseline = {}
    for engine in engines:
        if engine not in ("ours", "ours-fp32"):
            _, _, usage = spawn([sys.executable, os.path.abspath(__file__), "--import-only", engine])
            baseline[engine] = usage.ru_maxrss / 1024
    return results, baseline, busy_rounds


def ours_accepts_jobs(args):
    """--mode throughput needs a vgg-run with `--benchmark N --jobs J` (its throughput report)."""
    help_text = subprocess.run([args.vgg_run, "--help"], capture_output=True, text=True).stdout
    if "--jobs" not in help_text:
        raise SystemExit(f"{args.vgg_run} does not accept --jobs (an older build): --mode throughput needs a vgg-run "
                         f"whose `--benchmark N --jobs J --json` reports throughput; rebuild it (swift build -c release)")


def parse_throughput(stdout, engine, jobs, threads, runs):
    """The JSON of `vgg-run BLOB IMAGE... --benchmark N --jobs J --threads T --json` or of
    `--run-throughput` (the same keys), checked against what was asked."""
    text = stdout.strip()
    try:
        report = json.loads(text)
    except ValueError:
        try:
            report = json.loads(text.splitlines()[-1])
        except (ValueError, IndexError):
            raise SystemExit(f"{engine}: no JSON on stdout:\n{text[-2000:]}")
    need = ("jobs", "threads", "images", "seconds", "images_per_s", "latency_ms")
    missing = [k for k in need if k not in report] + [
        f"latency_ms.{k}" for k in ("median", "p90") if k not in report.get("latency_ms", {})]
    if missing:
        raise SystemExit(f"{engine}: the JSON is no throughput report (missing {', '.join(missing)}; keys: "
                         f"{', '.join(sorted(report))})" + (": vgg-run must print one for `--benchmark N --jobs J "
                                                           "--json` (an older build prints per-layer times)" if engine == "ours" else ""))
    if (report["jobs"], report["threads"], report["images"]) != (jobs, threads, jobs * runs):
        raise SystemExit(f"{engine}: asked for {jobs} job(s) x {threads} thread(s) x {runs} runs, the report has "
                         f"{report['jobs']} x {report['threads']} and {report['images']} images")
    latency = report["latency_ms"]
    info = dict(report.get("info", {}))
    for key in ("arch", "kernel", "sessions"):
        if key in report:
            info[key] = report[key]
    return {"images_per_s": report["images_per_s"], "seconds": report["seconds"], "images": report["images"],
            "median_ms": latency["median"], "p90_ms": latency["p90"], "min_ms": latency.get("min"),
            "max_ms": latency.get("max"), "load_ms": report.get("load_ms"), "self_peak_rss_mb": report.get("peak_rss_mb"),
            "info": info}


def throughput_once(args, engine, jobs, threads):
    paths = args.paths
    if engine == "ours":
        cmd = [args.vgg_run, paths.ours] + args.throughput_images + [
            "--benchmark", str(args.runs), "--jobs", str(jobs), "--threads", str(threads), "--json"]
    else:
        cmd = [sys.executable, os.path.abspath(__file__), "--run-throughput", engine, "--model", paths.model(engine),
               "--jobs", str(jobs), "--threads", str(threads), "--inputs", paths.heldout_npy, "--runs", str(args.runs),
               "--warmup", str(args.warmup), "--ort-sessions", args.ort_sessions]
    stdout, stats = spawn_measured(cmd)
    result = parse_throughput(stdout, engine, jobs, threads, args.runs)
    result.update(stats)
    return result


def measure_throughput(args):
    """Images/s of each engine in each configuration (jobs x threads), one process each, engines
    interleaved and their order rotated each round, as measure() does for latency."""
    busy = wait_quiet(patience_s=args.quiet_wait)
    log(f"[throughput] CPUs {busy:.0f}% busy in the 2 s before measuring")
    results = {engine: {config_name(c): [] for c in args.configs} for engine in args.engines}
    engines = list(args.engines)
    busy_rounds = [busy]
    for round_index in range(args.rounds):
        order = engines[round_index % len(engines):] + engines[:round_index % len(engines)]
        for jobs, threads in args.configs:
            for engine in order:
                r = throughput_once(args, engine, jobs, threads)
                results[engine][config_name((jobs, threads))].append(r)
                log(f"[throughput] round {round_index + 1}/{args.rounds} {engine:15s} {jobs}x{threads}: "
                    f"{r['images_per_s']:7.2f} images/s ({r['images']} in {r['seconds']:.1f} s), latency median "
                    f"{r['median_ms']:7.1f} ms, p90 {r['p90_ms']:7.1f} ms, peak RSS {r['peak_rss_mb']:6.0f} MB, "
                    f"steal {r['steal_percent']:4.1f}%, other load {r['other_load_percent']:4.1f}%")
        busy_rounds.append(cpu_busy_percent(1.0))
    return results, busy_rounds


def config_name(config):
    return f"{config[0]}x{config[1]}"


def fidelity(args, build):
    """Logits of every engine on the held-out photos; int8 against its own fp32 and against torch."""
    paths = args.paths
    logits = {}
    engines = list(args.engines) + [d for d in DIAGNOSTICS if d.replace(FLOAT_QDQ, "").replace("-first7", "") in args.engines]
    for engine in engines:
        if engine == "ours-fp32":
            continue  # its logits come with ours' (eval runs both engines)
        if engine == "ours":
            cmd = [args.vgg_quantize, "eval", "--weights", paths.pth, "--blob", paths.ours, "--images",
                   paths.heldout_dir, "--json", paths.ours_eval, "--save-logits", paths.ours_logits,
                   "--threads", str(max(args.threads))]
            log("[fidelity] " + " ".join(cmd))
            spawn(cmd)
            with open(os.path.join(paths.ours_logits, "images.txt")) as f:
                order = [os.path.basename(line.strip()) for line in f if line.strip()]
            if order != build["heldout"]:
                raise SystemExit(f"image order differs: ours {order}, peers {build['heldout']}")
            logits["ours-fp32"] = np.load(os.path.join(paths.ours_logits, "fp32.npy"))
            logits["ours"] = np.load(os.path.join(paths.ours_logits, "int8.npy"))
        else:
            log(f"[fidelity] {engine}")
            spawn(runner_cmd(args, engine, max(args.threads), ["--inputs", paths.heldout_npy, "--logits-out", paths.logits(engine)]))
            logits[engine] = np.load(paths.logits(engine))
    torch_logits = np.load(paths.torch_logits)
    rows = []
    for engine in engines:
        if engine not in INT8_PAIRS or INT8_PAIRS[engine] not in logits:
            continue
        ref = logits[INT8_PAIRS[engine]]
        rows.append({"engine": engine, "fp32": INT8_PAIRS[engine],
                     "top1_agreement": top1_agreement(ref, logits[engine]), "sqnr_db": sqnr_db(ref, logits[engine]),
                     "sqnr_vs_torch_db": sqnr_db(torch_logits, logits[engine]),
                     "top1_agreement_vs_torch": top1_agreement(torch_logits, logits[engine])})
    fp32_check = {}
    for name in ("ours-fp32", "ort-fp32", "ov-fp32"):
        if name in logits:
            diff = np.abs(logits[name].astype(np.float64) - torch_logits).max()
            fp32_check[name] = {"max_abs_diff_over_max_abs": float(diff / np.abs(torch_logits).max()),
                                "sqnr_db": sqnr_db(torch_logits, logits[name]),
                                "top1_agreement": top1_agreement(torch_logits, logits[name])}
    same = {}
    if "ort-int8-8bit" in logits and "ort-int8-8bit-u8" in logits:
        same["onnxruntime 8-bit weights, int8 vs uint8 activations: max abs logit difference"] = float(
            np.abs(logits["ort-int8-8bit"] - logits["ort-int8-8bit-u8"]).max())
    ours_report = None
    if "ours" in args.engines and os.path.exists(paths.ours_eval):
        with open(paths.ours_eval) as f:
            ours_report = {k: v for k, v in json.load(f).items() if k != "layers"}
    return {"rows": rows, "fp32_check": fp32_check, "ours_eval": ours_report, "same": same}


def profile(args):
    """Per-layer times at the most threads, each engine in --profile-processes processes
    (interleaved), per layer the median over processes of each process's median. Ours from
    vgg-run --benchmark; the int8 and fp32 peers from their own profilers (ORT session profiling,
    OpenVINO PERF_COUNT), in runs separate from the latency runs."""
    threads = max(args.threads)
    runs = {}
    for index in range(args.profile_processes):
        for engine in args.engines:
            if engine == "ours-fp32":
                continue  # no per-layer profile (the fp32 engine is timed whole)
            if engine == "ours":
                stdout, _, _ = spawn([args.vgg_run, args.paths.ours, args.image, "--benchmark", str(args.profile_runs),
                                      "--json", "--threads", str(threads)])
                result = json.loads(stdout)
            else:
                stdout, _, _ = spawn(runner_cmd(args, engine, threads,
                                                ["--input", args.paths.bench_input, "--runs", str(args.profile_runs),
                                                 "--warmup", str(args.warmup), "--layers"]))
                result = json.loads(stdout.strip().splitlines()[-1])
            runs.setdefault(engine, []).append(result)
            log(f"[profile] {index + 1}/{args.profile_processes} {engine}: median {result['median_ms']:.1f} ms")
    merged = {}
    for engine, results in runs.items():
        first = results[0]
        layers = []
        by_name = [{l["name"]: l["ms"] for l in r["layers"]} for r in results]
        for layer in first["layers"]:
            ms = float(np.median([times[layer["name"]] for times in by_name if layer["name"] in times]))
            entry = dict(layer, ms=ms)
            if engine == "ours" and layer.get("gmac_per_s"):
                entry["gmac_per_s"] = layer["gmac_per_s"] * layer["ms"] / ms  # same MACs, the median time
            if engine == "ours" and layer.get("of_peak") is not None:
                # vgg-run's fraction of its kernel's peak (timed in each process): the median over processes
                entry["of_peak"] = float(np.median([l["of_peak"] for r in results for l in r["layers"]
                                                    if l["name"] == layer["name"] and l.get("of_peak") is not None]))
            layers.append(entry)
        merged[engine] = dict(first, layers=layers, median_ms=float(np.median([r["median_ms"] for r in results])),
                              process_medians=[r["median_ms"] for r in results])
        if all("outside_layers_ms" in r for r in results):
            merged[engine]["outside_layers_ms"] = float(np.median([r["outside_layers_ms"] for r in results]))
    return merged.pop("ours", None), merged


# ----------------------------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------------------------

def med(values):
    return float(np.median(values))


def ours_kind(layer):
    if layer["name"].startswith("classifier"):
        return "fc"
    return "conv" if layer.get("gmac_per_s") else "pool"


def align(ours_layers, peer_layers):
    """Peer per-layer times matched to our layer names by kind and order (the k-th convolution to
    the k-th convolution, ...); returns ({our layer: ms}, ms of everything else)."""
    queues = {}
    rest = 0.0
    for layer in peer_layers:
        if layer["kind"] == "other":
            rest += layer["ms"]
        else:
            queues.setdefault(layer["kind"], []).append(layer["ms"])
    matched = {}
    for kind in ("conv", "pool", "fc"):
        ours = [l["name"] for l in ours_layers if ours_kind(l) == kind]
        theirs = queues.get(kind, [])
        if len(ours) != len(theirs):
            log(f"[profile] {kind}: {len(ours)} layers in ours, {len(theirs)} in the peer's profile; not matched")
            rest += sum(theirs)
            continue
        matched.update(zip(ours, theirs))
    return matched, rest


def range_text(ranges):
    if not ranges:
        return "-"
    first, rest = ranges[0], ranges[1:]
    text = f"first [{first[0]}, {first[1]}]"
    if rest:
        text += f", others [{min(r[0] for r in rest)}, {max(r[1] for r in rest)}]"
    return text


def source_text(args):
    return f"weights {args.paths.pth}" if args.weights else f"seed {args.seed}"


def header(args, build, command, say, title=""):
    say(f"## {args.arch}, {source_text(args)}{title}")
    say("")
    say(f"Command: `{command}`")
    say("")
    say(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {cpu_text()}; "
        f"Python {platform.python_version()}; " + ", ".join(f"{k} {v}" for k, v in build.get("versions", {}).items())
        + (f"; model and transform: {build['torchvision']}" if build.get("torchvision") else "") + ".")
    say("")


def report_throughput(args, build, measured, command):
    results, busy = measured
    configs = [config_name(c) for c in args.configs]
    lines = []
    say = lines.append
    header(args, build, command, say, ", throughput")
    ort_how = ("one InferenceSession per job" if args.ort_sessions == "per-job"
               else "one InferenceSession shared by the jobs") + (
        f" (intra_op_num_threads=T, inter_op_num_threads=1, sequential; {args.warmup} warm-up runs per job)")
    say(f"Throughput: batch 1, {args.crop}x{args.crop}, the {len(args.throughput_images)} held-out photos "
        f"({', '.join(os.path.basename(p) for p in args.throughput_images)}) preprocessed once per process (decoding "
        f"excluded) and run round-robin (job j, run r: image (j + r) mod {len(args.throughput_images)}). A configuration "
        f"JxT: J jobs of T threads each in one process; ours `vgg-run BLOB IMAGE... --benchmark {args.runs} --jobs J "
        f"--threads T --json` (J execution contexts on the one mapped model, 1 warm-up run each), onnxruntime J Python "
        f"threads, {ort_how}. Each job runs {args.runs} timed images after its warm-up, all jobs started together; "
        f"images/s = J x {args.runs} / the wall time from the start to the last job's end; latency: each image's own "
        f"time, over all jobs. {args.rounds} round{'s' if args.rounds != 1 else ''}, one process per engine and configuration, engines interleaved "
        f"(order rotated each round). images/s: median over rounds [range]; latency: median over rounds of each "
        f"process's median and p90. CPUs busy before / after each round: {', '.join(f'{b:.0f}%' for b in busy)}.")
    say("")
    say("| engine | jobs x threads | images/s [range] | vs 1x1 | latency median ms | latency p90 ms | load ms | "
        "peak RSS MB | steal % | other load % |")
    say("|---" * 10 + "|")
    summary = {}
    for engine in args.engines:
        summary[engine] = {}
        for config in configs:
            runs = results[engine][config]
            rates = [r["images_per_s"] for r in runs]
            summary[engine][config] = med(rates)
            scale = f"{med(rates) / summary[engine]['1x1']:.2f}x" if "1x1" in summary[engine] else "-"
            say(f"| {LABELS[engine]} | {config} | **{med(rates):.2f}** [{min(rates):.2f}-{max(rates):.2f}] | {scale} | "
                f"{med([r['median_ms'] for r in runs]):.1f} | {med([r['p90_ms'] for r in runs]):.1f} | "
                f"{med([r['load_ms'] for r in runs if r.get('load_ms') is not None] or [0]):.0f} | "
                f"{max(r['peak_rss_mb'] for r in runs):.0f} | {med([r['steal_percent'] for r in runs]):.1f} | "
                f"{max(r['other_load_percent'] for r in runs):.1f} |")
    say("")
    kernels = sorted(set(r["info"].get("kernel", "") for c in configs for r in results.get("ours", {}).get(c, [])) - {""})
    if kernels:
        say(f"Ours: blob `{args.paths.ours}`, kernel {', '.join(kernels)}. Peak RSS: the child's `ru_maxrss` (wait4); "
            f"load: vgg-run's map + validate + checksum, onnxruntime's `InferenceSession(...)` (summed over the sessions). "
            f"Steal and other load as in the latency report (both should be near 0).")
        say("")
    if "ours" in args.engines and len(args.engines) > 1:
        say("Ratio of images/s, ours / theirs, per configuration (above 1: ours is faster):")
        say("")
        say("| against |" + "".join(f" {c} |" for c in configs))
        say("|---" * (1 + len(configs)) + "|")
        for engine in args.engines:
            if engine != "ours":
                say(f"| {LABELS[engine]} |" + "".join(
                    f" {summary['ours'][c] / summary[engine][c]:.2f} |" for c in configs))
        say("")
    return "\n".join(lines), summary


def report(args, build, measured, fid, prof, peer_prof, command):
    paths = args.paths
    lines = []
    say = lines.append
    header(args, build, command, say)
    if measured:
        results, baseline, busy = measured
        threads = list(args.threads)
        say(f"Latency: batch 1, {args.crop}x{args.crop}, `{os.path.basename(args.image)}`, {args.runs} timed runs per process "
            f"after warm-up (peers {args.warmup} warm-up runs, vgg-run 1), {args.rounds} rounds, engines interleaved "
            f"(one process per engine per round, order rotated each round). Each number is the median over rounds of the "
            f"process's median (p90); [brackets]: the range of the per-round medians; min: the fastest single run of all rounds. CPUs busy before / after each round: "
            f"{', '.join(f'{b:.0f}%' for b in busy)}.")
        say("")
        say("| engine |" + "".join(f" {t}T median ms [range] | {t}T p90 ms | {t}T min ms |" for t in threads)
            + " load ms | peak RSS MB | runtime import alone MB | file MB | steal % | other load % |")
        say("|---" * (1 + 3 * len(threads) + 6) + "|")
        summary = {}
        for engine in args.engines:
            cells = []
            s = {}
            for t in threads:
                runs = results[engine][t]
                medians = [r["median_ms"] for r in runs]
                s[t] = med(medians)
                cells.append(f" {med(medians):.1f} [{min(medians):.1f}-{max(medians):.1f}] | {med([r['p90_ms'] for r in runs]):.1f} | {min(r['min_ms'] for r in runs):.1f} |")
            every = [r for t in threads for r in results[engine][t]]
            s["load"] = med([r["load_ms"] for r in every])
            s["rss"] = max(r["peak_rss_mb"] for r in every)
            s["size"] = file_bytes(paths.model(engine)) / 1e6
            summary[engine] = s
            base = f"{baseline[engine]:.0f}" if engine in baseline else "-"
            steal = med([r["steal_percent"] for r in every])
            other = max(r["other_load_percent"] for r in every)
            say(f"| {LABELS[engine]} |" + "".join(cells) + f" {s['load']:.0f} | {s['rss']:.0f} | {base} | {s['size']:.1f} | "
                f"{steal:.1f} | {other:.1f} |")
        say("")
        say(f"Peak RSS: the child's `ru_maxrss` (wait4), the largest over its processes; for the Python peers it includes "
            f"the interpreter, numpy and the runtime library, which 'runtime import alone' measures without a model. "
            f"Load: vgg-run's map + validate + checksum; onnxruntime `InferenceSession(...)`; OpenVINO `read_model` + "
            f"`compile_model` + `create_infer_request` (no model cache). File: what each engine loads (OpenVINO: .xml + "
            f".bin); the .pth is {os.path.getsize(paths.pth) / 1e6:.1f} MB. Steal: the hypervisor's steal time "
            f"over the CPUs while the engine's processes ran (/proc/stat), median over them; other load: CPU time of all other "
            f"processes while they ran, as a share of the CPUs, the largest over them (both should be near 0).")
        say("")
        if "ours" in args.engines:
            say("Ratios ours / theirs (below 1: ours is faster, smaller, quicker to load):")
            say("")
            say("| against |" + "".join(f" latency {t}T |" for t in threads) + " peak RSS | load | file size |")
            say("|---" * (1 + len(threads) + 3) + "|")
            ours = summary["ours"]
            for engine in args.engines:
                if engine in ("ours", "ours-fp32"):
                    continue
                theirs = summary[engine]
                say(f"| {LABELS[engine]} |" + "".join(f" {ours[t] / theirs[t]:.2f} |" for t in threads)
                    + f" {ours['rss'] / theirs['rss']:.2f} | {ours['load'] / theirs['load']:.2f} | {ours['size'] / theirs['size']:.2f} |")
            say("")
        fp32_peers = [e for e in args.engines if e in FP32_ENGINES and e != "ours-fp32"]
        if "ours-fp32" in args.engines and fp32_peers:
            say("fp32 engines, ratios ours / theirs (our reference engine reads the .pth; load includes that):")
            say("")
            say("| against |" + "".join(f" latency {t}T |" for t in threads) + " peak RSS | load |")
            say("|---" * (1 + len(threads) + 2) + "|")
            ours = summary["ours-fp32"]
            for engine in fp32_peers:
                theirs = summary[engine]
                say(f"| {LABELS[engine]} |" + "".join(f" {ours[t] / theirs[t]:.2f} |" for t in threads)
                    + f" {ours['rss'] / theirs['rss']:.2f} | {ours['load'] / theirs['load']:.2f} |")
            say("")
        if prof:
            gmac = prof["gmac"]
            say(f"Effective rate, {gmac:.2f} GMAC per image ({', '.join(f'{t}T' for t in threads)}): " + "; ".join(
                f"{LABELS[e]} {' / '.join(f'{gmac / (summary[e][t] / 1e3):.0f}' for t in threads)} GMAC/s"
                for e in args.engines) + ".")
            say("")
    if fid:
        say(f"Fidelity on {len(build['heldout'])} held-out photos ({', '.join(build['heldout'])}; none is a calibration "
            f"image), preprocessed once with torchvision's eval transform"
            f"{'' if build.get('torchvision', 'torchvision') == 'torchvision' else ' (the torch-only copy in compare.py)'} for the peers and by our Imaging module "
            f"(bit-identical to it) for ours. Random weights give nearly uniform logits, so top-1 agreement is noisy: "
            f"**the logits SQNR is the main number**. SQNR = 10 log10(sum ref^2 / sum (ref - int8)^2) over all logits.")
        say("")
        say("| int8 engine | against its own fp32 | top-1 agreement | logits SQNR dB | vs torch fp32: top-1 | SQNR dB |")
        say("|---|---|---|---|---|---|")
        for r in fid["rows"]:
            say(f"| {LABELS[r['engine']]} | {LABELS[r['fp32']]} | {r['top1_agreement']:.0f}% | **{r['sqnr_db']:.1f}** | "
                f"{r['top1_agreement_vs_torch']:.0f}% | {r['sqnr_vs_torch_db']:.1f} |")
        say("")
        if fid["ours_eval"]:
            e = fid["ours_eval"]
            say(f"`vgg-quantize eval` reports for ours: top-1 agreement {e['top1_agreement']:.1f}%, logits SQNR "
                f"{e['logits_sqnr_db']:.1f} dB, cosine {e['logits_cosine']:.5f} (kernel {e['kernel']}).")
            say("")
        for k, v in fid["same"].items():
            say(f"{k}: {v:g}.")
            say("")
        say("fp32 engines against torch's own fp32 logits (same weights, same inputs):")
        say("")
        say("| fp32 engine | max abs diff / max abs logit | SQNR dB | top-1 agreement |")
        say("|---|---|---|---|")
        for name, c in fid["fp32_check"].items():
            say(f"| {LABELS[name]} | {c['max_abs_diff_over_max_abs']:.1e} | {c['sqnr_db']:.1f} | {c['top1_agreement']:.0f}% |")
        say("")
    if build.get("weight_ranges"):
        say("Integer weight ranges in the peers' int8 files (first layer; all others): "
            + "; ".join(f"{LABELS[e]} {range_text(r)}" for e, r in build["weight_ranges"].items()) + ".")
        say("")
    if build.get("seconds"):
        say("Preparation time, s (wall, this machine): " + ", ".join(f"{k} {v}" for k, v in build["seconds"].items()) + ".")
        say("")
    if prof:
        say(f"Per-layer profile, {prof['threads']} threads, {args.profile_processes} processes per engine, per layer the "
            f"median over processes of each process's median: ours from `vgg-run --benchmark {prof['runs']}` "
            f"(kernel {prof['kernel']}, median {prof['median_ms']:.1f} ms, {prof['gmac'] / (prof['median_ms'] / 1e3):.1f} GMAC/s "
            f"overall), the peers from their own profilers (ORT session profiling, OpenVINO PERF_COUNT; "
            f"{args.profile_runs} runs per process; profiling adds a little time). Whole-network medians of the processes: "
            + "; ".join(f"{LABELS[e]} " + ", ".join(f"{m:.1f}" for m in p["process_medians"]) for e, p in [("ours", prof)] + list(peer_prof.items()))
            + f" ms. 'of peak': vgg-run's own figure (`--benchmark --json`, of_peak; median over processes): the layer's "
            f"rate in its kernel's own products (Winograd: 36 int16 products per 144 MACs for F(4x4), 16 per 36 for F(2x2)) "
            f"over the peak of that kernel's multiply-accumulate mix, timed by vgg-run between its runs on one thread "
            f"(" + ", ".join(f"{p['kernel']} {p['gmac_per_s_per_thread']:.0f}" for p in prof.get("peaks", []))
            + f" GMAC/s per thread), times {prof['threads']} threads. GMAC: the direct convolution's count (the first "
            f"layer's 3 input channels padded to 4), for every engine.")
        say("")
        shown = [e for e in args.engines if e in peer_prof]
        aligned = {e: align(prof["layers"], peer_prof[e]["layers"]) for e in shown}
        say("| layer | GMAC | ours ms | ours GMAC/s | of peak |" + "".join(f" {LABELS[e]} ms (GMAC/s) |" for e in shown))
        say("|---" * (5 + len(shown)) + "|")
        ours_total = 0.0
        for layer in prof["layers"]:
            rate = layer.get("gmac_per_s")
            gmac = rate * layer["ms"] / 1e3 if rate else 0.0
            ours_total += layer["ms"]
            cells = []
            for e in shown:
                ms = aligned[e][0].get(layer["name"])
                cells.append(" - |" if ms is None else f" {ms:.2f}" + (f" ({gmac / ms * 1e3:.0f})" if gmac and ms else "") + " |")
            of_peak = layer.get("of_peak")
            name = layer["name"] + (f" ({layer['kernel']})" if layer.get("kernel") else "")
            say(f"| {name} | {gmac:.3f} | {layer['ms']:.2f} | " + (f"{rate:.1f} | " if rate else "- | ")
                + (f"{of_peak * 100:.0f}% |" if of_peak is not None else "- |") + "".join(cells))
        # ours: vgg-run's own per-run measure (total minus that run's layers), else the difference
        # of medians (which also holds the layers' noise)
        rest = prof.get("outside_layers_ms", max(0.0, prof["median_ms"] - ours_total))
        say(f"| rest (boundaries, reorders, avgpool, ...) | | {rest:.2f} | | |"
            + "".join(f" {aligned[e][1]:.2f} |" for e in shown))
        say(f"| whole network, median | {prof['gmac']:.2f} | {prof['median_ms']:.2f} | | |"
            + "".join(f" {peer_prof[e]['median_ms']:.2f} |" for e in shown))
        say("")
        say("Peer kernels of the convolution and linear layers, as their profilers name them: " + "; ".join(
            f"{LABELS[e]}: " + ", ".join(sorted(set(l["kernel"] for l in peer_prof[e]["layers"] if l["kind"] in ("conv", "fc"))))
            for e in shown) + ".")
        say("")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", default="vgg16_bn", choices=ARCHS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", default="/tmp/vgg-peers", help="work dir for weights, models, logits, reports")
    parser.add_argument("--bin", default=os.path.join(REPO, ".build", "release"), help="folder of vgg-run and vgg-quantize")
    parser.add_argument("--calibration", default=os.path.join(REPO, "Calibration"))
    parser.add_argument("--heldout", default=os.path.join(REPO, "Tests", "Fixtures", "images"))
    parser.add_argument("--image", default=os.path.join(REPO, "Tests", "Fixtures", "images", "chelsea.jpg"),
                        help="the latency image")
    parser.add_argument("--mode", default="compare", choices=("compare", "throughput"),
                        help="compare: latency, fidelity, profiles (the default); throughput: images/s over the held-out "
                             "photos in the --configs (ours and onnxruntime engines)")
    parser.add_argument("--weights", help="an existing torchvision-style VGG state dict (.pth) instead of seeded weights; "
                                          "the work files are then named after it (WORK/NAME-...)")
    parser.add_argument("--ours-blob", help="an existing .vq8 compiled from those weights, instead of running vgg-quantize")
    parser.add_argument("--engines", help=f"comma-separated subset of {','.join(ALL_ENGINES)} (default "
                                          f"{','.join(DEFAULT_ENGINES)}; throughput: {','.join(THROUGHPUT_ENGINES)})")
    parser.add_argument("--threads", default="1,2", help="thread counts to measure, e.g. 1,2")
    parser.add_argument("--configs", default=THROUGHPUT_CONFIGS,
                        help="throughput: configurations JxT (J jobs of T threads each), comma-separated")
    parser.add_argument("--ort-sessions", default="per-job", choices=("per-job", "shared"),
                        help="throughput: onnxruntime jobs each with its own InferenceSession, or one shared session")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per process (throughput: per job)")
    parser.add_argument("--warmup", type=int, default=3, help="peers' warm-up runs per process (vgg-run does 1)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (one process per engine each)")
    parser.add_argument("--profile-runs", type=int, default=20, help="runs per process of the per-layer profiles")
    parser.add_argument("--profile-processes", type=int, default=3, help="processes per engine of the per-layer profiles")
    parser.add_argument("--ours-target", default="x86_64-avx2",
                        help="vgg-quantize --target for ours (generic: plain 8-bit weights, the vpmaddwd kernel here)")
    parser.add_argument("--bn-batch", type=int, default=24, help="batch size of the BatchNorm statistics pass")
    parser.add_argument("--prepare-threads", type=int, default=2)
    parser.add_argument("--rebuild", action="store_true", help="rebuild every model even if present")
    parser.add_argument("--quiet-wait", type=float, default=600,
                        help="seconds to wait at most for idle CPUs (below 15%% busy) before measuring")
    parser.add_argument("--skip", default="", help="comma-separated steps to skip: fidelity,latency,profile")
    parser.add_argument("--out", help="Markdown report (default WORK/ARCH-seedN-report.md, or WORK/NAME-... with --weights; "
                                          "-throughput.md in the throughput mode; a .json beside it)")
    # internal modes
    parser.add_argument("--stage", choices=("prepare",), help=argparse.SUPPRESS)
    parser.add_argument("--run-one", help=argparse.SUPPRESS)
    parser.add_argument("--run-throughput", help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--import-only", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--inputs", help=argparse.SUPPRESS)
    parser.add_argument("--logits-out", help=argparse.SUPPRESS)
    parser.add_argument("--layers", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.import_only:
        return run_import_only(args.import_only)
    if args.run_one:
        args.threads = int(args.threads)
        return run_one(args)
    if args.run_throughput:
        args.threads = int(args.threads)
        return run_throughput(args)

    throughput = args.mode == "throughput"
    args.engines = [e for e in (args.engines or ",".join(THROUGHPUT_ENGINES if throughput else DEFAULT_ENGINES)).split(",") if e]
    unknown = set(args.engines) - set(ALL_ENGINES)
    if unknown:
        parser.error(f"unknown engines: {', '.join(sorted(unknown))}")
    if throughput and [e for e in args.engines if e != "ours" and not e.startswith("ort-")]:
        parser.error("--mode throughput measures ours and the onnxruntime engines only")
    args.threads = [int(t) for t in args.threads.split(",")]
    configs = args.configs
    try:
        args.configs = [tuple(int(n) for n in c.split("x")) for c in configs.split(",") if c]
        assert args.configs and all(len(c) == 2 and min(c) >= 1 for c in args.configs)
    except (ValueError, AssertionError):
        parser.error(f"--configs: JxT[,JxT...] with J, T >= 1, got {configs}")
    skip = set(s for s in args.skip.split(",") if s)
    for option in ("weights", "ours_blob"):
        if getattr(args, option):
            setattr(args, option, os.path.abspath(getattr(args, option)))
            if not os.path.isfile(getattr(args, option)):
                parser.error(f"--{option.replace('_', '-')}: no file {getattr(args, option)}")
    args.crop = 224
    args.vgg_run = os.path.join(args.bin, "vgg-run")
    args.vgg_quantize = os.path.join(args.bin, "vgg-quantize")
    args.image = os.path.abspath(args.image)
    args.work = os.path.abspath(args.work)
    args.paths = Paths(args.work, args.arch, args.seed, args.ours_target, args.weights, args.ours_blob)
    LABELS["ours"] = f"ours (vgg-run, {os.path.basename(args.ours_blob) if args.ours_blob else args.ours_target})"

    if args.stage == "prepare":
        return prepare(args, args.paths)

    tools = []
    if "ours" in args.engines:
        tools.append(args.vgg_run)
        if not args.ours_blob or (not throughput and "fidelity" not in skip):
            tools.append(args.vgg_quantize)
    for tool in tools:
        if not os.access(tool, os.X_OK):
            raise SystemExit(f"{tool} not found: build the tools first (swift build -c release)")
    if throughput and "ours" in args.engines:
        ours_accepts_jobs(args)
    os.makedirs(args.work, exist_ok=True)
    out = args.out or args.paths.stem + ("-throughput.md" if throughput else "-report.md")
    log(f"{source_text(args)}, arch {args.arch}, mode {args.mode}, work dir {args.work}")
    print(source_text(args), flush=True)

    # Everything that needs torch runs in its own process, so this one stays small (see spawn).
    subprocess.run([sys.executable, os.path.abspath(__file__), "--stage", "prepare"] + sys.argv[1:], check=True)
    with open(args.paths.build_json) as f:
        build = json.load(f)

    command = " ".join([os.path.relpath(sys.executable) if not sys.executable.startswith(("/opt", "/tmp")) else sys.executable,
                        os.path.relpath(os.path.abspath(__file__), REPO)] + sys.argv[1:])
    if throughput:
        args.throughput_images = [os.path.join(args.paths.heldout_dir, name) for name in build["heldout"]]
        measured = measure_throughput(args)
        text, summary = report_throughput(args, build, measured, command)
        with open(out, "w") as f:
            f.write(text + "\n")
        with open(out[:-3] + ".json", "w") as f:
            json.dump({"args": {k: v for k, v in vars(args).items() if k != "paths"}, "build": build,
                       "cpu": {"model": cpu_model(), "cpus": os.cpu_count(), "flags": cpu_flags()},
                       "throughput": measured[0], "images_per_s_median": summary, "cpu_busy_percent": measured[1]},
                      f, indent=1, default=str)
        print(text)
        log(f"report: {out}")
        return

    fid = fidelity(args, build) if "fidelity" not in skip else None
    measured = measure(args) if "latency" not in skip else None
    prof, peer_prof = profile(args) if "profile" not in skip else (None, {})

    text = report(args, build, measured, fid, prof, peer_prof, command)
    with open(out, "w") as f:
        f.write(text + "\n")
    with open(out[:-3] + ".json", "w") as f:
        json.dump({"args": {k: v for k, v in vars(args).items() if k != "paths"}, "build": build,
                   "cpu": {"model": cpu_model(), "cpus": os.cpu_count(), "flags": cpu_flags()},
                   "latency": measured[0] if measured else None, "import_only_rss_mb": measured[1] if measured else None,
                   "cpu_busy_percent": measured[2] if measured else None, "fidelity": fid, "profile_ours": prof,
                   "profile_peers": peer_prof}, f, indent=1, default=str)
    print(text)
    log(f"report: {out}")


if __name__ == "__main__":
    main()
