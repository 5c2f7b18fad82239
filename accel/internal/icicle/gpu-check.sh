#!/bin/bash
# gpu-check.sh: on a GPU host without Go, build icicle-gnark's CUDA backend,
# run Cairn's icicle tests on CUDA and the MSM and storage-proof benches.
#
# It runs from the bundle `make icicle-gpu-bundle` writes (bin/icicle-gpu.tar.xz:
# this script, the cairn binary and the icicle test binaries built with
# -tags icicle,icicle_gnark, the CPU-device libraries they were linked with,
# and icicle-gnark's C++/CUDA source). Needs nvcc (CUDA 12.2+), cmake >= 3.18,
# g++ and xz. Usage, in the unpacked bundle:
#
#	./gpu-check.sh OUTDIR         # CUDA_ARCH=90 for H100/H200 (default: native)
#
# SKIP_BENCH=1 stops after the tests; DEVICE=CPU runs the tests on icicle's CPU
# device instead (a rehearsal on a machine without a GPU: put the bundle's
# lib-cpu/*.so into a lib/ folder, tar it as cuda-libs.tar.xz beside the script).
# OUTDIR gets run.log, the build and test logs, accel-info.txt, the bench
# JSON/SVG files, and cuda-libs.tar.xz: unpack that beside a later run's
# bundle as cuda-libs.tar.xz to skip the CUDA build (about 5 min on 16 cores).
# The storage-proof bench sets up the N=100 key first (about 1 min on 16
# cores, 270 MB in ~/.cache/cairn/bench-proof-keys), in the background while
# nvcc runs.
set -u
OUT=$(mkdir -p "${1:?usage: gpu-check.sh OUTDIR}" && cd "$1" && pwd)
B=$(cd "$(dirname "$0")" && pwd)
exec > >(tee -a "$OUT/run.log") 2>&1
T0=$(date +%s); t() { echo "== $(( $(date +%s) - T0 ))s: $*"; }
t start
export PATH=$PATH:/usr/local/cuda/bin
nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv
nvcc --version | tail -1; echo "cores: $(nproc)"
W=${WORK:-/tmp/cairn-gpu-check}; P=$W/icicle
mkdir -p "$W/src" "$P"
tar -xJf "$B/icicle-gnark-src.tar.xz" -C "$W/src" || exit 1

(LD_LIBRARY_PATH="$B/lib-cpu" CAIRN_ACCEL=go nice -n 10 "$B/cairn" bench --filter "storage-prove N=100" \
  --backend go --rounds 1 --out "" > "$OUT/key-setup.log" 2>&1; echo "key setup rc=$? at $(( $(date +%s) - T0 ))s" >> "$OUT/key-setup.log") &
KEYS=$!

if [ -f "$B/cuda-libs.tar.xz" ]; then
  tar -xJf "$B/cuda-libs.tar.xz" -C "$P"
else
  arch=(); [ -n "${CUDA_ARCH:-}" ] && arch=(-DCUDA_ARCH="$CUDA_ARCH")
  # The same configuration as `go run ./accel/internal/icicle/build --flavour gnark --cuda`.
  cmake -S "$W/src/icicle" -B "$W/build" -DCURVE=bn254 -DCPU_BACKEND=ON -DCUDA_BACKEND=ON "${arch[@]}" \
    -DMSM=ON -DG2=OFF -DNTT=ON -DBUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$P" \
    > "$OUT/configure.log" 2>&1 || { tail -40 "$OUT/configure.log"; exit 1; }
  t configured
  timeout "${BUILD_TIMEOUT:-1800}" cmake --build "$W/build" -j"$(nproc)" --target install > "$OUT/build.log" 2>&1 \
    || { grep -m20 -A6 " error" "$OUT/build.log"; tail -20 "$OUT/build.log"; t "build failed"; exit 1; }
  t built
  tar -C "$P" -cf - lib | xz -1 -T0 > "$OUT/cuda-libs.tar.xz"
fi
find "$P/lib" -name "*.so" -printf "%s %p\n"
mkdir -p "$P/lib/backend"
export LD_LIBRARY_PATH="$P/lib" ICICLE_BACKEND_INSTALL_DIR="$P/lib/backend" CAIRN_ICICLE_DEVICE=${DEVICE:-CUDA}
"$B/cairn" accel info > "$OUT/accel-info.txt" 2>&1; grep -E "GPU|msm|ntt" "$OUT/accel-info.txt"

fail=0
for name in msm ntt accelprove; do
  t "test $name"
  # Test binaries read testdata relative to their package; none of these needs any.
  (cd "$W" && timeout 300 "$B/$name.test" -test.count=1 -test.v > "$OUT/test-$name.log" 2>&1)
  rc=$?; [ $rc -ne 0 ] && fail=1
  L="$OUT/test-$name.log"
  echo "rc=$rc pass=$(grep -c -- '--- PASS' "$L") skip=$(grep -c -- '--- SKIP' "$L") fail=$(grep -c -- '--- FAIL' "$L")"
  grep -E -- "--- (FAIL|SKIP)" "$L" | head -8
done

if [ -n "${SKIP_BENCH:-}" ]; then pkill -P $KEYS; kill $KEYS 2>/dev/null; t done; exit $fail; fi
t "waiting for the key setup"; wait $KEYS; tail -4 "$OUT/key-setup.log"
t bench-msm
timeout 600 "$B/cairn" bench --filter msm --out "$OUT/msm" 2>/dev/null
for n in 5 100; do
  t "bench storage-prove N=$n"
  timeout 900 "$B/cairn" bench --filter "storage-prove N=$n" --out "$OUT/storage$n" 2>/dev/null
done
t done
exit $fail
