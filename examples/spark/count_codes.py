"""Count codes over a corpus with qcode in Spark: each partition of the TSV is piped through
`qcode count - --columns ... -o -`, which prints `code_id<TAB>role<TAB>count` lines (nonzero
counts, no header); Spark adds the partial tables up by (code_id, role).

  python count_codes.py CORPUS.tsv CODEBOOK OUT.tsv [PARTITIONS]   (or spark-submit)

The corpus is a TSV with a header line (`segment_id<TAB>role<TAB>text`, as `qcode count` reads
it); partitions after the first have no header, so the header is dropped from the rows and given
to qcode with --columns instead. QCODE names the qcode binary (default: `qcode` on PATH).
"""
import os
import shlex
import sys

from pyspark.sql import SparkSession


def main():
    corpus, codebook, out = sys.argv[1:4]
    partitions = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    qcode = os.environ.get("QCODE", "qcode")
    spark = SparkSession.builder.master("local[2]").appName("qcode-count").getOrCreate()
    sc = spark.sparkContext
    sc.setLogLevel("WARN")
    lines = sc.textFile(corpus, minPartitions=partitions)
    header = lines.first()
    columns = ",".join(header.split("\t"))
    rows = lines.filter(lambda line: line != header)
    command = f"{shlex.quote(qcode)} --quiet count - --codebook {shlex.quote(codebook)} --columns {columns} -o -"
    counts = (
        rows.pipe(command)
        .map(lambda line: line.split("\t"))
        .map(lambda f: ((f[0], f[1]), int(f[2])))
        .reduceByKey(lambda a, b: a + b)
        .collect()
    )
    with open(out, "w", encoding="utf-8") as f:
        for (code, role), n in sorted(counts):
            f.write(f"{code}\t{role}\t{n}\n")
    print(f"{len(counts)} (code, role) counts from {rows.getNumPartitions()} partitions -> {out}")
    spark.stop()


if __name__ == "__main__":
    main()
