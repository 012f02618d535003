#!/usr/bin/env bash
# Runs `qcode count` per partition in Spark's local mode (examples/spark/count_codes.py) and
# checks the added-up table against one `qcode count - -o -` over the whole corpus. An example,
# not a test: it installs Java (Debian's default-jre-headless) and PySpark (about 300 MB, into
# a virtual environment in $SPARK_WORK, default /tmp/qcode-spark) when they are missing.
#
# Usage: examples/spark/run.sh [CORPUS.tsv CODEBOOK]
#   default: a corpus made from the demo transcripts' lines, and the demo codebook.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${SPARK_WORK:-/tmp/qcode-spark}
mkdir -p "$work"
if ! command -v java >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless) >/dev/null
fi
if [ ! -x "$work/venv/bin/python" ] || ! "$work/venv/bin/python" -c "import pyspark" 2>/dev/null; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q pyspark
fi
cargo build --release --quiet --bin qcode
export QCODE="$PWD/target/release/qcode"

corpus=${1:-}
codebook=${2:-$PWD/codebook}
if [ -z "$corpus" ]; then
  # Every paragraph of the demo transcripts as a row, its speaker label as the role, 20 times over.
  corpus=$work/corpus.tsv
  printf 'segment_id\trole\ttext\n' >"$corpus"
  for k in $(seq 1 20); do
    for f in corpus/*.txt; do
      awk -v id="$(basename "$f" .txt)-$k" -F': ' \
        '/^[A-Z][A-Za-z0-9]*: / { n++; t=substr($0, length($1) + 3); gsub(/\t/, " ", t); print id "-" n "\t" $1 "\t" t }' "$f"
    done
  done >>"$corpus"
fi
echo "corpus: $corpus ($(($(wc -l <"$corpus") - 1)) rows)"

# PySpark from PyPI starts its own JVM: plain Python runs the script in local mode.
PYSPARK_PYTHON="$work/venv/bin/python" "$work/venv/bin/python" examples/spark/count_codes.py "$corpus" "$codebook" "$work/spark.tsv" 4 2>"$work/spark.log" \
  || { tail -20 "$work/spark.log"; exit 1; }
# The same table from one process over the whole corpus, added up the same way.
"$QCODE" --quiet count - --codebook "$codebook" -o - <"$corpus" \
  | awk -F'\t' '{ s[$1 "\t" $2] += $3 } END { for (k in s) print k "\t" s[k] }' | LC_ALL=C sort >"$work/whole.tsv"
LC_ALL=C sort "$work/spark.tsv" >"$work/spark.sorted.tsv"
if cmp -s "$work/spark.sorted.tsv" "$work/whole.tsv"; then
  echo "Spark's table ($(wc -l <"$work/whole.tsv") rows) equals one qcode count over the whole corpus: $work/spark.tsv"
else
  diff "$work/spark.sorted.tsv" "$work/whole.tsv" | head; exit 1
fi
