#!/usr/bin/env bash
# Suggestion speed (issue #15: at least 2,000 segments/s per core): the ranking alone, on one
# thread and on two (examples/suggest_throughput.rs), then `qcode suggest` end to end (reading
# the index, ranking, writing the CSV), on the demo project and on the Horizon inquiry
# transcripts in ../shared/data (examples/pohi, when they are here).
# Usage: bench/suggest.sh   (from the repository root; builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin qcode --example suggest_throughput
q="$PWD/target/release/qcode"
ex="$PWD/target/release/examples/suggest_throughput"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

bench() { # project dir
  for t in 1 2; do
    RAYON_NUM_THREADS=$t "$ex" "$1"
  done
  "$q" --project "$1" --quiet index >/dev/null || true
  for t in 1 2; do
    RAYON_NUM_THREADS=$t /usr/bin/time -f "%e %M" -o "$out/time" \
      "$q" --project "$1" --quiet suggest --format csv -o "$out/s.csv"
    read -r secs kb < "$out/time"
    echo "$1: qcode suggest --format csv, $t thread(s): ${secs} s, $((kb / 1024)) MB peak, $(($(wc -l < "$out/s.csv") - 1)) rows"
  done
}

bench .
if [ -d ../shared/data/pohi-inquiry/rst ]; then
  bench examples/pohi
else
  echo "skipped examples/pohi: ../shared/data/pohi-inquiry is not here (it is not part of the repository)"
fi
