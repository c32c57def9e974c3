# VGG int8 toolchain. Quick start: `make demo`, `make test`.
SHELL := /bin/bash
SWIFT ?= swift
# System packages the build links (Debian/Ubuntu names).
APT_PACKAGES := pkg-config libopenblas-dev libpng-dev libjpeg-dev libssl-dev libcurl4-openssl-dev \
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user libsimde-dev debootstrap file binutils python3
RELEASE_BIN = $(shell $(SWIFT) build -c release --show-bin-path 2>/dev/null)
DEMO_OUT := out/demo

.PHONY: all deps build lib test fuzz test-c-api test-arm cross-aarch64 test-aarch64 dist test-dist demo bench-peak fixtures clean

all: build

## deps: install missing system packages (apt-get as root; otherwise print the command and stop)
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing system packages:$$missing"; \
	    echo "run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

build: deps
	$(SWIFT) build -c release

## lib: the C library for this machine into .build/lib/: include/vgg_int8.h, libvgg_int8.so (the Swift
## runtime inside, only vgg_* exported), libvgg_int8.a, pkg-config files (Docs/Embedding.md)
lib: deps
	Scripts/build-lib.sh

## test: unit, fixture and end-to-end tests; the C kernels natively, the ARM kernels and the whole aarch64 vgg-run under qemu;
## the apt-swiftlang build in a Debian 13 root; the dist archives
# Tests run optimized (the reference executor and calibration are slow unoptimized), in their own
# scratch folder so they never invalidate the plain release build the demo and benchmarks use.
TEST_FLAGS := -c release -Xswiftc -enable-testing --scratch-path .build/test
# A target may import only the targets it declares (SwiftPM accepts transitive ones too; Package.swift
# declares every direct import anyway).
IMPORT_CHECK := --explicit-target-dependency-import-check error
# The Swift run also writes the kernel cases the ARM driver checks against (Docs/Kernels.md).
KERNEL_CASES := .build/arm/cases.bin
test: deps
	Scripts/check-on-device-imports.sh
	$(SWIFT) build --build-tests $(TEST_FLAGS) $(IMPORT_CHECK)
	@mkdir -p .build/arm
	VGG_KERNEL_CASES=$(KERNEL_CASES) $(SWIFT) test --skip-build $(TEST_FLAGS)
	Scripts/test-tsan.sh
	VGG_KERNEL_CASES=$(KERNEL_CASES) ARM_TEST_ARGS=--require-cases Scripts/test-arm.sh
	VGG_KERNEL_CASES=$(KERNEL_CASES) Scripts/test-x86-emulated.sh
	VGG_KERNEL_CASES=$(KERNEL_CASES) KERNELS_ARGS=--require-cases Scripts/test-kernels-native.sh
	VGG_KERNEL_CASES=$(KERNEL_CASES) Scripts/test-sanitizers.sh
	FUZZ_SECONDS=20 Scripts/fuzz.sh
	Scripts/test-c-api.sh
	Scripts/cross-aarch64.sh build
	Scripts/test-aarch64-e2e.sh
	Scripts/test-debian13-swift.sh
	Scripts/dist.sh
	Scripts/test-dist.sh

## test-c-api: make lib, then the C example against vgg-run, the C API on 4 pthreads under ASan and UBSan,
## the Python module (python/)
test-c-api: deps
	$(SWIFT) build $(TEST_FLAGS) --product vgg-quantize
	$(SWIFT) build $(TEST_FLAGS) --product vgg-run
	Scripts/test-c-api.sh

## fuzz: every parser under libFuzzer + ASan, FUZZ_SECONDS each (default 600), after the committed
## regression inputs (Scripts/fuzz.sh; make test runs 20 s each)
fuzz: deps
	Scripts/fuzz.sh

## test-arm: the ARM kernels under qemu-aarch64 (cortex-a53, cortex-a72, cortex-a76, max) against the Swift reference
test-arm: deps
	$(SWIFT) build --build-tests $(TEST_FLAGS) $(IMPORT_CHECK)
	@mkdir -p .build/arm
	VGG_KERNEL_CASES=$(KERNEL_CASES) $(SWIFT) test --skip-build $(TEST_FLAGS) --filter KernelCaseFileTests
	VGG_KERNEL_CASES=$(KERNEL_CASES) ARM_TEST_ARGS=--require-cases Scripts/test-arm.sh

## cross-aarch64: vgg-run for aarch64 Linux with Debian 13's Swift, into .build/aarch64/ (root; the
## toolchain is cached in $(VGG_CROSS_CACHE), default /var/cache/vgg-int8/cross-aarch64)
cross-aarch64: deps
	Scripts/cross-aarch64.sh build

## test-aarch64: the cross-built vgg-run under qemu-aarch64 (4 CPUs x 1, 2, 4 threads) against the x86 build
test-aarch64: deps cross-aarch64
	$(SWIFT) build $(TEST_FLAGS) --product vgg-quantize
	$(SWIFT) build $(TEST_FLAGS) --product vgg-run
	Scripts/test-aarch64-e2e.sh

## dist: dist/vgg-run-VERSION-{aarch64,x86_64}-linux.tar.gz and SHA256SUMS
dist: deps
	Scripts/dist.sh

## test-dist: check the archives as a user receives them
test-dist: deps
	$(SWIFT) build $(TEST_FLAGS) --product vgg-quantize
	$(SWIFT) build $(TEST_FLAGS) --product vgg-run
	Scripts/test-dist.sh

## demo: the main job on the bundled defaults
DIGITS := Tests/Fixtures/digits
demo: build
	@mkdir -p $(DEMO_OUT)
	@echo "== quantize the bundled trained model (vgg11_bn at 1/8 width, handwritten digits) on its calibration images"
	$(RELEASE_BIN)/vgg-quantize --weights $(DIGITS)/vgg11_bn-digits.pth --calibration $(DIGITS)/calibration \
	  --labels $(DIGITS)/labels.txt --resize 32 --crop 32 --mean 0.3053,0.3053,0.3053 --std 0.3234,0.3234,0.3234 \
	  -o $(DEMO_OUT)/digits.vq8
	$(RELEASE_BIN)/vgg-quantize inspect $(DEMO_OUT)/digits.vq8
	@echo "== run the int8 blob on held-out digits (true labels: $$(sed -n '2,5p' $(DIGITS)/heldout/labels.csv | cut -d, -f2 | tr '\n' ' '))"
	$(RELEASE_BIN)/vgg-run $(DEMO_OUT)/digits.vq8 --top 1 $$(sed -n '2,5p' $(DIGITS)/heldout/labels.csv | cut -d, -f1 | sed 's|^|$(DIGITS)/heldout/|')
	@echo "== int8 against fp32 on all 360 held-out digits (report: $(DEMO_OUT)/digits-report.html)"
	$(RELEASE_BIN)/vgg-quantize eval --weights $(DIGITS)/vgg11_bn-digits.pth --blob $(DEMO_OUT)/digits.vq8 \
	  --images $(DIGITS)/heldout --labels $(DIGITS)/heldout/labels.csv \
	  --json $(DEMO_OUT)/digits-report.json --html $(DEMO_OUT)/digits-report.html
	@echo "== int8 latency of the digits blob"
	$(RELEASE_BIN)/vgg-run $(DEMO_OUT)/digits.vq8 --benchmark 50 $(DIGITS)/heldout/0000.png | head -1
	@echo "== the same model for x86 AVX2 (--target x86_64-avx2: pair-bounded weights, the vpmaddubsw kernel): fidelity and latency"
	$(RELEASE_BIN)/vgg-quantize --weights $(DIGITS)/vgg11_bn-digits.pth --calibration $(DIGITS)/calibration \
	  --labels $(DIGITS)/labels.txt --resize 32 --crop 32 --mean 0.3053,0.3053,0.3053 --std 0.3234,0.3234,0.3234 \
	  --target x86_64-avx2 -o $(DEMO_OUT)/digits-x86_64-avx2.vq8
	$(RELEASE_BIN)/vgg-quantize eval --weights $(DIGITS)/vgg11_bn-digits.pth --blob $(DEMO_OUT)/digits-x86_64-avx2.vq8 \
	  --images $(DIGITS)/heldout --labels $(DIGITS)/heldout/labels.csv | grep -E "accuracy|agreement|SQNR|kernel"
	$(RELEASE_BIN)/vgg-run $(DEMO_OUT)/digits-x86_64-avx2.vq8 --benchmark 50 $(DIGITS)/heldout/0000.png | head -1
	@hub="$${TORCH_HOME:-$$HOME/.cache/torch}/hub/checkpoints"; \
	for f in $$hub/vgg*-*.pth; do \
	  [ -f "$$f" ] || continue; name=$$(basename $$f .pth); \
	  echo "== torchvision checkpoint found in the hub cache: $$f"; \
	  $(RELEASE_BIN)/vgg-quantize --weights $$f --calibration Calibration -o $(DEMO_OUT)/$$name.vq8 --threads 2 && \
	  $(RELEASE_BIN)/vgg-quantize eval --weights $$f --blob $(DEMO_OUT)/$$name.vq8 --images Calibration \
	    --html $(DEMO_OUT)/$$name-report.html --threads 2 || exit 1; \
	done
	@echo "== quantize the bundled reduced-width vgg16_bn (seeded random weights) on the Calibration/ photos"
	$(RELEASE_BIN)/vgg-quantize --arch vgg16_bn --weights Tests/Fixtures/models/vgg16_bn.pth --calibration Calibration \
	  -o $(DEMO_OUT)/vgg16_bn-small.vq8
	$(RELEASE_BIN)/vgg-run $(DEMO_OUT)/vgg16_bn-small.vq8 --top 3 Tests/Fixtures/images/chelsea.jpg
	@echo "== fp32 reference engine on bundled photos"
	$(RELEASE_BIN)/vgg-quantize reference --arch vgg16_bn --weights Tests/Fixtures/models/vgg16_bn.pth \
	  --top 3 --logits-out $(DEMO_OUT)/reference-logits.npy \
	  Tests/Fixtures/images/astronaut.jpg Tests/Fixtures/images/chelsea.jpg Tests/Fixtures/images/coffee.png

## bench-peak: this core's int8 multiply-accumulate peak, and the conv kernels against it (x86-64)
BENCH_CC ?= cc
bench-peak:
	@mkdir -p .build/bench
	$(BENCH_CC) -O2 -mavx2 -pthread Benchmarks/peak/peak.c -o .build/bench/peak && .build/bench/peak 2
	$(BENCH_CC) -O2 -I Sources/CInt8Kernels/include Benchmarks/kernels/bench.c \
	  $$(find Sources/CInt8Kernels -name '*.c') -o .build/bench/q8bench && .build/bench/q8bench

## fixtures: regenerate the committed fixtures (needs torch; FIXTURE_PYTHON points at a venv with it)
FIXTURE_PYTHON ?= /opt/torchenv/bin/python
fixtures:
	$(FIXTURE_PYTHON) Scripts/fixtures/models.py
	$(FIXTURE_PYTHON) Scripts/fixtures/checkpoints.py
	$(FIXTURE_PYTHON) Scripts/fixtures/images.py

clean:
	rm -rf .build out dist
