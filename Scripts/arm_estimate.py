#!/usr/bin/env python3
"""ARM speed on paper (Docs/Performance.md): Scripts/arm-estimate.sh runs this on the host, with
llvm-mca run in the trixie root of Scripts/cross-aarch64.sh.

Reads the AArch64 assembly of the neon and neondot kernel files, finds each function's innermost
loops (a label, a backward branch to it, no label between), keeps the one with the most
multiply-accumulate instructions, and runs llvm-mca on it for each CPU model. Prints per loop:
instructions, MACs per iteration, cycles per iteration, MACs per cycle; then a vgg16_bn 224x224
prediction for 4 threads on a Raspberry Pi 4 and 5. Then the Winograd F(4x4) kernel against the
direct kernels per vgg16_bn layer (its transform and requantization loops timed too, DRAM traffic
of the transformed weights counted), which decides the ARM dispatch order (Docs/Kernels.md).

MACs per iteration come from the instructions themselves:
  sdot v.4s, v.16b, v.4b[i]   16 (4 lanes x 4 products); an sdot without a lane index multiplies
                              by the vector of ones (the a^0x80 correction's sum of weights): 0
  smull/smlal(2) v.8h, .8b/.16b  8 products;  v.4s, .4h/.8h  4 products
  sadalp, ...                 0 (pairwise adds of products already counted)

usage: arm_estimate.py ASM_DIR LLVM_MCA_COMMAND...
"""
import os
import re
import subprocess
import sys
from pathlib import Path

asm_dir, llvm_mca = Path(sys.argv[1]), sys.argv[2:]

# (label for the docs, llvm-mca -mcpu). LLVM maps -mcpu=cortex-a76
# to the Cortex-A57 scheduling model (the A72's), so the A76 is also given as neoverse-n1, the
# server core built on the A76 microarchitecture (same pipelines: 2 ASIMD, 2 load), which LLVM models.
CPUS = [
    ("Cortex-A72 (Pi 4)", "cortex-a72"),
    ("Cortex-A76 as modelled by -mcpu=cortex-a76", "cortex-a76"),
    ("Cortex-A76 as Neoverse N1", "neoverse-n1"),
]

BRANCH = re.compile(r"^(b\.\w+|cbnz|cbz|tbnz|tbz|b)\s+(?:.*,\s*)?([\w.$]+)$")


def loops(path):
    """Innermost loops per function: {function: [(label, [instructions])]}."""
    items, labels, function = [], {}, None
    for line in path.read_text().splitlines():
        text = line.split("//")[0].strip()
        if not text:
            continue
        if re.match(r"^[\w.$]+:$", text):
            name = text[:-1]
            if not name.startswith(".L"):
                function = name
            # local labels (.LBB0_28) repeat across the concatenated files: key them by function
            labels[(function, name)] = len(items)
            items.append(("label", name, function))
        elif not text.startswith("."):
            items.append(("inst", text, function))
    found = {}
    for index, (kind, text, function) in enumerate(items):
        match = BRANCH.match(text) if kind == "inst" else None
        target = (function, match.group(2)) if match else None
        if not match or target not in labels or labels[target] >= index:
            continue
        body = items[labels[target] + 1 : index + 1]
        if any(kind == "label" for kind, _, _ in body):
            continue
        found.setdefault(function, []).append((match.group(2), [text for _, text, _ in body]))
    return found


def macs(instruction):
    op, _, operands = instruction.replace("\t", " ").partition(" ")
    if op in ("sdot", "udot"):
        return 16 if "[" in operands else 0
    if op in ("smull", "smull2", "smlal", "smlal2", "umull", "umull2", "umlal", "umlal2"):
        return 8 if ".8h" in operands.split(",")[0] else 4
    return 0


def mca(instructions, cpu):
    source = "\n".join(instructions) + "\n"
    result = subprocess.run(llvm_mca + ["-mtriple=aarch64", f"-mcpu={cpu}", "-mattr=+dotprod", "-iterations=1000"],
                            input=source, capture_output=True, text=True, check=True).stdout
    cycles = int(re.search(r"Total Cycles:\s+(\d+)", result).group(1))
    bound = float(re.search(r"Block RThroughput:\s+([\d.]+)", result).group(1))
    return cycles / 1000, bound


rows = {}
print(f"{'loop':44} {'instr':>5} {'MACs':>5} " + " ".join(f"{cpu:>24}" for cpu, _ in CPUS))
print(f"{'':44} {'':>5} {'':>5} " + " ".join(f"{'cycles/iter MACs/cycle':>24}" for _ in CPUS))
for kernel in ("neon", "neondot"):
    for function, candidates in sorted(loops(asm_dir / f"{kernel}.s").items()):
        label, body = max(candidates, key=lambda c: sum(macs(i) for i in c[1]))
        per_iteration = sum(macs(i) for i in body)
        if per_iteration == 0:
            continue
        results = [mca(body, cpu) for _, cpu in CPUS]
        rows[function] = (len(body), per_iteration, results)
        cells = " ".join(f"{cycles:11.2f} {per_iteration / cycles:12.1f}" for cycles, _ in results)
        print(f"{function + ' ' + label:44} {len(body):5} {per_iteration:5} {cells}")

# vgg16_bn at 224x224: MACs of the 13 convolutions (3x3, stride 1, padding 1) and fc6's weight bytes.
plan = [(224, 3, 64), (224, 64, 64), (112, 64, 128), (112, 128, 128), (56, 128, 256), (56, 256, 256), (56, 256, 256),
        (28, 256, 512), (28, 512, 512), (28, 512, 512), (14, 512, 512), (14, 512, 512), (14, 512, 512)]
conv_macs = sum(side * side * 9 * cin * cout for side, cin, cout in plan)
fc_bytes = 25088 * 4096 + 4096 * 4096 + 4096 * 1000
print(f"\nvgg16_bn 224x224: {conv_macs / 1e9:.2f} GMAC in convolutions, {fc_bytes / 1e6:.1f} MB of int8 linear weights")

boards = [("Raspberry Pi 4", "q8_conv3x3_16x2c4__neon", 0, 1.8, 4.0),
          ("Raspberry Pi 5", "q8_conv3x3_16x4c4__neondot", 2, 2.4, 10.0)]
for board, function, cpu_index, ghz, gbps in boards:
    instructions, per_iteration, results = rows[function]
    cycles = results[cpu_index][0]
    rate = per_iteration / cycles  # MACs per cycle per core, inner loop
    conv_ms = conv_macs / (rate * ghz * 1e9 * 4) * 1e3
    fc_ms = fc_bytes / (gbps * 1e9) * 1e3
    executed = conv_macs / per_iteration * instructions
    print(f"{board}: {function}, {rate:.1f} MACs/cycle/core ({CPUS[cpu_index][1]}), {ghz} GHz x 4 cores: "
          f"convolutions {conv_ms:.0f} ms at the loop's rate ({conv_ms / 0.8:.0f} ms at 80%, {conv_ms / 0.7:.0f} ms at 70%); "
          f"linear layers {fc_ms:.0f} ms at {gbps:.0f} GB/s; inner-loop instructions for the convolutions {executed / 1e9:.2f} G")

# ---- The classifier at batch 1 with 4-bit hidden layers (vgg-quantize --classifier-weights int4): every
# weight byte is read once per image, so a board runs fc6 + fc7 at the slower of its DRAM and the
# linear4 loop (128 MACs per 64-byte step of 16 outputs x 8 inputs) on 4 cores; fc8 stays int8.
hidden = 25088 * 4096 + 4096 * 4096
int4_bytes = hidden // 2 + hidden // 128 + 4096 * 1000
print(f"\nclassifier at batch 1: {fc_bytes / 1e6:.1f} MB int8, {int4_bytes / 1e6:.1f} MB with 4-bit hidden layers (groups of 128)")
for board, int8_function, function, cpu_index, ghz, gbps in [
        ("Raspberry Pi 4", "q8_linear_16x1c4__neon", "q8_linear4_16x1c8__neon", 0, 1.8, 4.0),
        ("Raspberry Pi 5", "q8_linear_16x1c4__neondot", "q8_linear4_16x1c8__neondot", 2, 2.4, 10.0)]:
    line = []
    for name, weights, macs_total in [(int8_function, fc_bytes, fc_bytes), (function, int4_bytes, hidden)]:
        if name not in rows:
            line.append(f"{name}: loop not found")
            continue
        instructions, per_iteration, results = rows[name]
        cycles = results[cpu_index][0]
        compute_ms = macs_total / (per_iteration / cycles * ghz * 1e9 * 4) * 1e3
        memory_ms = weights / (gbps * 1e9) * 1e3
        int8_part = 0 if name == int8_function else 4096 * 1000 / (gbps * 1e9) * 1e3
        line.append(f"{name}: {per_iteration / cycles:.1f} MACs/cycle/core -> compute {compute_ms:.1f} ms, "
                    f"DRAM {memory_ms:.1f} ms at {gbps:.0f} GB/s: ~{max(compute_ms + int8_part, memory_ms):.0f} ms")
    print(f"{board}: " + "; ".join(line))

# ---- Winograd F(4x4) on NEON against the direct kernels, per layer (Docs/Kernels.md, "Winograd on ARM").
# The kernel's four loops, each found by what it does, timed by llvm-mca: the GEMM (the most MACs;
# 3 tiles x 16 outputs x 1 channel pair per iteration), the input transform (the most widening
# subtractions `usubl`: 1 tile x 8 channels), the output transform (the most `mul`s, the F(4x4)
# scaling: 1 tile x 4 channels) and the requantization (`srshl`: 4 channels of a pixel).
# The direct kernels' requantization is the same loop; their inner loop is the table's.
def part(function, key):
    label, body = max(found_loops[function], key=lambda c: key(c[1]))
    return body


def count(op):
    return lambda body: sum(1 for i in body if i.split()[0] == op)


found_loops = loops(asm_dir / "neon.s")
wino4 = "q8_conv3x3_wino4x4_16x3c2__neon"
parts = {"gemm": part(wino4, lambda b: sum(macs(i) for i in b)), "input": part(wino4, count("usubl")),
         "output": part(wino4, count("mul")), "requantize": part(wino4, count("srshl"))}
L2_BYTES = 1 << 20  # Cortex-A72 (Pi 4) and A76 (Pi 5, per core 512 KB + 2 MB L3): taken as 1 MB for the U test
# the AArch64 chunk (kernels_internal.h; WINO_CHUNK_KB overrides it, to compare)
CHUNK_BYTES = int(os.environ.get("WINO_CHUNK_KB") or re.search(r"#define Q8_WINO_CHUNK_BYTES \((\d+) \* 1024\) /\* aarch64",
                  Path("Sources/CInt8Kernels/kernels_internal.h").read_text()).group(1)) * 1024
print(f"\nWinograd F(4x4), neon: loops per llvm-mca ({', '.join(f'{k} {len(v)} instructions' for k, v in parts.items())}); "
      f"chunk {CHUNK_BYTES // 1024} KB of V")


def winograd_layer(cycles, side, cin, cout):
    """Per-core cycles and DRAM bytes of one F(4x4) layer (whole map)."""
    tiles, blocks, positions = (side // 4) ** 2, (cout + 15) // 16, 36
    per_tile = cin / 8 * cycles["input"] + blocks * (positions * cin / 2 * cycles["gemm"] / 3 + 4 * cycles["output"]
                                                     + 16 * 4 * cycles["requantize"])
    chunk = max(5, CHUNK_BYTES // (positions * 2 * cin) // 5 * 5)
    u_bytes, v_bytes = positions * cin * cout * 2, positions * chunk * cin * 2
    # U is read once per chunk of tiles: from DRAM unless all of it stays in L2. A chunk's V is
    # read once per 16-output block: from L2 while the 4 cores' chunks fit in it, else from DRAM.
    dram = (side * side * (cin + cout)) + (0 if u_bytes <= L2_BYTES else -(-tiles // chunk) * u_bytes)
    if 4 * v_bytes > L2_BYTES:
        dram += -(-tiles // chunk) * v_bytes * blocks
    return tiles * per_tile, dram, u_bytes


def direct_layer(cycles, rate, side, cin, cout):
    """Per-core cycles and DRAM bytes of one direct layer: the inner loop at its rate plus requantization;
    the input map is read once per 16-output block, from DRAM when it exceeds L2."""
    blocks = (cout + 15) // 16
    compute = side * side * 9 * cin * cout / rate + side * side * blocks * 4 * cycles["requantize"]
    in_bytes = (side + 2) ** 2 * cin
    dram = side * side * cout + (in_bytes if in_bytes * 1 <= L2_BYTES else blocks * in_bytes)
    return compute, dram


for board, direct_function, cpu_index, ghz, gbps in [("Raspberry Pi 4", "q8_conv3x3_16x2c4__neon", 0, 1.8, 4.0),
                                                      ("Raspberry Pi 5", "q8_conv3x3_16x4c4__neondot", 2, 2.4, 10.0)]:
    cpu = CPUS[cpu_index][1]
    cycles = {k: mca(v, cpu)[0] for k, v in parts.items()}
    _, per_iteration, results = rows[direct_function]
    rate = per_iteration / results[cpu_index][0]
    print(f"{board} ({cpu}, {ghz} GHz x 4 cores, {gbps:.0f} GB/s): Winograd loops " +
          ", ".join(f"{k} {c:.1f}" for k, c in cycles.items()) + f" cycles; direct {direct_function} {rate:.1f} MACs/cycle")
    print(f"  {'layer':>16} {'direct ms':>9} {'wino4 ms':>9} {'U MB':>6}  (each: max of compute on 4 cores and DRAM)")
    total = {"direct": 0.0, "best": 0.0}
    for side, cin, cout in plan:
        d_cycles, d_bytes = direct_layer(cycles, rate, side, cin, cout)
        d_ms = max(d_cycles / (4 * ghz * 1e6), d_bytes / (gbps * 1e6))
        total["direct"] += d_ms
        if cin % 16 or side * side < 32 * 32:
            total["best"] += d_ms
            print(f"  {f'{side}x{side} {cin}->{cout}':>16} {d_ms:9.1f} {'-':>9}")
            continue
        w_cycles, w_bytes, u_bytes = winograd_layer(cycles, side, cin, cout)
        w_ms = max(w_cycles / (4 * ghz * 1e6), w_bytes / (gbps * 1e6))
        total["best"] += min(d_ms, w_ms)
        print(f"  {f'{side}x{side} {cin}->{cout}':>16} {d_ms:9.1f} {w_ms:9.1f} {u_bytes / 1e6:6.2f}"
              f"{'  (DRAM-bound)' if w_bytes / (gbps * 1e6) > w_cycles / (4 * ghz * 1e6) else ''}")
    print(f"  convolutions: direct only {total['direct']:.0f} ms, with F(4x4) where it is faster {total['best']:.0f} ms")
