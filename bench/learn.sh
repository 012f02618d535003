#!/usr/bin/env bash
# Learned suggestions' speed (issue #18: training on 1,000 coded segments under 10 s; suggesting
# at least 2,000 segments/s per core). The demo corpus copied ten times over (160 interviews,
# about 4,500 respondent segments); a coder `bench` has "coded" the first three copies (about
# 1,300 respondent segments) with the demo codebook's pattern codes. Times, on one thread and
# on two: `qcode suggest --learn-from bench` trained from scratch (training, then suggesting for
# every segment), then again from the cached model (suggesting only), and `--evaluate`. CPU time
# is shown beside wall time: on a shared machine the wall time says more about the others' load.
# Usage: bench/learn.sh   (from the repository root; builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin qcode
q="$PWD/target/release/qcode"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
p="$out/project"
mkdir -p "$p/corpus" "$p/codings"
cp -r codebook "$p/"
for k in $(seq -w 1 10); do
  for f in corpus/*.txt; do
    id=$(basename "$f" .txt)
    sed "s/^id: $id\$/id: $id-x$k/" "$f" > "$p/corpus/$id-x$k.txt"
  done
done
"$q" --project "$p" --quiet index >/dev/null
"$q" --project "$p" --quiet export quotes --format csv -o "$out/quotes.csv"
python3 - "$out/quotes.csv" "$p/codings/bench.csv" <<'PY'
import csv, sys
rows = csv.DictReader(open(sys.argv[1], encoding="utf-8"))
w = csv.writer(open(sys.argv[2], "w", encoding="utf-8", newline=""))
w.writerow(["segment_id", "code"])
for r in rows:
    if r["interview"].endswith(("-x01", "-x02", "-x03")):
        w.writerow([r["segment_id"], r["code"]])
PY
segs=$("$q" --project "$p" --quiet export wide --format csv | python3 -c 'import csv,sys; print(sum(1 for _ in csv.DictReader(sys.stdin)))')
coded=$(python3 -c 'import csv,sys; print(len({r["segment_id"] for r in csv.DictReader(open(sys.argv[1]))}))' "$p/codings/bench.csv")
echo "$segs respondent segments; coder bench coded $coded segments in 48 interviews"
timed() { # label threads args...
  local label=$1 t=$2; shift 2
  RAYON_NUM_THREADS=$t /usr/bin/time -f "%e %U %S %M" -o "$out/time" "$q" --project "$p" --quiet "$@" >/dev/null
  read -r secs user sys kb < "$out/time"
  echo "$label, $t thread(s): ${secs} s wall, ${user} s user + ${sys} s system CPU, $((kb / 1024)) MB peak"
}
for t in 1 2; do
  rm -rf "$p/.qcode/learned"
  timed "train + suggest for $segs segments" "$t" suggest --learn-from bench --format csv -o "$out/s.csv"
  timed "suggest for $segs segments (cached model)" "$t" suggest --learn-from bench --format csv -o "$out/s.csv"
  timed "--evaluate (48 rotations)" "$t" suggest --learn-from bench --evaluate --format csv -o "$out/e.csv"
done
