#!/usr/bin/env python3
"""qcode's side-by-side benchmark, end to end, in one command (issue #6).

  bench/run.sh                      # the full run: 100 MB and 1 GB, peers, bench/RESULTS.md
  bench/run.sh --smoke --work DIR   # 1 MB, one run of each step, no RESULTS.md (the test suite)

Steps, all in one run so that ratios compare like with like:
  1. generate the corpora (100 MB, 1 GB) and the 200-pattern codebook with ../shared/bench;
  2. coding: `qcode count` (2 threads and 1 thread) and the peers through
     ../shared/bench/run_bench.py; qcode's per-segment output must equal pyahocorasick's S1
     output byte for byte (after qcode's header row), and the matrices must agree;
  3. `qcode count` on 1 GB: throughput and peak RSS;
  4. `qcode index` on the 1 GB corpus and on ../shared/data/pohi-inquiry, a no-op re-index,
     and the bare tantivy program (examples/bare_tantivy.rs) on the same 1 GB;
  5. 100 mixed searches on the 1 GB index (p50, p99 of the wall time per command);
  6. each export on the 1 GB index;
and writes the table, each figure beside its target, to bench/RESULTS.md (or --results).
Peak RSS comes from wait4() (or /usr/bin/time -v inside run_bench.py).
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(*a):
    print("[harness]", *a, file=sys.stderr, flush=True)


def timed(argv, cwd=None, env=None, stdout=subprocess.DEVNULL):
    """Run argv; return wall seconds, peak RSS in MB, exit code and stderr (wait4 rusage)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, cwd=cwd, env=env, stdout=stdout, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": round(wall, 4), "rss_mb": round(ru.ru_maxrss / 1024, 1),
            "rc": p.returncode, "stderr": err.decode(errors="replace")[-2000:]}


def must(r, what):
    if r["rc"] not in (0, 1):
        raise SystemExit(f"{what} failed (exit {r['rc']}):\n{r['stderr']}")
    return r


class Bench:
    def __init__(self, a):
        self.a = a
        self.shared = os.path.abspath(a.shared)
        self.sb = os.path.join(self.shared, "bench")
        self.work = os.path.abspath(a.work)
        os.makedirs(self.work, exist_ok=True)
        self.py = a.python or os.path.join(self.work, "venv", "bin", "python")
        # run_bench.py runs the peers with WORK/venv/bin/python: point it at --python if needed.
        wrapper = os.path.join(self.work, "venv", "bin", "python")
        if a.python and not os.path.exists(wrapper):
            os.makedirs(os.path.dirname(wrapper), exist_ok=True)
            with open(wrapper, "w") as f:
                f.write(f'#!/bin/sh\nexec "{os.path.abspath(a.python)}" "$@"\n')
            os.chmod(wrapper, 0o755)
        self.qcode = os.path.abspath(a.qcode)
        self.bare = os.path.abspath(a.bare)
        self.res = {"smoke": a.smoke, "date": time.strftime("%Y-%m-%d"), "steps": {}}
        sys.path.insert(0, self.sb)
        import run_bench  # noqa: E402  (the shared runner: its quiet-machine wait)
        self.rb = run_bench

    def quiet(self):
        if not self.a.smoke:
            self.rb.wait_quiet(self.a.max_busy, self.a.max_wait)

    def gen(self, size):
        out = os.path.join(self.work, f"corpus_{size}.tsv")
        if not os.path.exists(out):
            log("generating", out)
            subprocess.run([self.py, os.path.join(self.sb, "gen_corpus.py"), "--size", size,
                            "--seed", "1", "--out", out], check=True, stdout=subprocess.DEVNULL)
        return out

    def codebook(self):
        out = os.path.join(self.work, "codebook_200")
        if not os.path.exists(out + ".json"):
            subprocess.run([self.py, os.path.join(self.sb, "gen_codebook.py"), "--subcodes", "20",
                            "--patterns", "200", "--seed", "7", "--out", out], check=True,
                           stdout=subprocess.DEVNULL)
        return out + ".json"

    def run_bench(self, corpus, codebook, tag, only=None, runs=None, skip=None):
        """Run ../shared/bench/run_bench.py; return its records for this run, by tool."""
        env = dict(os.environ, BENCH_WORK=self.work)
        res_path = os.path.join(self.work, "results", tag + ".jsonl")
        before = 0
        if os.path.exists(res_path):
            with open(res_path) as f:
                before = sum(1 for _ in f)
        q = f"{self.qcode} -q count {{corpus}} --codebook {{codebook}} -o {{out}} --summary-json"
        argv = [self.py, os.path.join(self.sb, "run_bench.py"), "--corpus", corpus,
                "--codebook", codebook, "--tag", tag,
                "--tool", f"qcode={q}",
                "--tool", f"qcode_1thread=RAYON_NUM_THREADS=1 {q}",
                "--runs", str(runs or self.a.runs),
                "--max-busy", str(self.a.max_busy), "--max-wait", str(self.a.max_wait)]
        if self.a.smoke:
            argv += ["--retries", "0"]
        if only:
            argv += ["--only", only]
        if skip:
            argv += ["--skip", skip]
        log("run_bench", tag, only or "all", "skip " + (skip or "-"))
        subprocess.run(argv, check=True, env=env, stdout=sys.stderr)
        with open(res_path) as f:
            recs = [json.loads(l) for l in f][before:]
        return {r["tool"]: {k: r[k] for k in ("wall_median_s", "wall_min_s", "cpu_s_min", "rss_mb_max",
                                               "mb_per_s", "total_matches", "clean_runs", "all_runs",
                                               "semantics")}
                for r in recs}

    def thread_scaling(self, corpus, codebook, runs):
        """qcode count with 1 and 2 threads, alternating, timed with perf_counter: /usr/bin/time
        (inside run_bench.py) rounds to 10 ms, too coarse for a 0.2 s run."""
        out = os.path.join(self.work, "out", "threads")
        argv = [self.qcode, "-q", "count", corpus, "--codebook", codebook, "-o", out]
        walls = {1: [], 2: []}
        for _ in range(runs):
            for n in (1, 2):
                self.quiet()
                env = dict(os.environ, RAYON_NUM_THREADS=str(n))
                walls[n].append(must(timed(argv, env=env), "qcode count")["wall_s"])
        med = {n: statistics.median(w) for n, w in walls.items()}
        r = {"runs": runs, "wall_1_s": med[1], "wall_2_s": med[2], "speedup": round(med[1] / med[2], 2)}
        log("thread scaling", r)
        return r

    def check_s1(self, tag):
        """qcode's counts against pyahocorasick's S1 output: identical rows; same matrix."""
        out = os.path.join(self.work, "out", tag)
        q_seg, p_seg = os.path.join(out, "qcode.seg.tsv"), os.path.join(out, "pyac.seg.tsv")
        with open(q_seg, "rb") as f:
            head = f.readline()
            q_rows = f.read()
        with open(p_seg, "rb") as f:
            p_rows = f.read()
        ok = head == b"segment_id\tcode_id\tcount\n" and q_rows == p_rows

        def matrix(path):
            with open(path) as f:
                cols = f.readline().rstrip("\n").split("\t")[1:]
                m = {}
                for line in f:
                    c, *ns = line.rstrip("\n").split("\t")
                    m[c] = {r: int(n) for r, n in zip(cols, ns) if int(n)}
                return m
        m_ok = matrix(os.path.join(out, "qcode.matrix.tsv")) == matrix(os.path.join(out, "pyac.matrix.tsv"))
        first_diff = None
        if not ok:
            ql, pl = q_rows.split(b"\n"), p_rows.split(b"\n")
            for i, (x, y) in enumerate(zip(ql, pl)):
                if x != y:
                    first_diff = f"row {i + 1}: qcode {x!r} vs pyahocorasick {y!r}"
                    break
            else:
                first_diff = f"qcode has {len(ql)} rows, pyahocorasick {len(pl)}"
        return {"seg_rows_equal": ok, "matrix_equal": m_ok, "rows": q_rows.count(b"\n"),
                "first_difference": first_diff}

    def project(self, name, corpus_file=None, toml=None):
        d = os.path.join(self.work, "projects", name)
        os.makedirs(os.path.join(d, "corpus"), exist_ok=True)
        if corpus_file:
            link = os.path.join(d, "corpus", os.path.basename(corpus_file))
            if not os.path.exists(link):
                try:
                    os.link(corpus_file, link)
                except OSError:
                    shutil.copyfile(corpus_file, link)
        with open(os.path.join(d, "qcode.toml"), "w") as f:
            f.write(toml)
        return d

    def index(self, proj, label, runs=1):
        """Cold (--rebuild) and no-op index of a project."""
        cold = []
        for _ in range(runs):
            self.quiet()
            cold.append(must(timed([self.qcode, "--project", proj, "-q", "index", "--rebuild"]), "index"))
        noop = [must(timed([self.qcode, "--project", proj, "-q", "index"]), "no-op index")
                for _ in range(3)]
        r = {"cold_wall_s": statistics.median(x["wall_s"] for x in cold),
             "cold_rss_mb": max(x["rss_mb"] for x in cold),
             "noop_wall_s": statistics.median(x["wall_s"] for x in noop),
             "noop_rss_mb": max(x["rss_mb"] for x in noop), "runs": runs}
        log(label, r)
        return r

    def bare_tantivy(self, corpus):
        self.quiet()
        d = os.path.join(self.work, "bare-index")
        r = must(timed([self.bare, corpus, d], stdout=subprocess.PIPE), "bare tantivy")
        shutil.rmtree(d, ignore_errors=True)
        log("bare tantivy", r["wall_s"], "s", r["rss_mb"], "MB")
        return {"wall_s": r["wall_s"], "rss_mb": r["rss_mb"]}

    def queries(self, codebook):
        """100 mixed searches drawn from the codebook's own vocabulary (so they hit)."""
        with open(codebook) as f:
            cb = json.load(f)
        words, phrases, globs = [], [], []
        for c in cb["codes"]:
            for p in c["patterns"]:
                (globs if p.endswith("*") else phrases if " " in p else words).append(p)
        codes = [c["id"] for c in cb["codes"]]
        qs = []
        qs += [[w] for w in words[:30]]
        qs += [[f'"{p}"'] for p in phrases[:20]]
        qs += [[g] for g in globs[:20]]
        qs += [[w, "--role", "participant"] for w in words[30:40]]
        qs += [[w, "--code", codes[i % len(codes)]] for i, w in enumerate(words[40:50])]
        qs += [[f"{a} {b}"] for a, b in zip(words[50:55], words[55:60])]
        qs += [[f"{a} OR {b}"] for a, b in zip(words[60:65], globs[20:25])]
        return qs[:100]

    def searches(self, proj, codebook):
        qs = self.queries(codebook)
        walls, rss = [], 0.0
        self.quiet()
        for q in qs:
            r = timed([self.qcode, "--project", proj, "-q", "search", *q, "-n", "20"])
            if r["rc"] not in (0, 1):
                raise SystemExit(f"search {q} failed: {r['stderr']}")
            walls.append(r["wall_s"])
            rss = max(rss, r["rss_mb"])
        walls.sort()
        pct = lambda p: walls[min(len(walls) - 1, int(round(p / 100 * (len(walls) - 1))))]
        r = {"n": len(walls), "p50_ms": round(pct(50) * 1000, 1), "p99_ms": round(pct(99) * 1000, 1),
             "max_ms": round(walls[-1] * 1000, 1), "rss_mb": rss}
        log("searches", r)
        return r

    def exports(self, proj):
        kinds = [["quotes"], ["wide"], ["crosstab", "--rows", "role", "--cols", "code"],
                 ["cooccur"], ["framework", "--of", "code"]]
        out = {}
        for k in kinds:
            self.quiet()
            dest = os.path.join(self.work, "export.csv")
            r = must(timed([self.qcode, "--project", proj, "-q", "export", *k, "-o", dest]), f"export {k}")
            size = os.path.getsize(dest)
            os.remove(dest)
            out[" ".join(k)] = {"wall_s": r["wall_s"], "rss_mb": r["rss_mb"], "bytes": size}
            log("export", k, out[" ".join(k)])
        return out

    def run(self):
        a, res = self.a, self.res
        codebook = self.codebook()
        small = "1MB" if a.smoke else "100MB"
        big = "1MB" if a.smoke else "1GB"
        c_small = self.gen(small)
        c_big = self.gen(big)
        res["corpus_bytes"] = {small: os.path.getsize(c_small), big: os.path.getsize(c_big)}
        res["sizes"] = [small, big]

        # 2. Coding, qcode and peers in one run.
        skip = "pandas_flags" if not a.smoke else None
        only = None
        if a.smoke:
            only = "qcode,qcode_1thread,pyahocorasick" + (",ripgrep_nounicode" if shutil.which("rg") else "")
        if a.peers:
            only = a.peers
        res["steps"]["coding"] = self.run_bench(c_small, codebook, small + ("-smoke" if a.smoke else ""),
                                                only=only, skip=skip)
        res["steps"]["s1_check"] = self.check_s1(small + ("-smoke" if a.smoke else ""))
        res["steps"]["threads"] = self.thread_scaling(c_small, codebook, 3 if a.smoke else 15)
        log("S1 check", res["steps"]["s1_check"])

        # 3. qcode count on the big corpus: flat memory.
        if not a.smoke:
            res["steps"]["coding_big"] = self.run_bench(c_big, codebook, big, only="qcode", runs=1)

        # 4. Index: 1 GB, bare tantivy, the real transcripts.
        cb = os.path.abspath(codebook)
        proj = self.project("bench-" + big, c_big,
                            f'[project]\ncorpus = "corpus"\ncodebook = "{cb}"\n')
        res["steps"]["index_big"] = self.index(proj, "index " + big)
        res["steps"]["bare_tantivy"] = self.bare_tantivy(c_big)
        pohi = os.path.join(self.shared, "data", "pohi-inquiry", "rst")
        if os.path.isdir(pohi) and not a.smoke:
            with open(os.path.join(REPO, "examples", "pohi", "qcode.toml")) as f:
                t = f.read()
            t = t.replace('"../../../shared/data/pohi-inquiry/rst"', json.dumps(pohi))
            t = t.replace('"../../codebook"', json.dumps(os.path.join(REPO, "codebook")))
            res["steps"]["index_pohi"] = self.index(self.project("pohi", None, t), "index pohi", runs=3)
            res["pohi_bytes"] = sum(os.path.getsize(os.path.join(dp, f))
                                    for dp, _, fs in os.walk(pohi) for f in fs)
        else:
            log("skipped: the pohi-inquiry index (smoke run, or ../shared/data/pohi-inquiry is not here)")

        # 5, 6. Searches and exports on the big index.
        res["steps"]["search"] = self.searches(proj, codebook)
        res["steps"]["exports"] = self.exports(proj)
        res["machine"] = machine()
        with open(os.path.join(self.work, "results.json"), "w") as f:
            json.dump(res, f, indent=1)
        if a.results:
            with open(a.results, "w") as f:
                f.write(render(res, " ".join(sys.argv[1:])))
            log("wrote", a.results)
        ok = res["steps"]["s1_check"]["seg_rows_equal"] and res["steps"]["s1_check"]["matrix_equal"]
        return 0 if ok else 1


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    return {"cores": os.cpu_count(), "cpu": model, "mem_gib": round(mem, 1),
            "os": platform.platform(), "commit": commit}


def render(res, argv):
    s = res["steps"]
    S, B = res["sizes"]
    m = res["machine"]
    co = s["coding"]
    q, q1 = co["qcode"], co["qcode_1thread"]
    big = s.get("coding_big", {}).get("qcode")
    ib, bt = s["index_big"], s["bare_tantivy"]
    gb = res["corpus_bytes"]
    big_bytes = max(gb.values())
    sm = s["search"]
    lines = [
        "# Benchmark results",
        "",
        f"Run on {res['date']}, commit {m['commit']}: {m['cores']} cores ({m['cpu']}), "
        f"{m['mem_gib']} GiB, {m['os']}.",
        f"Command: `bench/run.sh {argv}` (see the README, section Benchmarks). The machine is shared "
        "and noisy: compare ratios within this run, not absolute times across runs.",
        "",
        "## Targets (issue #6)",
        "",
        "| what | measured | target | met |",
        "|---|---|---|---|",
    ]

    def row(what, measured, target, met):
        lines.append(f"| {what} | {measured} | {target} | {'yes' if met else '**no**'} |")

    rg = co.get("ripgrep_nounicode")
    pa = co.get("pyahocorasick")
    ft = co.get("flashtext")
    w = q["wall_median_s"]
    if rg:
        row(f"coding {S}: qcode count vs ripgrep -i --no-unicode --count-matches (wall)",
            f"{w:.2f} s vs {rg['wall_median_s']:.2f} s", "≤ ripgrep", w <= rg["wall_median_s"])
    if pa:
        row(f"coding {S}: speed-up over pyahocorasick (S1)", f"{pa['wall_median_s'] / w:.1f}×", "≥ 8×",
            pa["wall_median_s"] / w >= 8)
    if ft:
        row(f"coding {S}: speed-up over FlashText", f"{ft['wall_median_s'] / w:.1f}×", "≥ 30×",
            ft["wall_median_s"] / w >= 30)
    th = s["threads"]
    row(f"coding {S}: 1 → 2 threads speed-up (median of {th['runs']} alternating runs each)",
        f"{th['speedup']:.2f}× ({th['wall_1_s'] * 1000:.0f} ms → {th['wall_2_s'] * 1000:.0f} ms; "
        f"run_bench.py's /usr/bin/time, 10 ms resolution: {q1['wall_median_s']:.2f} s → {w:.2f} s)",
        "≥ 1.7×", th["speedup"] >= 1.7)
    if big:
        row(f"coding {B}: peak RSS", f"{big['rss_mb_max']:.0f} MB ({big['mb_per_s']:.0f} MB/s)",
            "≤ 300 MB", big["rss_mb_max"] <= 300)
    s1 = s["s1_check"]
    row("coding: per-segment output equals pyahocorasick S1", f"{s1['rows']} rows, "
        f"{'identical' if s1['seg_rows_equal'] else 'DIFFERENT: ' + str(s1['first_difference'])}; matrix "
        f"{'equal' if s1['matrix_equal'] else 'DIFFERENT'}", "identical",
        s1["seg_rows_equal"] and s1["matrix_equal"])
    ratio = bt["wall_s"] / ib["cold_wall_s"]
    row(f"index {B}: throughput vs bare tantivy",
        f"{ratio:.2f}× ({big_bytes / 1e6 / ib['cold_wall_s']:.1f} vs {big_bytes / 1e6 / bt['wall_s']:.1f} MB/s; "
        f"{ib['cold_wall_s']:.1f} s vs {bt['wall_s']:.1f} s)", "≥ 0.7×", ratio >= 0.7)
    row(f"index {B}: peak RSS", f"{ib['cold_rss_mb']:.0f} MB (bare tantivy {bt['rss_mb']:.0f} MB)",
        "≤ 1.5 GB", ib["cold_rss_mb"] <= 1536)
    row(f"index {B}: no-op re-index", f"{ib['noop_wall_s']:.2f} s", "< 1 s", ib["noop_wall_s"] < 1)
    row(f"search {B} index: p50 (100 mixed queries, wall per command)", f"{sm['p50_ms']:.1f} ms", "< 10 ms",
        sm["p50_ms"] < 10)
    row(f"search {B} index: p99", f"{sm['p99_ms']:.1f} ms", "< 50 ms", sm["p99_ms"] < 50)
    for k, e in s["exports"].items():
        row(f"export {k} on the {B} index", f"{e['wall_s']:.1f} s, {e['rss_mb']:.0f} MB RSS, "
            f"{e['bytes'] / 1e6:.0f} MB written", "< 10 s", e["wall_s"] < 10)
    lines += ["", f"## Coding, every tool in one run ({S}, 200 patterns; median wall of clean runs)", "",
              "| tool | semantics | wall s | MB/s | CPU s | peak RSS MB | matches |", "|---|---|---|---|---|---|---|"]
    for name, r in sorted(co.items(), key=lambda kv: kv[1]["wall_median_s"]):
        lines.append(f"| {name} | {r['semantics']} | {r['wall_median_s']:.2f} | {r['mb_per_s']:.0f} | "
                     f"{r['cpu_s_min']:.2f} | {r['rss_mb_max']:.0f} | {r['total_matches']} |")
    lines += ["", "qcode's match total counts occurrences per code (a pattern listed in two codes counts "
              "for each), as the S1 peers do; ripgrep counts spans of its one alternation, so its total "
              "is lower by design.", ""]
    lines += ["## Index, search, export", "", "| what | wall s | peak RSS MB |", "|---|---|---|",
              f"| qcode index, {B} TSV (parse, code, tantivy), cold | {ib['cold_wall_s']:.1f} | {ib['cold_rss_mb']:.0f} |",
              f"| bare tantivy, same schema and text (examples/bare_tantivy.rs) | {bt['wall_s']:.1f} | {bt['rss_mb']:.0f} |",
              f"| qcode index, {B}, no-op | {ib['noop_wall_s']:.2f} | {ib['noop_rss_mb']:.0f} |"]
    if "index_pohi" in s:
        ip = s["index_pohi"]
        lines.append(f"| qcode index, pohi-inquiry transcripts ({res['pohi_bytes'] / 1e6:.0f} MB, bundled "
                     f"codebook), cold, median of {ip['runs']} | {ip['cold_wall_s']:.2f} | {ip['cold_rss_mb']:.0f} |")
        lines.append(f"| qcode index, pohi-inquiry, no-op | {ip['noop_wall_s']:.2f} | {ip['noop_rss_mb']:.0f} |")
    lines.append(f"| qcode search, {sm['n']} queries on the {B} index: p50 / p99 / max | "
                 f"{sm['p50_ms'] / 1000:.3f} / {sm['p99_ms'] / 1000:.3f} / {sm['max_ms'] / 1000:.3f} | {sm['rss_mb']:.0f} |")
    for k, e in s["exports"].items():
        lines.append(f"| qcode export {k}, {B} index | {e['wall_s']:.1f} | {e['rss_mb']:.0f} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default=os.environ.get("BENCH_WORK"), help="scratch folder outside the repository")
    ap.add_argument("--shared", default=os.path.join(REPO, "..", "shared"))
    ap.add_argument("--python", help="python with the peers' packages (default WORK/venv/bin/python)")
    ap.add_argument("--qcode", default=os.path.join(REPO, "target", "release", "qcode"))
    ap.add_argument("--bare", default=os.path.join(REPO, "target", "release", "examples", "bare_tantivy"))
    ap.add_argument("--results", help="the Markdown table to write (bench/run.sh: bench/RESULTS.md)")
    ap.add_argument("--smoke", action="store_true", help="1 MB, one run each: checks the harness works")
    ap.add_argument("--peers", help="comma-separated tools for run_bench.py --only")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--max-busy", type=float, default=0.15)
    ap.add_argument("--max-wait", type=float, default=300)
    a = ap.parse_args()
    if not a.work:
        ap.error("give --work DIR (or BENCH_WORK): a scratch folder outside the repository")
    if a.smoke:
        a.runs, a.max_wait = 1, 0
    sys.exit(Bench(a).run())


if __name__ == "__main__":
    main()
