#!/usr/bin/env bash
# Search per command against process start (issue #21): builds the release binary, indexes a
# corpus (the Horizon inquiry transcripts in ../shared/data/pohi-inquiry when present, else one
# generated from the demo corpus), runs 100 mixed queries (words, phrases, prefixes, booleans,
# NEAR, role, speaker and code filters), each as its own process, and prints the p50 and p99
# wall time of `qcode search` and of `qcode --version` (the cost of starting the process at
# all), and their ratio. Target: search p50 ≤ 1.6 × --version p50.
#
# Usage: bench/search.sh [ROUNDS]   (from anywhere; ROUNDS repeats the 100 queries, default 3)
# QCODE_BIN=path skips the build and times that binary instead. QCODE_SERVE=1 starts `qcode serve`
# for the project first (stopped at the end), so that the searches are answered by it.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
if [ -n "${QCODE_BIN:-}" ]; then
  q=$QCODE_BIN
else
  cargo build --release --quiet --bin qcode
  q="$PWD/target/release/qcode"
fi

if [ -d ../shared/data/pohi-inquiry/rst ]; then
  project=examples/pohi
  echo "corpus: pohi-inquiry ($(du -sh ../shared/data/pohi-inquiry/rst | cut -f1)), project $project"
  roles=(facilitator sir_wyn_williams)
  speakers=(facilitator)
else
  # The demo corpus, 60 copies with their own ids: about 10 MB of transcripts.
  project=$(mktemp -d "${TMPDIR:-/tmp}/qcode-search-bench.XXXXXX")
  TMPDIR_PROJECT=$project
  trap 'rm -rf "$project"' EXIT
  mkdir -p "$project/corpus"
  cp -r codebook "$project/codebook"
  for k in $(seq 1 60); do
    for f in corpus/*.txt; do
      b=$(basename "$f" .txt)
      sed "s/^id: .*/id: $b-$k/" "$f" >"$project/corpus/$b-$k.txt"
    done
  done
  echo "corpus: generated ($(du -sh "$project/corpus" | cut -f1)), project $project"
  roles=(councillor council_officer)
  speakers=(interviewer)
fi

"$q" --project "$project" --quiet index >/dev/null || true

words=(trust money training compensation helpline court apology stress family council
  meeting paperwork officer community funding evidence system problem branch manager)
phrases=('"post office"' '"horizon system"' '"i was told"' '"branch user forum"' '"local trust"'
  '"regular meeting*"' '"the council"' '"a lot of"' '"we were"' '"in the end"')
prefixes=('shortfall*' 'prosecut*' 'bureaucra*' 'polic*' 'debt*' 'audit*' 'invest*' 'relation*'
  'volunteer*' 'partner*')
booleans=('apolog* OR sorry' 'bug* -remote' '"suspended" OR suspension' 'audit* accountant'
  'stress* OR anxiety' 'money NOT council' '(trust OR confidence) AND officer*' 'fujitsu engineer*'
  'meeting -online' '(paperwork OR bureaucra*) NOT council')
nears=('trust NEAR/3 council' 'money NEAR/5 branch' 'meeting NEAR/4 officer*' 'post NEAR/2 office'
  'system NEAR/6 problem')
codes=(trust dialogue council residents funder partnership volunteers flexibility ownership recognise)
queries=()
for w in "${words[@]}"; do queries+=("$w"); done
for p in "${phrases[@]}"; do queries+=("$p"); done
for p in "${prefixes[@]}"; do queries+=("$p"); done
for b in "${booleans[@]}"; do queries+=("$b"); done
for n in "${nears[@]}"; do queries+=("$n"); done
# Filters: by role, by speaker, by code (with and without words), and the interviewer too.
i=0
for w in "${words[@]:0:10}"; do
  queries+=("$w --role ${roles[$((i % ${#roles[@]}))]}"); i=$((i + 1))
done
for w in "${words[@]:10:5}"; do queries+=("$w --speaker ${speakers[0]}"); done
for c in "${codes[@]}"; do queries+=(" --code $c"); done
i=0
for w in "${words[@]:5:10}"; do queries+=("$w --code ${codes[$(( (i * 3) % 10 ))]}"); i=$((i + 1)); done
for w in "${words[@]:0:5}"; do queries+=("$w --include-interviewer"); done
for p in "${prefixes[@]:0:5}"; do queries+=("$p -n 5"); done
echo "queries: ${#queries[@]}"

now() { date +%s%N; }
run_search() { # query [flags]
  local query=$1 base rest
  if [[ "$query" == *" -"[-n]* ]]; then
    base="${query%% -*}"; rest="-${query#* -}"
    # shellcheck disable=SC2086
    "$q" --project "$project" --quiet search "$base" $rest >/dev/null || true
  else
    "$q" --project "$project" --quiet search "$query" >/dev/null || true
  fi
}
if [ -n "${QCODE_SERVE:-}" ]; then
  "$q" --project "$project" --quiet serve --idle 600 &
  server=$!
  trap 'kill "$server" 2>/dev/null || true; rm -f "$project/.qcode/serve.sock"; [ -n "${TMPDIR_PROJECT:-}" ] && rm -rf "$TMPDIR_PROJECT"' EXIT
  for _ in $(seq 1 100); do [ -S "$project/.qcode/serve.sock" ] && break; sleep 0.05; done
  echo "answered by qcode serve (pid $server)"
  run_search "${queries[0]}"
fi
search_us=(); version_us=()
for _ in $(seq 1 "$rounds"); do
  for query in "${queries[@]}"; do
    # Alternated, so both see the same machine load.
    t0=$(now); "$q" --version >/dev/null; t1=$(now)
    version_us+=("$(( (t1 - t0) / 1000 ))")
    t0=$(now); run_search "$query"; t1=$(now)
    search_us+=("$(( (t1 - t0) / 1000 ))")
  done
done

pct() { # percentile values...
  local p=$1; shift
  local sorted n
  sorted=$(printf '%s\n' "$@" | sort -n); n=$#
  sed -n "$(( (n * p + 99) / 100 ))p" <<<"$sorted"
}
ms() { printf '%d.%02d' $(( $1 / 1000 )) $(( ($1 % 1000) / 10 )); }
s50=$(pct 50 "${search_us[@]}"); s99=$(pct 99 "${search_us[@]}")
v50=$(pct 50 "${version_us[@]}"); v99=$(pct 99 "${version_us[@]}")
echo "qcode search    over ${#search_us[@]} runs: p50 $(ms "$s50") ms, p99 $(ms "$s99") ms"
echo "qcode --version over ${#version_us[@]} runs: p50 $(ms "$v50") ms, p99 $(ms "$v99") ms"
ratio=$(( s50 * 100 / (v50 > 0 ? v50 : 1) ))
echo "ratio p50 search / --version: $(( ratio / 100 )).$(printf '%02d' $(( ratio % 100 )))× (target ≤ 1.60×)"
