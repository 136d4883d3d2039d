"""Command line: ``python -m asylstat.synthetic --out PATH [--scale S] [--seed N]``."""

from __future__ import annotations

import argparse
import logging
import time

from .build import build_warehouse

log = logging.getLogger("asylstat.synthetic")


def main(argv: list[str] | None = None) -> int:
    """Build a synthetic warehouse file and log a summary."""
    parser = argparse.ArgumentParser(prog="python -m asylstat.synthetic",
                                     description=__doc__)
    parser.add_argument("--out", required=True, help="DuckDB file to (re)create")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = Belgium, 25 ≈ EU")
    parser.add_argument("--seed", type=int, default=8622007)
    parser.add_argument("--schema", default="dwh")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    t = time.perf_counter()
    report = build_warehouse(args.out, scale=args.scale, seed=args.seed, schema=args.schema)
    log.info("built %s in %.1f s", args.out, time.perf_counter() - t)
    for table, n in report.row_counts.items():
        log.info("rows %-18s %d", table, n)
    for name, n in sorted(report.planted_faults.items()):
        log.info("planted %-55s %d", name, n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
