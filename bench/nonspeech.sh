#!/usr/bin/env bash
# Counts, on the real Horizon inquiry transcripts (../shared/data/pohi-inquiry), the segments
# whose text still holds a line that is not speech: an oath or affirmation (`(sworn)`,
# `(affirmed)`), a bare time (`10.05 am`), a reST/Markdown heading, or an all-caps heading line.
# qcode's non-speech rules (README: Transcripts) should leave none inside a turn.
# Usage: bench/nonspeech.sh   (from the repository root; builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d ../shared/data/pohi-inquiry/rst ]; then
  echo "skipped: ../shared/data/pohi-inquiry is not here (it is not part of the repository)"
  exit 0
fi
cargo build --release --quiet
q="$PWD/target/release/qcode"
"$q" --project examples/pohi --quiet index >/dev/null || true
count=$(mktemp)
cat > "$count" <<'PY'
import csv, re, sys
csv.field_size_limit(1 << 30)
rules = {
    "oath": re.compile(r"\((sworn|affirmed)\)", re.I),
    "time": re.compile(r"^\s*\(?\d{1,2}[.:]\d{2}\s*(am|pm)\)?\s*$", re.I | re.M),
    "heading": re.compile(r"^\s*(#{1,6} |[=\-~^]{4,}\s*$)", re.M),
    "caps": re.compile(r"^\s*[A-Z][A-Z ,.()'’-]{8,}\s*$", re.M),
}
n = 0
found = {k: 0 for k in rules}
for row in csv.DictReader(sys.stdin):
    n += 1
    for k, r in rules.items():
        if r.search(row["text"]):
            found[k] += 1
print(f"{n} segments; segments holding a line that is not speech: " + ", ".join(f"{k} {v}" for k, v in found.items()))
PY
"$q" --project examples/pohi --quiet export wide --format csv | python3 "$count"
rm -f "$count"
