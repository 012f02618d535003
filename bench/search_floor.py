#!/usr/bin/env python3
"""How close `qcode search` can get to process start, per command: issue #21's target is
search <= 1.6x `qcode --version` at p50. Beside qcode's own search this runs
examples/bare_search.rs, tantivy alone opening the same index and running the same word (top 20
by BM25, the count, the 20 stored documents read and printed), and that binary's start alone
(`--noop`). The floor of a per-command search is then qcode's start plus what tantivy alone adds
to its own start: (version + bare - noop).

    cargo build --release --bin qcode --example bare_search
    python3 bench/search_floor.py PROJECT [WORD ...]

Each command runs `--rounds` times per word, the four kinds alternating so that they share the
machine's state; the figures are medians over words of each word's fastest run.
"""
import argparse
import os
import statistics
import subprocess
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = ["trust", "council", "money", "people", "time", "work", "report", "system", "evidence",
         "office", "branch", "know", "problem", "account", "question", "answer", "letter",
         "meeting", "remember", "court"]


def wall(argv):
    s = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    w = time.perf_counter() - s
    if r.returncode not in (0, 1):
        raise SystemExit(f"failed ({r.returncode}): {' '.join(argv)}")
    return w * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("project")
    ap.add_argument("words", nargs="*")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--qcode", default=os.path.join(REPO, "target", "release", "qcode"))
    ap.add_argument("--bare", default=os.path.join(REPO, "target", "release", "examples", "bare_search"))
    a = ap.parse_args()
    index = os.path.join(a.project, ".qcode", "index")
    words = a.words or WORDS
    kinds = {
        "version": lambda w: [a.qcode, "--version"],
        "search": lambda w: [a.qcode, "--project", a.project, "-q", "search", w, "-n", "20"],
        "noop": lambda w: [a.bare, "--noop"],
        "bare": lambda w: [a.bare, index, w, "20"],
    }
    # The index up to date and in the page cache first.
    wall(kinds["search"](words[0]))
    best = {k: [] for k in kinds}
    for w in words:
        runs = {k: [] for k in kinds}
        for _ in range(a.rounds):
            for k, argv in kinds.items():
                runs[k].append(wall(argv(w)))
        for k in kinds:
            best[k].append(min(runs[k]))
    m = {k: statistics.median(v) for k, v in best.items()}
    floor = m["version"] + m["bare"] - m["noop"]
    print(f"words {len(words)}, fastest of {a.rounds} each, medians (ms):")
    print(f"  qcode --version      {m['version']:.2f}")
    print(f"  qcode search         {m['search']:.2f}  ({m['search'] / m['version']:.2f}x --version)")
    print(f"  bare_search --noop   {m['noop']:.2f}")
    print(f"  bare_search          {m['bare']:.2f}  (tantivy alone adds {m['bare'] - m['noop']:.2f})")
    print(f"  floor: --version + tantivy alone = {floor:.2f}  ({floor / m['version']:.2f}x --version)")


if __name__ == "__main__":
    main()
