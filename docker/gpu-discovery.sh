#!/usr/bin/env bash
# Spark's resource discovery script for GPUs (spark.executor.resource.gpu.discoveryScript, or
# spark.worker.resource.gpu.discoveryScript on standalone workers): prints this host's GPU
# addresses as Spark's ResourceInformation JSON, {"name": "gpu", "addresses": ["0", "1"]}.
# INCEPTION_GPU_ADDRESSES (comma-separated) replaces nvidia-smi's list: the cluster tests give
# CPU-only workers addresses this way.
set -euo pipefail
if [ -n "${INCEPTION_GPU_ADDRESSES:-}" ]; then
  addresses=$INCEPTION_GPU_ADDRESSES
else
  addresses=$(nvidia-smi --query-gpu=index --format=csv,noheader | paste -sd, -)
fi
quoted=$(printf '%s' "$addresses" | sed -e 's/ //g' -e 's/[^,][^,]*/"&"/g')
printf '{"name": "gpu", "addresses": [%s]}\n' "$quoted"
