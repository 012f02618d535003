#!/usr/bin/env bash
# Learned suggestions on pdpilot-dev (issue #18): four real interviews coded in MAXQDA, in
# ../shared (not part of the repository). Each rotation imports the coded segments of three
# interviews as coder `dev`, suggests with `qcode suggest --learn-from dev` for the fourth, and
# scores that with ../shared/eval/suggest_eval.py (micro P/R/F1 over the study's frequent codes,
# respondent segments of 8 words or more); the last line scores the four rotations pooled.
# Usage: bench/learn_eval.sh   (from the repository root; builds the debug binary first)
#   QCODE=path/to/qcode          use that binary instead
#   QCODE_LEARN_PARAMS='{...}'   train with other choices (every field of LearnParams, JSON):
#                                how the variants in README's "Learned suggestions" were run
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/data/pdpilot-dev
evalpy=../shared/eval/suggest_eval.py
if [ ! -d "$data" ] || [ ! -f "$evalpy" ]; then
  echo "SKIPPED: $data or $evalpy is not here (they are not part of the repository)"
  exit 0
fi
data=$(cd "$data" && pwd)
evalpy=$(cd "$(dirname "$evalpy")" && pwd)/$(basename "$evalpy")
if [ -z "${QCODE:-}" ]; then
  cargo build --quiet --bin qcode
  QCODE="$PWD/target/debug/qcode"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# The rows of coded_segments.csv whose document is (or, with -v, is not) $2, into $3.
rows() { # in doc out [invert]
  python3 - "$@" <<'PY'
import csv, sys
src, doc, dst = sys.argv[1:4]; invert = len(sys.argv) > 4
rows = list(csv.DictReader(open(src, encoding="utf-8-sig")))
w = csv.DictWriter(open(dst, "w", encoding="utf-8", newline=""), fieldnames=list(rows[0]))
w.writeheader()
w.writerows(r for r in rows if (r["document"] == doc) != invert)
PY
}

for p in P1 P2 P3 P4; do
  d="$out/$p"
  mkdir -p "$d/corpus" "$d/codebook"
  cp "$data"/transcripts/*.txt "$d/corpus/"
  printf '[roles.interviewer]\nlabel = "Interviewer"\naliases = ["Dan"]\n\n[roles.participant]\nlabel = "Participant"\n' > "$d/codebook/roles.toml"
  rows "$data/coded_segments.csv" "$p" "$d/train.csv" invert
  rows "$data/coded_segments.csv" "$p" "$out/test-$p.csv"
  "$QCODE" --project "$d" --quiet import codings "$d/train.csv" --coder dev >/dev/null
  "$QCODE" --project "$d" --quiet suggest --learn-from dev --interview "$p" --format csv -o "$out/suggest-$p.csv"
  "$QCODE" --project "$d" --quiet export wide --format csv -o "$out/wide.csv" --force
  "$QCODE" --project "$d" --quiet codes --format csv > "$out/codes.csv"
  echo -n "held out $p: "
  python3 "$evalpy" learn "$data/coded_segments.csv" "$out/test-$p.csv" "$out/wide.csv" \
    "$out/suggest-$p.csv" "$out/codes.csv" 0 || true
done
head -1 "$out/suggest-P1.csv" > "$out/suggest-all.csv"
for p in P1 P2 P3 P4; do tail -n +2 "$out/suggest-$p.csv" >> "$out/suggest-all.csv"; done
echo -n "all four pooled: "
python3 "$evalpy" learn "$data/coded_segments.csv" "$data/coded_segments.csv" "$out/wide.csv" \
  "$out/suggest-all.csv" "$out/codes.csv" 0.45 || true
