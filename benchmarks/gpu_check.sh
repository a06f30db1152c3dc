#!/usr/bin/env bash
# The one-shot GPU check for a lent H100/H200 (README, Performance): under 9 minutes, it
# installs the wheels carried from the development machine, builds full-size FLUX.1-dev with
# random weights on the GPU and runs `bench` at 1024x1024 for bf16 eager, fused QKV, regional
# compile, FP8 weights, and group offload + FP8 with the GPU capped to 24 GB, each beside the
# stock FluxPipeline on the same weights. Results: $OUT/gpu_check.json and $OUT/gpu_check.md.
#
#   benchmarks/gpu_check.sh --prepare   here, once: download the wheels into .gpu_wheels/ (~45 MB)
#   benchmarks/gpu_check.sh             on the GPU machine (carry .gpu_wheels)
#   benchmarks/gpu_check.sh --tiny      the CPU dry run with the tiny model (a test runs it)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
WHEELS=${SFS_GPU_WHEELS:-.gpu_wheels}
OUT=${OUT:-$PWD/gpu-check-out}
case "${1:-}" in
    --prepare)
        mkdir -p "$WHEELS"
        "$PYTHON" benchmarks/gpu_wheel_list.py >"$WHEELS/requirements.txt"
        "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: -d "$WHEELS" -r "$WHEELS/requirements.txt"
        echo "gpu_check: wheels in $WHEELS ($(du -sh "$WHEELS" | cut -f1)); carry it to the GPU machine"
        exit 0
        ;;
    --tiny)
        shift
        export SFS_COMPILE_BACKEND=eager  # the same compile path without generating kernels
        exec "$PYTHON" benchmarks/gpu_check.py --tiny --out "$OUT" "$@"
        ;;
esac

if [ -f "$WHEELS/requirements.txt" ]; then
    # All at once; if one wheel does not suit this Python, one by one (what is installed already stays).
    if ! "$PYTHON" -m pip install --quiet --no-index --no-deps --find-links "$WHEELS" -r "$WHEELS/requirements.txt"; then
        while read -r requirement; do
            "$PYTHON" -m pip install --quiet --no-index --no-deps --find-links "$WHEELS" "$requirement" 2>/dev/null ||
                echo "gpu_check: kept the image's own ${requirement%%==*}"
        done <"$WHEELS/requirements.txt"
    fi
fi
if ! "$PYTHON" -c "import diffusers, transformers, accelerate, safetensors" 2>/dev/null; then
    echo "gpu_check: diffusers, transformers or accelerate is missing: run 'benchmarks/gpu_check.sh --prepare'" \
         "on the development machine and carry $WHEELS" >&2
    exit 1
fi
# 8.5 minutes for the measurements, so the whole check stays under 9 with the install.
timeout --signal=INT 510 "$PYTHON" benchmarks/gpu_check.py --out "$OUT" "$@"
