#!/usr/bin/env bash
# Times `qcode report` on the Horizon inquiry transcripts (examples/pohi over
# ../shared/data/pohi-inquiry, about 268,000 segments), the page's size, its peak memory, and how
# long headless Chromium takes to load and lay it out (--dump-dom, then --screenshot); the target
# is a render under 5 s. Timing only: the tests never judge a time.
# Usage: bench/report.sh [QUOTES]   (from anywhere; builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
quotes=${1:-3}
pohi=examples/pohi
if [ ! -d ../shared/data/pohi-inquiry/rst ]; then
  echo "skipped: ../shared/data/pohi-inquiry is not here (it is not part of the repository)"
  exit 0
fi
chromium=$(command -v chromium || command -v chromium-browser || true)
cargo build --release --quiet
q="$PWD/target/release/qcode"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

# The index first, so the report's time is its own.
"$q" --project "$pohi" --quiet index >/dev/null || true
t0=$(now)
/usr/bin/time -f "%M" -o "$out/rss" "$q" --project "$pohi" --quiet report --quotes "$quotes" -o "$out/report.html"
t1=$(now)
echo "qcode report --quotes $quotes: $(ms "$t0" "$t1") ms, peak RSS $(( $(cat "$out/rss") / 1024 )) MiB, page $(( $(stat -c %s "$out/report.html") / 1024 )) KiB"
grep -o '<b id="uncoded-count">[0-9]*</b> of [0-9]* respondent segments' "$out/report.html" | sed 's/<[^>]*>//g; s/$/ uncoded/'

if [ -z "$chromium" ]; then
  echo "skipped the render: Chromium is not installed (Debian: chromium)"
  exit 0
fi
render() { # what (--dump-dom or --screenshot=FILE)
  local t0 t1
  t0=$(now)
  timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$out/profile" --window-size=1200,900 "$1" "file://$out/report.html" \
    >"$out/dom" 2>/dev/null || echo "Chromium failed or ran past 60 s ($1)"
  t1=$(now)
  echo "headless Chromium $1: $(ms "$t0" "$t1") ms"
}
render --dump-dom
grep -q 'id="heatmap"' "$out/dom" || echo "the rendered DOM has no heatmap"
render --screenshot="$out/report.png"
