# Cairn — the two set-up commands are `make run` and `make test` (see README.md).

GO       ?= go
BIN      := bin/cairn
BENCH    ?= full
# ICICLE_PREFIX is where `make icicle` installs icicle's native libraries.
ICICLE_PREFIX ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/cairn/icicle/v3.9.2-cpu

.PHONY: all build run test test-go test-noasm test-icicle test-boot vet fmt-check cross bench icicle icicle-gnark icicle-gpu-bundle image clean

all: build

build:
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/cairn

## run: the node on this host, embedded default config, data in $XDG_DATA_HOME/cairn or ./.cairn
run: build
	./$(BIN) run

## test: everything CI checks — formatting, vet for every tag set, all tests
## (plain, noasm, icicle when its libraries are built), an arm64 build, and
## the qemu boot test of the x86-64 and arm64 images.
test: fmt-check vet test-go test-noasm test-icicle cross test-boot

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	$(GO) vet -tags noasm ./...

test-go:
	$(GO) test -count=1 ./...

test-noasm:
	$(GO) test -count=1 -tags noasm ./accel/... ./bench/...

# The icicle tests need the native libraries from `make icicle`; without them
# this target says so and passes (CI builds them first).
ICICLE_BUILD := $(GO) run ./accel/internal/icicle/build --prefix "$(ICICLE_PREFIX)"
ICICLE_GNARK_BUILD := $(GO) run ./accel/internal/icicle/build --flavour gnark
test-icicle:
	@if env=$$($(ICICLE_BUILD) --print-env 2>/dev/null); then \
		eval "$$env" && echo "icicle: testing with $(ICICLE_PREFIX)" && \
		$(GO) vet -tags icicle ./accel/... && \
		$(GO) test -count=1 -tags icicle ./accel/... ./bench/... ./node/storage/proofs/internal/accelprove/ ./node/relay/rln/groth16/ ; \
	else \
		echo "icicle: libraries not built in $(ICICLE_PREFIX); skipping the icicle tests (run 'make icicle')"; \
	fi
	@if env=$$($(ICICLE_GNARK_BUILD) --print-env 2>/dev/null); then \
		eval "$$env" && echo "icicle: testing the icicle_gnark flavour" && \
		$(GO) vet -tags icicle,icicle_gnark ./accel/... && \
		$(GO) test -count=1 -tags icicle,icicle_gnark ./accel/msm/ ./accel/ntt/ ./accel/poseidon2/ ./node/storage/proofs/internal/accelprove/ ; \
	else \
		echo "icicle: icicle-gnark libraries not built; skipping its tests (run 'make icicle-gnark')"; \
	fi

# The boot test builds the qemu-x86_64 and qemu-arm64 images and boots each
# twice under qemu (TCG): node healthy, a file uploaded on the first boot
# read back on the second. It also builds the rpi4, rpi5 and x86_64 images
# and checks their contents (no qemu boots them). It needs qemu, OVMF/AAVMF
# and apt (.ci/run installs them); without them it skips and says why.
test-boot:
	CAIRN_BOOT_TEST=1 $(GO) test -count=1 -timeout 20m ./image/integration

cross:
	GOOS=linux GOARCH=arm64 $(GO) build ./...
	GOOS=linux GOARCH=arm64 $(GO) build -tags noasm ./...

## bench: the benchmark suite; BENCH=quick for the short version (< 2 min)
## (with the icicle backend too when `make icicle` has built its libraries)
bench:
	@tags=""; if env=$$($(ICICLE_BUILD) --print-env 2>/dev/null); then eval "$$env"; tags="-tags icicle"; fi; \
	$(GO) run $$tags ./cmd/cairn bench $(if $(filter quick,$(BENCH)),--quick) --out bench/results

## icicle: build icicle's native libraries (CPU device) into ICICLE_PREFIX, cached
icicle:
	$(ICICLE_BUILD)

## icicle-gnark: build icicle-gnark's native libraries (CPU device; tags icicle,icicle_gnark), cached
icicle-gnark:
	$(ICICLE_GNARK_BUILD)

## icicle-gpu-bundle: bin/icicle-gpu.tar.xz, to run the icicle tests and benches on CUDA on a GPU host
## without Go (icicle-gnark flavour; see accel/internal/icicle/README.md)
icicle-gpu-bundle:
	$(ICICLE_GNARK_BUILD)
	@set -e; eval "$$($(ICICLE_GNARK_BUILD) --print-env)"; prefix=$$($(ICICLE_GNARK_BUILD) --print-prefix); \
	d=bin/icicle-gpu; rm -rf $$d; mkdir -p $$d/lib-cpu; tags="-tags icicle,icicle_gnark"; \
	$(GO) build -trimpath -ldflags='-s -w' $$tags -o $$d/cairn ./cmd/cairn; \
	for p in accel/msm accel/ntt node/storage/proofs/internal/accelprove; do \
		$(GO) test -c -trimpath -ldflags='-s -w' $$tags -o $$d/$$(basename $$p).test ./$$p; done; \
	cp $$prefix/lib/*.so $$d/lib-cpu/; cp accel/internal/icicle/gpu-check.sh $$d/; \
	tar -C $$($(GO) list -m -f '{{.Dir}}' github.com/ingonyama-zk/icicle-gnark/v3) -cJf $$d/icicle-gnark-src.tar.xz icicle; \
	tar -C bin -cf - icicle-gpu | xz -T0 > bin/icicle-gpu.tar.xz; ls -la bin/icicle-gpu.tar.xz; \
	echo "copy bin/icicle-gpu.tar.xz to a GPU host, unpack it and run: icicle-gpu/gpu-check.sh OUTDIR"

## image: a flashable disk image for BOARD (qemu-x86_64, qemu-arm64, x86_64, rpi4, rpi5) in bin/cairn-$(BOARD).img;
## needs apt (kernel and systemd-boot come from Debian packages, cached in ~/.cache/cairn)
BOARD ?= qemu-x86_64
image:
	@mkdir -p bin
	$(GO) run ./cmd/cairn image build --board $(BOARD) -o bin/cairn-$(BOARD).img

clean:
	rm -rf bin
