#!/usr/bin/env bash
# How long `qcode review` takes to open on a large project: a generated corpus of N segments
# (default 100,000: 200 interviews of 125 questions and 3-paragraph answers, a 12-code codebook
# whose patterns fire on most answers) with a reviewer who has already decided 10,000 proposals.
# "Opening" is everything before the first key: the index opened, the codings store loaded, the
# queue of every proposal built in corpus order, the first pending one read, masked and drawn.
# It is timed with the screen on ratatui's TestBackend (QCODE_REVIEW_KEYS=q: quit at once),
# which draws the same frame a terminal gets.
#
#   bench/review.sh [N]        (builds the release binary; BENCH_WORK=DIR keeps the project)
#
# Prints the median of 5 runs, wall and CPU seconds: opening warm (nothing changed since the last
# run) and after a session (codings/NAME.csv changed, so the codings store is redone, as on every
# reopening), and `qcode codes --coder NAME` and `export review` beside. Needs /usr/bin/time, bc.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
work=${BENCH_WORK:-$(mktemp -d)}
proj="$work/review-$n"
cargo build --release --quiet --bin qcode
q="$PWD/target/release/qcode"
if [ ! -f "$proj/.qcode-bench-done" ]; then
  rm -rf "$proj"
  python3 - "$proj" "$n" <<'PY'
import os, random, sys
proj, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(17)
os.makedirs(f"{proj}/corpus"); os.makedirs(f"{proj}/codebook"); os.makedirs(f"{proj}/codings")
codes = ["trust", "money", "meeting", "council", "officer", "housing", "youth", "park",
         "transport", "safety", "health", "school"]
with open(f"{proj}/codebook/codes.toml", "w") as f:
    f.write('[codebook]\nname = "bench"\nversion = "1"\n\n')
    for c in codes:
        f.write(f'[codes.{c}]\nlabel = "{c.title()}"\npatterns = ["{c}*"]\n\n')
filler = ("we said that the people here would like more of it and less of the other thing "
          "when it comes to what matters most in the area over the years").split()
per_interview = 500  # 125 questions of 1 paragraph, answers of 3
interviews = max(1, n // per_interview)
ids = []
for i in range(interviews):
    iv = f"iv-{i:04d}"
    out = [f"---\nid: {iv}\narea: Area{i % 7}\nspeakers:\n  I: interviewer\n  P1: resident\n---\n"]
    for t in range(per_interview // 4):
        out.append(f"I: What about the {rng.choice(codes)} here?\n\n")
        paras = []
        for _ in range(3):
            words = [rng.choice(filler) for _ in range(rng.randint(25, 60))]
            for c in rng.sample(codes, rng.choice([0, 1, 1, 2, 2, 3])):
                words.insert(rng.randrange(len(words)), c)
            paras.append(" ".join(words).capitalize() + ".")
        out.append("P1: " + "\n\n".join(paras) + "\n\n")
        turn = 2 * t + 2
        ids.extend(f"{iv}:{turn}.{p}" for p in (1, 2, 3))
    with open(f"{proj}/corpus/{iv}.txt", "w") as f:
        f.write("".join(out))
print(f"{interviews} interviews, {interviews * per_interview} segments", file=sys.stderr)
PY
  "$q" --project "$proj" --quiet index
  # 10,000 decisions already made: the machine's codes on the first answers, alternately
  # accepted and rejected (exported, filled in and imported, as a person could).
  "$q" --project "$proj" --quiet export review --coder bench -o "$work/all.csv" --force
  python3 - "$work/all.csv" "$work/decided.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(rows[0])
    for k, r in enumerate(rows[1:10001]):
        r[5] = "accept" if k % 2 == 0 else "reject"
        w.writerow(r)
PY
  "$q" --project "$proj" --quiet import review "$work/decided.csv" --coder bench
  touch "$proj/.qcode-bench-done"
fi
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
walls=(); cpus=()
run_timed() { # command...: one run, its wall and CPU (user + system) seconds added to the lists
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" >/dev/null 2>&1 || true
  read -r wall user sys < "$work/time"
  walls+=("$wall"); cpus+=("$(echo "$user + $sys" | bc)")
}
report() { # label: the medians of the runs so far, and the list is emptied
  printf '%-58s %6.2f s wall  %6.2f s CPU  (wall: %s)\n' "$1" \
    "$(printf '%s\n' "${walls[@]}" | median)" "$(printf '%s\n' "${cpus[@]}" | median)" "${walls[*]}"
  walls=(); cpus=()
}
open_review() { QCODE_REVIEW_KEYS=q "$q" --project "$proj" review --coder bench; }
echo "project: $proj ($n segments; $(($(wc -l < "$work/all.csv") - 1)) proposal rows before the 10000 decisions)"
echo "machine: $(nproc) cores, $(uname -sr); load $(cut -d' ' -f1-3 /proc/loadavg) (wall times stretch with load; CPU times less)"
open_review >/dev/null 2>&1 || true # the index and store brought up to date once
for _ in 1 2 3 4 5; do run_timed env QCODE_REVIEW_KEYS=q "$q" --project "$proj" review --coder bench; done
report "qcode review opens (warm)"
# After a session: a decision written untimed (skip, then accept: a new row each time), so the
# store is redone from codings/ on opening, as on every reopening after a session.
for _ in 1 2 3 4 5; do
  QCODE_REVIEW_KEYS=sa "$q" --project "$proj" review --coder bench >/dev/null 2>&1
  run_timed env QCODE_REVIEW_KEYS=q "$q" --project "$proj" review --coder bench
done
report "qcode review opens after a session (store redone)"
for _ in 1 2 3 4 5; do run_timed "$q" --project "$proj" codes --coder bench; done
report "qcode codes --coder bench (review progress)"
for _ in 1 2 3 4 5; do
  run_timed "$q" --project "$proj" export review --coder bench -o "$work/pending.csv" --force
done
report "qcode export review -o FILE.csv (every pending proposal)"
