#!/usr/bin/env python3
"""qcode's side-by-side benchmark, end to end, in one command (issues #6 and #21).

  bench/run.sh                      # the full run: 100 MB and 1 GB, peers, bench/RESULTS.md
  bench/run.sh --scale 10GB         # the same, and a generated 10 GB corpus (about 40 GB of disk)
  bench/run.sh --smoke --work DIR   # 1 MB, one run of each step, no RESULTS.md (the test suite)

Steps, all in one run so that ratios compare like with like:
  1. generate the corpora (100 MB, 1 GB) and the 200-pattern codebook with ../shared/bench;
  2. coding: `qcode count` (2 threads and 1 thread) and the peers through
     ../shared/bench/run_bench.py; qcode's per-segment output must equal pyahocorasick's S1
     output byte for byte (after qcode's header row), and the matrices must agree; the full
     matcher (the bundled codebook) on 1 and 2 threads against ripgrep's 200-pattern alternation;
  3. `qcode count` on 1 GB: throughput and peak RSS;
  4. `qcode index` on the 1 GB corpus (the 200-pattern codebook, the bundled one, none) and on
     ../shared/data/pohi-inquiry (bundled codebook and none; 1 and 2 cores), a no-op re-index,
     and the bare tantivy program (examples/bare_tantivy.rs) on the same 1 GB;
  5. 100 mixed searches on the 1 GB index and on pohi-inquiry's (p50, p99 of the wall time per
     command), each beside 100 runs of `qcode --version`;
  6. each export on the 1 GB index;
  7. with --scale SIZE: index, bare tantivy, count and every export on a generated SIZE corpus;
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
            "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
            "rc": p.returncode, "stderr": err.decode(errors="replace")[-2000:]}


def pct(values, p):
    """The p-th percentile of values (nearest rank on the sorted list)."""
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


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
        # A peer whose package is missing "runs" in a blink and finds nothing: left out of the
        # table, said here, rather than shown as the fastest tool.
        for r in [r for r in recs if r.get("total_matches") is None]:
            log(f"left out: {r['tool']} found no matches (not installed in {self.py}?)")
        recs = [r for r in recs if r.get("total_matches") is not None]
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

    def full_matcher(self, corpus, codebook, runs):
        """The full rule matcher (the bundled codebook: stems, globs, phrases, NEAR) on 1 and 2
        threads against ripgrep with the 200-pattern alternation, alternating runs: issue #21."""
        rgre = os.path.join(self.work, "rg.re")
        with open(rgre, "w") as f:
            subprocess.run([self.py, os.path.join(self.sb, "peers", "rg_pattern.py"), codebook],
                           stdout=f, check=True)
        out = os.path.join(self.work, "out", "full")
        q = [self.qcode, "-q", "count", corpus, "--codebook", os.path.join(REPO, "codebook"), "-o", out]
        # ripgrep's output goes to a file: with stdout on /dev/null ripgrep may stop early.
        rg_out = os.path.join(self.work, "out", "rg.count")
        rg = ["rg", "-i", "--no-unicode", "--count-matches", "-f", rgre, corpus] if shutil.which("rg") else None
        got = {"q1": [], "q2": [], "rg": []}
        for _ in range(runs):
            for n in (1, 2):
                self.quiet()
                env = dict(os.environ, RAYON_NUM_THREADS=str(n))
                got[f"q{n}"].append(must(timed(q, env=env), "qcode count (bundled codebook)"))
            if rg:
                self.quiet()
                with open(rg_out, "w") as f:
                    got["rg"].append(must(timed(rg, stdout=f), "ripgrep"))
        med = {k: {m: statistics.median(x[m] for x in v) for m in ("wall_s", "cpu_s", "rss_mb")}
               for k, v in got.items() if v}
        mb = os.path.getsize(corpus) / 1e6
        r = {"runs": runs, "mb": mb, **med, "threads_speedup": round(med["q1"]["wall_s"] / med["q2"]["wall_s"], 2)}
        if rg:
            r["vs_rg_wall"] = round(med["rg"]["wall_s"] / med["q1"]["wall_s"], 2)
            r["vs_rg_cpu"] = round(med["rg"]["cpu_s"] / med["q1"]["cpu_s"], 2)
        log("full matcher", r)
        return r

    def no_codebook(self):
        """A codebook folder with the bundled roles and no codes: indexing without coding."""
        d = os.path.join(self.work, "codebook-none")
        os.makedirs(d, exist_ok=True)
        shutil.copyfile(os.path.join(REPO, "codebook", "roles.toml"), os.path.join(d, "roles.toml"))
        with open(os.path.join(d, "codebook.toml"), "w") as f:
            f.write('[codebook]\nname = "none"\nversion = "0"\nlanguage = "en"\nstem = true\n')
        return d

    def index_cores(self, proj, runs):
        """Cold index on one core and on two (taskset, so tantivy's writer threads and the coding
        threads both see the cores they get), alternating: the 1 -> 2 thread gain of `index`."""
        walls = {1: [], 2: []}
        for _ in range(runs):
            for n, cpus in ((1, "0"), (2, "0,1")):
                self.quiet()
                argv = ["taskset", "-c", cpus, self.qcode, "--project", proj, "-q", "index", "--rebuild"]
                walls[n].append(must(timed(argv), "index")["wall_s"])
        med = {n: statistics.median(w) for n, w in walls.items()}
        r = {"runs": runs, "wall_1_s": med[1], "wall_2_s": med[2], "speedup": round(med[1] / med[2], 2)}
        log("index 1 -> 2 cores", r)
        return r

    def drop_index(self, proj):
        shutil.rmtree(os.path.join(proj, ".qcode"), ignore_errors=True)

    def bare_tantivy(self, corpus):
        self.quiet()
        d = os.path.join(self.work, "bare-index")
        r = timed([self.bare, corpus, d], stdout=subprocess.PIPE)
        # Exit 0 only: `must` lets exit 1 through for searches that find nothing, and a bare
        # tantivy that failed at once would make qcode look slow beside it.
        if r["rc"] != 0:
            raise SystemExit(f"bare tantivy failed (exit {r['rc']}):\n{r['stderr']}")
        shutil.rmtree(d, ignore_errors=True)
        log("bare tantivy", r["wall_s"], "s", r["rss_mb"], "MB")
        return {"wall_s": r["wall_s"], "rss_mb": r["rss_mb"]}

    def queries(self, codebook, codes=None, role="participant"):
        """100 mixed searches drawn from the codebook's own vocabulary (so they hit); `codes` and
        `role` name what the project's own codebook and roles have (for --code and --role)."""
        with open(codebook) as f:
            cb = json.load(f)
        words, phrases, globs = [], [], []
        for c in cb["codes"]:
            for p in c["patterns"]:
                (globs if p.endswith("*") else phrases if " " in p else words).append(p)
        codes = codes or [c["id"] for c in cb["codes"]]
        qs = []
        qs += [[w] for w in words[:30]]
        qs += [[f'"{p}"'] for p in phrases[:20]]
        qs += [[g] for g in globs[:20]]
        qs += [[w, "--role", role] for w in words[30:40]]
        qs += [[w, "--code", codes[i % len(codes)]] for i, w in enumerate(words[40:50])]
        qs += [[f"{a} {b}"] for a, b in zip(words[50:55], words[55:60])]
        qs += [[f"{a} OR {b}"] for a, b in zip(words[60:65], globs[20:25])]
        return qs[:100]

    def per_command(self, argvs):
        """Wall time of each argv as its own process: p50, p99, max (ms) and peak RSS."""
        walls, rss = [], 0.0
        for argv in argvs:
            r = timed(argv)
            if r["rc"] not in (0, 1):
                raise SystemExit(f"{argv} failed: {r['stderr']}")
            walls.append(r["wall_s"])
            rss = max(rss, r["rss_mb"])
        return {"n": len(walls), "p50_ms": round(pct(walls, 50) * 1000, 2),
                "p99_ms": round(pct(walls, 99) * 1000, 2), "max_ms": round(max(walls) * 1000, 2),
                "rss_mb": rss}

    def searches(self, proj, codebook, codes=None, role="participant"):
        """100 searches, each its own command, beside 100 runs of `qcode --version` (the cost of
        starting the process at all) measured just before: the ratio of their p50s is the target."""
        qs = self.queries(codebook, codes, role)
        self.quiet()
        # One search first, so the index is up to date and its files are in the page cache.
        must(timed([self.qcode, "--project", proj, "-q", "search", *qs[0], "-n", "20"]), "search")
        version = self.per_command([[self.qcode, "--version"]] * len(qs))
        r = self.per_command([[self.qcode, "--project", proj, "-q", "search", *q, "-n", "20"] for q in qs])
        r["version"] = version
        r["ratio_p50"] = round(r["p50_ms"] / version["p50_ms"], 2)
        log("searches", r)
        r["served"] = self.served_searches(proj, qs)
        return r

    def served_searches(self, proj, qs):
        """The same searches answered by `qcode serve` (the index kept open between them), beside
        `qcode --version` measured just before; the server is stopped after."""
        socket = os.path.join(proj, ".qcode", "serve.sock")
        server = subprocess.Popen([self.qcode, "--project", proj, "-q", "serve", "--idle", "600"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(500):
                if os.path.exists(socket):
                    break
                time.sleep(0.02)
            self.quiet()
            # The first search through it opens the index: not a search of the run.
            must(timed([self.qcode, "--project", proj, "-q", "search", *qs[0], "-n", "20"]), "search")
            version = self.per_command([[self.qcode, "--version"]] * len(qs))
            r = self.per_command([[self.qcode, "--project", proj, "-q", "search", *q, "-n", "20"] for q in qs])
        finally:
            server.terminate()
            server.wait()
            if os.path.exists(socket):
                os.remove(socket)
        r["version"] = version
        r["ratio_p50"] = round(r["p50_ms"] / version["p50_ms"], 2)
        log("searches with qcode serve", r)
        return r

    def exports(self, proj):
        kinds = [["quotes"], ["wide"], ["crosstab", "--rows", "role", "--cols", "code"],
                 ["cooccur"], ["framework", "--of", "code"]]
        out = {}
        for k in kinds:
            self.quiet()
            dest = os.path.join(self.work, "export.csv")
            r = timed([self.qcode, "--project", proj, "-q", "export", *k, "-o", dest])
            # A failed export is a row of the table (it says why), not the end of the run.
            size = os.path.getsize(dest) if os.path.exists(dest) else 0
            if os.path.exists(dest):
                os.remove(dest)
            out[" ".join(k)] = {"wall_s": r["wall_s"], "rss_mb": r["rss_mb"], "bytes": size, "rc": r["rc"]}
            if r["rc"] != 0:
                out[" ".join(k)]["error"] = r["stderr"][-300:]
            log("export", k, out[" ".join(k)])
        return out

    def pohi_toml(self, pohi, codebook_dir):
        with open(os.path.join(REPO, "examples", "pohi", "qcode.toml")) as f:
            t = f.read()
        t = t.replace('"../../../shared/data/pohi-inquiry/rst"', json.dumps(pohi))
        return t.replace('"../../codebook"', json.dumps(codebook_dir))

    def with_and_without_codebook(self, name, corpus_file, runs):
        """Cold index with the bundled codebook and with none (the same roles): issue #21."""
        r = {}
        for tag, cb in (("bundled", os.path.join(REPO, "codebook")), ("none", self.no_codebook())):
            toml = f'[project]\ncorpus = "corpus"\ncodebook = {json.dumps(cb)}\n'
            proj = self.project(f"{name}-{tag}", corpus_file, toml)
            r[tag] = self.index(proj, f"index {name} ({tag} codebook)", runs=runs)
            self.drop_index(proj)
        r["ratio"] = round(r["none"]["cold_wall_s"] / r["bundled"]["cold_wall_s"], 2)
        return r

    def pohi(self, res, codebook):
        """The real transcripts: index with and without a codebook, 1 -> 2 cores, searches."""
        pohi = os.path.join(self.shared, "data", "pohi-inquiry", "rst")
        if not os.path.isdir(pohi) or self.a.smoke:
            log("skipped: the pohi-inquiry steps (smoke run, or ../shared/data/pohi-inquiry is not here)")
            return
        s = res["steps"]
        none = self.project("pohi-none", None, self.pohi_toml(pohi, self.no_codebook()))
        s["index_pohi_none"] = self.index(none, "index pohi (no codebook)", runs=3)
        self.drop_index(none)
        proj = self.project("pohi", None, self.pohi_toml(pohi, os.path.join(REPO, "codebook")))
        s["index_pohi_cores"] = self.index_cores(proj, 3)
        s["index_pohi"] = self.index(proj, "index pohi", runs=3)
        res["pohi_bytes"] = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(pohi) for f in fs)
        s["search_pohi"] = self.searches(proj, codebook, codes=bundled_codes(), role="facilitator")

    def scale(self, res, size, codebook):
        """--scale: a generated corpus of `size` (10GB), indexed beside bare tantivy, counted,
        and every export: issue #21's bounded-memory run. Not in CI (about 40 GB of disk)."""
        corpus = self.gen(size)
        res["corpus_bytes"][size] = os.path.getsize(corpus)
        cb = os.path.abspath(codebook)
        proj = self.project("bench-" + size, corpus, f'[project]\ncorpus = "corpus"\ncodebook = "{cb}"\n')
        r = {"size": size, "index": self.index(proj, "index " + size)}
        r["bare_tantivy"] = self.bare_tantivy(corpus)
        self.quiet()
        out = os.path.join(self.work, "out", "count-" + size)
        c = must(timed([self.qcode, "-q", "count", corpus, "--codebook", codebook, "-o", out]), "count " + size)
        for ext in (".seg.tsv", ".matrix.tsv"):
            if os.path.exists(out + ext):
                os.remove(out + ext)
        r["count"] = {"wall_s": c["wall_s"], "rss_mb": c["rss_mb"]}
        log("count", size, r["count"])
        r["exports"] = self.exports(proj)
        res["steps"]["scale"] = r

    def run(self):
        a, res = self.a, self.res
        codebook = self.codebook()
        small = "1MB" if a.smoke else "100MB"
        big = "1MB" if a.smoke else "1GB"
        c_small = self.gen(small)
        c_big = self.gen(big)
        res["corpus_bytes"] = {small: os.path.getsize(c_small), big: os.path.getsize(c_big)}
        res["sizes"] = [small, big]
        s = res["steps"]

        # 2. Coding, qcode and peers in one run.
        skip = "pandas_flags" if not a.smoke else None
        only = None
        if a.smoke:
            only = "qcode,qcode_1thread,pyahocorasick" + (",ripgrep_nounicode" if shutil.which("rg") else "")
        if a.peers:
            only = a.peers
        s["coding"] = self.run_bench(c_small, codebook, small + ("-smoke" if a.smoke else ""), only=only, skip=skip)
        s["s1_check"] = self.check_s1(small + ("-smoke" if a.smoke else ""))
        s["threads"] = self.thread_scaling(c_small, codebook, 3 if a.smoke else 15)
        log("S1 check", s["s1_check"])
        s["full_matcher"] = self.full_matcher(c_small, codebook, 1 if a.smoke else 7)

        # 3. qcode count on the big corpus: flat memory.
        if not a.smoke:
            s["coding_big"] = self.run_bench(c_big, codebook, big, only="qcode", runs=1)

        # 4. Index: the big corpus (the 200-pattern codebook; the bundled one; none), bare tantivy,
        # the real transcripts.
        cb = os.path.abspath(codebook)
        proj = self.project("bench-" + big, c_big, f'[project]\ncorpus = "corpus"\ncodebook = "{cb}"\n')
        s["index_big"] = self.index(proj, "index " + big)
        s["bare_tantivy"] = self.bare_tantivy(c_big)
        s["index_big_codebooks"] = self.with_and_without_codebook("bench-" + big, c_big, 1)
        self.pohi(res, codebook)

        # 5, 6. Searches and exports on the big index.
        s["search"] = self.searches(proj, codebook)
        s["exports"] = self.exports(proj)
        if a.scale:
            self.scale(res, a.scale, codebook)
        res["machine"] = machine()
        with open(os.path.join(self.work, "results.json"), "w") as f:
            json.dump(res, f, indent=1)
        if a.results:
            with open(a.results, "w") as f:
                f.write(render(res, " ".join(sys.argv[1:])))
            log("wrote", a.results)
        ok = s["s1_check"]["seg_rows_equal"] and s["s1_check"]["matrix_equal"]
        exports = list(s["exports"].values()) + list(s.get("scale", {}).get("exports", {}).values())
        for e in exports:
            if e.get("rc"):
                log("an export failed:", e)
        return 0 if ok and not any(e.get("rc") for e in exports) else 1


def bundled_codes():
    """The code ids of the bundled codebook (for --code in the searches on the real transcripts)."""
    import tomllib
    ids = []
    for name in sorted(os.listdir(os.path.join(REPO, "codebook"))):
        if name.endswith(".toml") and name != "roles.toml":
            with open(os.path.join(REPO, "codebook", name), "rb") as f:
                ids += list(tomllib.load(f).get("codes", {}))
    return ids


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


def failed(e):
    """What a failed step's row adds: its exit code and the end of what it said."""
    if not e.get("rc"):
        return ""
    return f"; FAILED (exit {e['rc']}: {' '.join(e.get('error', '').split())[-120:]})"


def render21(res):
    """The targets of issue #21 (speed: full matcher, search per command, bounded memory, 10 GB),
    as Markdown lines."""
    s = res["steps"]
    S, B = res["sizes"]
    lines = ["", "## Targets (issue #21)", "", "| what | measured | target | met |", "|---|---|---|---|"]

    def row(what, measured, target, met):
        lines.append(f"| {what} | {measured} | {target} | {'yes' if met else '**no**'} |")

    for name, ic in (("pohi-inquiry", None), (B, s.get("index_big_codebooks"))):
        if name == "pohi-inquiry":
            if "index_pohi" not in s:
                continue
            w, wo = s["index_pohi"], s["index_pohi_none"]
        else:
            w, wo = ic["bundled"], ic["none"]
        ratio = wo["cold_wall_s"] / w["cold_wall_s"]
        row(f"index {name}, bundled codebook vs none (speed, cold wall)",
            f"{ratio:.2f}× ({w['cold_wall_s']:.2f} s vs {wo['cold_wall_s']:.2f} s; RSS {w['cold_rss_mb']:.0f} vs "
            f"{wo['cold_rss_mb']:.0f} MB)", "≥ 0.85×", ratio >= 0.85)
    fm = s["full_matcher"]
    if "rg" in fm:
        row(f"full matcher {S}: `RAYON_NUM_THREADS=1 qcode count` (bundled codebook) vs "
            "`rg -i --no-unicode --count-matches` (200-pattern alternation), speed",
            f"{fm['vs_rg_wall']:.2f}× wall ({fm['q1']['wall_s']:.2f} s vs {fm['rg']['wall_s']:.2f} s; "
            f"{fm['mb'] / fm['q1']['wall_s']:.0f} MB/s); {fm['vs_rg_cpu']:.2f}× CPU "
            f"({fm['q1']['cpu_s']:.2f} s vs {fm['rg']['cpu_s']:.2f} s); median of {fm['runs']}",
            "≥ 0.4×", fm["vs_rg_wall"] >= 0.4)
    th = s["threads"]
    row(f"count {S} (200 patterns): 1 → 2 threads", f"{th['speedup']:.2f}× ({th['wall_1_s'] * 1000:.0f} → "
        f"{th['wall_2_s'] * 1000:.0f} ms, median of {th['runs']})", "≥ 1.7×", th["speedup"] >= 1.7)
    row(f"count {S} (bundled codebook): 1 → 2 threads", f"{fm['threads_speedup']:.2f}× "
        f"({fm['q1']['wall_s']:.2f} → {fm['q2']['wall_s']:.2f} s, median of {fm['runs']})", "≥ 1.7×",
        fm["threads_speedup"] >= 1.7)
    if "index_pohi_cores" in s:
        ic = s["index_pohi_cores"]
        row("index pohi-inquiry (bundled codebook): 1 → 2 cores (taskset)", f"{ic['speedup']:.2f}× "
            f"({ic['wall_1_s']:.2f} → {ic['wall_2_s']:.2f} s, median of {ic['runs']})", "≥ 1.7×",
            ic["speedup"] >= 1.7)
    for name, key in (("pohi-inquiry", "search_pohi"), (B, "search")):
        if key not in s:
            continue
        sm = s[key]
        row(f"search {name} index: p50 per command ÷ `qcode --version` p50 ({sm['n']} mixed queries)",
            f"{sm['ratio_p50']:.2f}× ({sm['p50_ms']:.1f} ms vs {sm['version']['p50_ms']:.1f} ms)", "≤ 1.6×",
            sm["ratio_p50"] <= 1.6)
        sv = sm.get("served")
        if sv:
            row(f"search {name} index, with `qcode serve` running: p50 per command ÷ `qcode --version` p50",
                f"{sv['ratio_p50']:.2f}× ({sv['p50_ms']:.1f} ms vs {sv['version']['p50_ms']:.1f} ms)", "≤ 1.6×",
                sv["ratio_p50"] <= 1.6)
    sm = s["search"]
    row(f"search {B} index: p99 per command", f"{sm['p99_ms']:.1f} ms", "≤ 20 ms", sm["p99_ms"] <= 20)
    if sm.get("served"):
        row(f"search {B} index, with `qcode serve` running: p99 per command", f"{sm['served']['p99_ms']:.1f} ms",
            "≤ 20 ms", sm["served"]["p99_ms"] <= 20)
    for k, e in s["exports"].items():
        row(f"export {k}, {B} index: peak RSS", f"{e['rss_mb']:.0f} MB ({e['wall_s']:.1f} s){failed(e)}",
            "≤ 500 MB", e["rss_mb"] <= 500 and not e.get("rc"))
    sc = s.get("scale")
    if sc:
        Z, ix, bt = sc["size"], sc["index"], sc["bare_tantivy"]
        zb = res["corpus_bytes"][Z]
        row(f"index {Z}: peak RSS", f"{ix['cold_rss_mb']:.0f} MB (bare tantivy {bt['rss_mb']:.0f} MB)", "≤ 2 GB",
            ix["cold_rss_mb"] <= 2048)
        ratio = bt["wall_s"] / ix["cold_wall_s"]
        row(f"index {Z}: throughput vs bare tantivy", f"{ratio:.2f}× ({zb / 1e6 / ix['cold_wall_s']:.1f} vs "
            f"{zb / 1e6 / bt['wall_s']:.1f} MB/s; {ix['cold_wall_s']:.0f} s vs {bt['wall_s']:.0f} s)", "≥ 0.7×",
            ratio >= 0.7)
        row(f"count {Z}: peak RSS", f"{sc['count']['rss_mb']:.0f} MB ({sc['count']['wall_s']:.0f} s)", "≤ 300 MB",
            sc["count"]["rss_mb"] <= 300)
        for k, e in sc["exports"].items():
            row(f"export {k}, {Z} index", f"{e['wall_s']:.1f} s, {e['rss_mb']:.0f} MB RSS, "
                f"{e['bytes'] / 1e6:.0f} MB written{failed(e)}", "< 100 s, ≤ 1 GB",
                e["wall_s"] < 100 and e["rss_mb"] <= 1024 and not e.get("rc"))
    else:
        lines.append("")
        lines.append("No --scale run in this table (`bench/run.sh --scale 10GB` adds the 10 GB rows).")
    return lines


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
            f"{e['bytes'] / 1e6:.0f} MB written{failed(e)}", "< 10 s", e["wall_s"] < 10 and not e.get("rc"))
    lines += render21(res)
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
    ap.add_argument("--scale", metavar="SIZE", help="also a generated corpus of SIZE (10GB): index, bare "
                    "tantivy, count and every export; about 40 GB of disk, not in CI")
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
