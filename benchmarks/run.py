"""Run every benchmark and write the results table to docs/benchmarks.md.

`nox -s bench` runs this in its own virtualenv (core and packs installed as users install
them). Sizes are options; `--quick` shrinks those not given for a smoke run (`--quick
--only data --rows 50000` keeps its 50,000 rows); a quick run's table is not written to
the docs unless --output says where.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bench_data
import bench_entry_points
import bench_ladybug
import bench_planning
import bench_startup
import bench_state
from common import Results, machine
from report import write

DOCS = Path(__file__).parents[1] / "docs" / "benchmarks.md"
QUICK = {
    "rows": 20_000,
    "small_rows": 2_000,
    "history": 2_000,
    "migrations": [100, 1_000],
    "repeat": 3,
    "big_pack": [100, 1_000],
    "ladybug_memories": 2_000,
}
"""The sizes of `--quick`, for the options not given."""


def options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="Memory nodes (data)")
    parser.add_argument("--small-rows", type=int, default=100_000, help="smaller table")
    parser.add_argument("--history", type=int, default=100_000, help="long history entries")
    parser.add_argument(
        "--ladybug-memories", type=int, default=100_000, help="memories moved to LadybugDB"
    )
    parser.add_argument(
        "--ladybug-embedded",
        type=float,
        default=0.1,
        help="share of those memories with an embedding (FLOAT[384])",
    )
    parser.add_argument(
        "--migrations",
        type=int,
        nargs="+",
        default=[1_000, 10_000],
        help="planning sizes; the first is the baseline of the others",
    )
    parser.add_argument(
        "--big-pack",
        type=int,
        nargs=2,
        default=[10_000, 100_000],
        help="migrations in one pack: baseline, then the large one",
    )
    parser.add_argument("--repeat", type=int, default=15, help="fresh processes per figure")
    parser.add_argument(
        "--only",
        nargs="+",
        default=["startup", "planning", "state", "data", "entry_points", "ladybug"],
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes for the options not given: a smoke run"
    )
    parser.add_argument("--output", type=Path, default=None, help=f"default: {DOCS}")
    args = parser.parse_args(argv)
    if args.quick:
        parser.set_defaults(**QUICK)
        args = parser.parse_args(argv)
    if args.output is None and not args.quick:
        args.output = DOCS
    return args


def main(argv: list[str]) -> int:
    args = options(argv)
    results = Results(
        sizes={
            "data": f"{args.rows:,} Memory nodes (transform also at {args.small_rows:,})",
            "history": f"{args.history:,} entries (against 10)",
            "planning": " and ".join(f"{n:,}" for n in args.migrations) + " migrations, 100 packs",
            "repeat": f"{args.repeat} fresh processes per start-up figure (median)",
            "ladybug": f"{args.ladybug_memories:,} memories moved to LadybugDB, "
            f"{args.ladybug_embedded:.0%} with an embedding",
        }
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        if "startup" in args.only:
            bench_startup.run(results, Path(folder), repeat=args.repeat)
        if "planning" in args.only:
            bench_planning.run_all(results, args.migrations)
        if "state" in args.only:
            bench_state.run(
                results,
                long=args.history,
                repeat=max(2, args.repeat // 5),
                big_pack=(args.big_pack[0], args.big_pack[1]),
            )
        if "data" in args.only:
            bench_data.run(
                results, rows=args.rows, small_rows=args.small_rows, repeat=min(5, args.repeat)
            )
        if "entry_points" in args.only:
            bench_entry_points.run(results, Path(folder), repeat=args.repeat)
        if "ladybug" in args.only:
            bench_ladybug.run(
                results, memories=args.ladybug_memories, embedded=args.ladybug_embedded
            )
    elapsed = time.perf_counter() - started
    command = "nox -s bench" + (" -- " + " ".join(argv) if argv else "")
    if args.output is not None:
        write(args.output, results, machine(), command=command, elapsed=elapsed)
        print(f"results written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
