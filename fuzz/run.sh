#!/usr/bin/env bash
# Runs every fuzz target for SECONDS seconds each (default 30) on a scratch copy of the
# committed seed corpus, so the repository keeps only hand-made seeds and regressions.
# cargo-fuzz needs nightly flags; on the pinned stable toolchain RUSTC_BOOTSTRAP allows
# them, and `--sanitizer none` avoids the nightly-only sanitizers (libFuzzer still guides
# by coverage and every panic is a crash).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-30}"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/invoicepilot-fuzz}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for target in zengin csv_statement amounts number_format backup_reader; do
  mkdir -p "$scratch/$target"
  cp fuzz/corpus/"$target"/* "$scratch/$target/"
  echo "fuzzing $target for ${secs}s"
  # -timeout: an input slower than 10 s is a finding (a hang), not something to wait for.
  if ! cargo fuzz run --sanitizer none -O "$target" "$scratch/$target" -- \
      -max_total_time="$secs" -timeout=10 -print_final_stats=0 >"$scratch/$target.log" 2>&1; then
    grep -aE 'panicked|ERROR|SUMMARY|Test unit written' "$scratch/$target.log" | head -20 >&2 || true
    echo "FATAL: $target found a crash or a hang; reproduce with:" \
      "RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none $target fuzz/artifacts/$target/<file>" >&2
    exit 1
  fi
  grep -aE '^Done' "$scratch/$target.log" || true
done
