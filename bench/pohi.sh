#!/usr/bin/env bash
# Times `qcode index` (cold and no-op) on the demo project and on the real Horizon inquiry
# transcripts in ../shared/data/pohi-inquiry, and the median wall time of `qcode search` (process
# start, up-to-date check and search together) over a set of mixed queries there.
# Usage: bench/pohi.sh   (from the repository root; builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
q="$PWD/target/release/qcode"
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

time_index() { # project dir
  local t0 t1 t2
  t0=$(now); "$q" --project "$1" --quiet index --rebuild >/dev/null || true; t1=$(now)
  "$q" --project "$1" --quiet index >/dev/null || true; t2=$(now)
  echo "$1: cold index $(ms "$t0" "$t1") ms, no-op index $(ms "$t1" "$t2") ms"
}

time_index .
pohi=examples/pohi
if [ ! -d ../shared/data/pohi-inquiry/rst ]; then
  echo "skipped: ../shared/data/pohi-inquiry is not here (it is not part of the repository)"
  exit 0
fi
echo "corpus: $(du -sh ../shared/data/pohi-inquiry/rst | cut -f1)"
time_index "$pohi"
queries=(
  'trust' 'shortfall*' '"horizon system"' 'apolog* OR sorry' 'bug* -remote' '"suspended" OR suspension'
  'audit* accountant' '"post office" investigator*' 'money --role facilitator' 'family --speaker facilitator'
  'prosecut*' '"i was told"' 'helpline' 'stress* OR anxiety' 'court --role sir_wyn_williams'
  'training' '"branch user forum"' 'fujitsu engineer*' 'compensation' 'debt*'
)
times=()
for _ in 1 2 3 4 5; do
  for query in "${queries[@]}"; do
    t0=$(now)
    if [[ "$query" == *" --"* ]]; then
      base="${query%% --*}"; rest="--${query#* --}"
      # shellcheck disable=SC2086
      "$q" --project "$pohi" --quiet search "$base" $rest -n 20 >/dev/null || true
    else
      "$q" --project "$pohi" --quiet search "$query" -n 20 >/dev/null || true
    fi
    t1=$(now)
    times+=("$(( (t1 - t0) / 1000 ))")
  done
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
n=${#times[@]}
p50=$(sed -n "$(( (n + 1) / 2 ))p" <<<"$sorted")
p99=$(sed -n "$(( (n * 99 + 99) / 100 ))p" <<<"$sorted")
echo "search over $n runs of ${#queries[@]} queries: p50 $((p50 / 1000)).$(( (p50 % 1000) / 100 )) ms, p99 $((p99 / 1000)).$(( (p99 % 1000) / 100 )) ms (wall time per command)"
