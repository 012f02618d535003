#!/usr/bin/env bash
# Times each export (and its peak memory) on a project, with 1 and 2 rayon threads.
# Usage: bench/exports.sh [PROJECT_DIR]   (default: examples/pohi, the Horizon inquiry
# transcripts in ../shared/data coded with the bundled codebook; builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
project=${1:-examples/pohi}
if [ "$project" = examples/pohi ] && [ ! -d ../shared/data/pohi-inquiry/rst ]; then
  echo "skipped: ../shared/data/pohi-inquiry is not here (it is not part of the repository)"
  exit 0
fi
cargo build --release --quiet
q="$PWD/target/release/qcode"
out=$(mktemp -d)
"$q" --project "$project" --quiet index >/dev/null || true
exports=(
  "quotes"
  "wide"
  "crosstab --rows component --cols role"
  "crosstab --rows role --cols stakeholder --by component --count interviews --percent row"
  "cooccur --measure jaccard"
  "framework --of component"
)
printf '%-88s %8s %8s %10s\n' "export" "1 thread" "2 threads" "peak RSS"
for e in "${exports[@]}"; do
  row=()
  for t in 1 2; do
    # shellcheck disable=SC2086
    RAYON_NUM_THREADS=$t /usr/bin/time -f "%e %M" -o "$out/time" "$q" --project "$project" --quiet export $e -o "$out/x.csv"
    read -r secs kb < "$out/time"
    row+=("${secs}s")
    rss="$((kb / 1024)) MB"
  done
  printf '%-88s %8s %8s %10s\n' "$e" "${row[0]}" "${row[1]}" "$rss"
done
rm -rf "$out"
