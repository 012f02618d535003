#!/usr/bin/env bash
# The side-by-side benchmark of issue #6, end to end: builds qcode and the bare tantivy program,
# sets up the peers' Python environment in $BENCH_WORK (outside the repository) if it is not
# there, installs ripgrep if missing, then runs bench/harness.py, which writes bench/RESULTS.md.
#
#   BENCH_WORK=/path/to/scratch bench/run.sh            # full run (about 20 minutes on 2 cores)
#   BENCH_WORK=/path/to/scratch bench/run.sh --smoke    # 1 MB, checks the harness works
#   BENCH_WORK=/path/to/scratch bench/run.sh --scale 10GB   # and a 10 GB corpus (issue #21:
#       about 40 GB of disk and an hour more; index, bare tantivy, count, every export)
#
# Needs ../shared/bench (the generators, peers and run_bench.py) and /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
shared=${BENCH_SHARED:-$repo/../shared}
: "${BENCH_WORK:?set BENCH_WORK to a scratch folder outside the repository}"
if [ ! -f "$shared/bench/run_bench.py" ]; then
  echo "skipped: $shared/bench is not here (it is not part of the repository)"; exit 0
fi
mkdir -p "$BENCH_WORK"
if [ ! -x "$BENCH_WORK/venv/bin/python" ]; then
  python3 -m venv "$BENCH_WORK/venv"
  "$BENCH_WORK/venv/bin/pip" install -q -r "$shared/bench/requirements.lock"
fi
need=()
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >/dev/null
fi
cargo build --release --quiet --bin qcode --example bare_tantivy
results=()
case " $* " in
  *" --smoke "*) results=(--results "$BENCH_WORK/RESULTS-smoke.md") ;;
  *) results=(--results "$repo/bench/RESULTS.md") ;;
esac
exec "$BENCH_WORK/venv/bin/python" bench/harness.py --work "$BENCH_WORK" --shared "$shared" "${results[@]}" "$@"
