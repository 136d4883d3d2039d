"""The command line: ``asylstat run``, ``asylstat verify``, ``asylstat ask``,
``asylstat reconcile``, ``asylstat demo-dwh`` (``make`` wraps these).

An unknown option is an error (exit 2), as is a malformed parameter, before anything runs.
``asylstat run`` shows the run's steps on stderr as they start and end (``[3/7] validation …
2.1 s, 312 rules``) and, when ``ASYLSTAT_EVENTS`` names a file, records them there as JSON
lines (:mod:`asylstat.events`; the benchmark reads them).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from asylstat import events, paths
from asylstat.params import ParameterError, RunParameters, check_url
from asylstat.run import EXIT_PARAMETERS, run_production

log = logging.getLogger("asylstat")


def _parser() -> argparse.ArgumentParser:
    defaults = paths.defaults()
    parser = argparse.ArgumentParser(
        prog="asylstat", description="Produce Belgium's asylum and Dublin statistics.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="a production run for one period",
                         description="Compute, validate, write and publish one period.")
    run.add_argument("kind", choices=["monthly", "quarterly", "annual"])
    run.add_argument("--period", required=True,
                     help="YYYY-MM (monthly), YYYY-Qn (quarterly) or YYYY (annual)")
    run.add_argument("--dwh-url", default="",
                     help="warehouse URL (default: the embedded demonstration warehouse)")
    run.add_argument("--schema", default=defaults["run"]["schema"],
                     help="warehouse schema (default: parameters/defaults.toml)")
    run.add_argument("--as-of", default="",
                     help="the warehouse instant, YYYY-MM-DD or ISO time (default: now, UTC)")
    run.add_argument("--output-dir", default=defaults["run"]["output_dir"],
                     help="where runs are published (default: parameters/defaults.toml)")
    verify = sub.add_parser(
        "verify", help="re-do the published run of a period and compare it",
        description="Re-run the published run of PERIOD with its recorded parameters, as_of, "
        "code version and lock into a scratch folder, and compare every transmission file and "
        "national CSV byte for byte and the workbook cell by cell. Exit 0 identical, 1 "
        "different, 2 bad parameters or nothing published, 3 warehouse unusable, 4 crash.")
    which = verify.add_mutually_exclusive_group(required=True)
    which.add_argument("--period", help="YYYY-MM, YYYY-Qn or YYYY")
    which.add_argument("--answer", help="an answer's folder, <ANSWERS_DIR>/<id>/<RUN_ID>: re-do "
                       "it from its manifest and compare (docs/questions.md)")
    verify.add_argument("--output-dir", default=defaults["run"]["output_dir"],
                        help="where runs are published (default: parameters/defaults.toml)")
    verify.add_argument("--scratch", default="",
                        help="an empty folder for the re-run (default: a new temporary folder)")
    verify.add_argument("--dwh-url", default="",
                        help="read this warehouse instead of the recorded one (credentials "
                        "always come from the environment)")
    ask = sub.add_parser(
        "ask", help="answer an ad-hoc question (a TOML file: docs/questions.md)",
        description="Validate the question, then count it on the warehouse as of its as_of, "
        "validate, disclose and publish the answer in <ANSWERS_DIR>/<id>/<RUN_ID>/. Exit 0 "
        "answered (differencing warnings included), 1 blocked by validation, 2 bad question "
        "or parameter, 3 warehouse unusable, 4 crash.")
    ask.add_argument("question", help="the question file (TOML)")
    ask.add_argument("--check", action="store_true",
                     help="only validate the question; the warehouse is not read")
    ask.add_argument("--dwh-url", default="",
                     help="warehouse URL (default: the embedded demonstration warehouse)")
    ask.add_argument("--schema", default=defaults["run"]["schema"],
                     help="warehouse schema (default: parameters/defaults.toml)")
    ask.add_argument("--answers-dir", default=defaults["ask"]["answers_dir"],
                     help="where answers are published (default: parameters/defaults.toml)")
    reconcile = sub.add_parser(
        "reconcile", help="compare a run's transmission files with a reference series",
        description="Compare SDMX-CSV files produced elsewhere (legacy outputs, what was "
        "transmitted) with a run's transmission files, cell by cell. Exit 0 identical, 1 "
        "different, 2 bad parameters.")
    reconcile.add_argument("--reference", required=True, help="folder of SDMX-CSV files")
    reconcile.add_argument("--run", required=True,
                           help="a run folder (e.g. outputs/2024-Q3) or a folder of SDMX-CSV")
    reconcile.add_argument("--json", default="", help="also write the full report here (JSON)")
    demo = sub.add_parser("demo-dwh", help="(re)build the demonstration warehouse")
    demo.add_argument("--out", default=str(paths.demo_warehouse()))
    demo.add_argument("--scale", type=float, default=defaults["demo"]["scale"])
    demo.add_argument("--seed", type=int, default=defaults["demo"]["seed"])
    return parser


def ensure_demo_warehouse(path: Path) -> None:
    """Build the demonstration warehouse the first time it is needed."""
    if not path.is_file():
        from asylstat.synthetic import build_warehouse

        log.info("building the demonstration warehouse %s (first use; about a minute)", path)
        path.parent.mkdir(parents=True, exist_ok=True)
        demo = paths.defaults()["demo"]
        build_warehouse(path, scale=demo["scale"], seed=demo["seed"])


def verify_command(args: argparse.Namespace) -> int:
    """``asylstat verify``: the verdict and every difference on stdout (stderr when not 0)."""
    from asylstat.audit.verify import report_text, verify_period
    from asylstat.questions.verify import verify_answer

    if args.dwh_url:
        try:
            check_url(args.dwh_url)
        except ParameterError as exc:
            sys.stderr.write(f"asylstat: bad parameter: {exc}. Nothing was run.\n")
            return EXIT_PARAMETERS
    scratch = Path(args.scratch) if args.scratch else None
    if args.answer:
        report = verify_answer(args.answer, scratch=scratch, dwh_url=args.dwh_url or None)
    else:
        report = verify_period(args.period, args.output_dir, scratch=scratch,
                               dwh_url=args.dwh_url or None)
    (sys.stdout if report.exit_code == 0 else sys.stderr).write(report_text(report))
    return report.exit_code


def ask_command(args: argparse.Namespace) -> int:
    """``asylstat ask``: one paragraph on stdout (stderr when not 0)."""
    from asylstat.questions.ask import ask, check_file

    if args.check:
        outcome = check_file(args.question)
    else:
        if not args.dwh_url:
            ensure_demo_warehouse(paths.demo_warehouse())
        outcome = ask(args.question, dwh_url=args.dwh_url
                      or f"duckdb:///{paths.demo_warehouse()}", schema=args.schema,
                      answers_dir=args.answers_dir)
    (sys.stdout if outcome.exit_code == 0 else sys.stderr).write(outcome.message + "\n")
    return outcome.exit_code


def reconcile_command(args: argparse.Namespace) -> int:
    """``asylstat reconcile``: the readable report on stdout, the JSON where asked."""
    from asylstat.audit.reconcile import ReconcileError, reconcile, reconcile_text
    from asylstat.write.files import write_json

    try:
        doc = reconcile(Path(args.reference), Path(args.run))
    except ReconcileError as exc:
        sys.stderr.write(f"asylstat: bad parameter: {exc}.\n")
        return EXIT_PARAMETERS
    if args.json:
        write_json(doc, Path(args.json))
    sys.stdout.write(reconcile_text(doc))
    return 0 if doc["identical"] else 1


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                        datefmt="%H:%M:%S", stream=sys.stderr)
    args = _parser().parse_args(argv)
    if args.command == "verify":
        return verify_command(args)
    if args.command == "ask":
        return ask_command(args)
    if args.command == "reconcile":
        return reconcile_command(args)
    if args.command == "demo-dwh":
        from asylstat.synthetic import build_warehouse

        report = build_warehouse(Path(args.out), scale=args.scale, seed=args.seed)
        log.info("demonstration warehouse written to %s: %s", args.out, report.row_counts)
        return 0
    try:
        url = args.dwh_url
        if not url:
            url = f"duckdb:///{paths.demo_warehouse()}"
        params = RunParameters.parse(kind=args.kind, period=args.period, dwh_url=url,
                                     schema=args.schema, as_of=args.as_of or None,
                                     output_dir=args.output_dir)
    except ParameterError as exc:
        sys.stderr.write(f"asylstat: bad parameter: {exc}. Nothing was run or written.\n")
        return EXIT_PARAMETERS
    if not args.dwh_url:
        ensure_demo_warehouse(paths.demo_warehouse())
    with events.listening(events.ProgressDisplay(sys.stderr),
                          *events.listeners_from_environment()):
        outcome = run_production(params)
    stream = sys.stdout if outcome.exit_code == 0 else sys.stderr
    stream.write(outcome.message + "\n")
    return outcome.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
