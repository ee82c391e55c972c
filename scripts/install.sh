#!/usr/bin/env bash
# Install cls-data with everything its tests need, on a fresh Debian/Ubuntu machine with Python >= 3.10.
# Safe to run again: it installs only what is missing or out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}

# redis-server: the distributed-crawl test starts a real one on 127.0.0.1.
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "note: redis-server is missing; run 'sudo apt-get install redis-server' or the Redis crawl test is skipped" >&2
  fi
fi

# torch first and pinned: on these machines torch==2.13.0 is a local CPU build, while a bare
# `torch` requirement would pull gigabytes of CUDA wheels. Set TORCH_SPEC to choose another build.
"$python" -m pip install -q --disable-pip-version-check "${TORCH_SPEC:-torch==2.13.0}"
"$python" -m pip install -q --disable-pip-version-check -e ".[dev,report]"
