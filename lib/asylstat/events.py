"""The events of a production run's *steps*: when each starts and ends, and what it counted.

Vocabulary (one word, one meaning): a run is a recipe of **steps** (check the warehouse →
snapshot → domain tables → validation → dissemination → write → publish, :mod:`asylstat.run`);
the *staging folder* is where a run is built before it is published
(:mod:`asylstat.lifecycle`); *dissemination* is the public tables and reports
(:mod:`asylstat.report.stage`). The word "stage" is not used for steps.

Each step is timed by :func:`step`, a context manager that sends a :class:`StepEvent` to every
listener when the step starts and when it ends (or fails), with the counts the step reports
(tables, rules, files…). The listeners are:

- the log (:class:`LogListener`, always on, level DEBUG: the detail is in the log when asked);
- the progress display for the statistician (:class:`ProgressDisplay`, on stderr, installed by
  the command line): ``[3/7] validation … 2.1 s, 312 rules``;
- a JSON-lines recorder (:class:`JsonLinesRecorder`), one event per line, when the environment
  variable ``ASYLSTAT_EVENTS`` names a file (:func:`listeners_from_environment`): the benchmark
  reads it instead of the log's text.

Work done beside a step (the run's own warehouse queries while the notebooks execute) is
reported on the ``alongside`` track, under the number of the step it runs beside.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Literal

log = logging.getLogger(__name__)

#: the environment variable naming the JSON-lines file of a run's step events
EVENTS_ENV = "ASYLSTAT_EVENTS"

Phase = Literal["start", "end", "error"]
Track = Literal["main", "alongside"]


@dataclass(frozen=True)
class StepEvent:
    """One step starting, ending or failing.

    step     the step's name ("validation")
    index    its number in the run (1-based), of ``total``
    phase    ``start``, ``end`` or ``error``
    at       wall-clock time (seconds since the epoch), comparable across processes
    seconds  the step's duration (``end`` and ``error`` only)
    counts   what the step counted (``end`` only): ``{"tables": 35, "rules": 312}``
    track    ``main``, or ``alongside`` for work beside step ``index``
    run_id   the run's id, when it has one
    error    the exception's type and message (``error`` only)
    """

    step: str
    index: int
    total: int
    phase: Phase
    at: float
    seconds: float | None = None
    counts: dict[str, int] = field(default_factory=dict)
    track: Track = "main"
    run_id: str | None = None
    pid: int = field(default_factory=os.getpid)
    error: str | None = None

    @property
    def label(self) -> str:
        """``[3/7] validation`` (``[3/7] alongside: data quality`` beside a step)."""
        beside = "alongside: " if self.track == "alongside" else ""
        return f"[{self.index}/{self.total}] {beside}{self.step}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


Listener = Callable[[StepEvent], None]


def describe_counts(counts: dict[str, int]) -> str:
    """``312 rules, 4 errors`` (in the order the step gave them)."""
    return ", ".join(f"{n} {what}" for what, n in counts.items())


class LogListener:
    """Every event in the log (DEBUG), failures as warnings."""

    def __call__(self, event: StepEvent) -> None:
        if event.phase == "start":
            log.debug("%s: started (run %s)", event.label, event.run_id)
        elif event.phase == "end":
            log.debug("%s: done in %.2f s%s", event.label, event.seconds or 0.0,
                      f" ({describe_counts(event.counts)})" if event.counts else "")
        else:
            log.warning("%s: failed after %.2f s: %s", event.label, event.seconds or 0.0,
                        event.error)


class ProgressDisplay:
    """One line per step for the person running it: ``[3/7] validation …`` when it starts,
    ``[3/7] validation … 2.1 s, 312 rules`` when it ends."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self._lock = threading.Lock()

    def __call__(self, event: StepEvent) -> None:
        if event.phase == "start":
            text = f"{event.label} …"
        else:
            counts = f", {describe_counts(event.counts)}" if event.counts else ""
            failed = f" FAILED ({event.error})" if event.phase == "error" else ""
            text = f"{event.label} … {event.seconds or 0.0:.1f} s{counts}{failed}"
        with self._lock:
            self.stream.write(text + "\n")
            self.stream.flush()


class JsonLinesRecorder:
    """Appends each event to ``path`` as one JSON object per line (flushed at once, so that a
    reader sees the steps of a run that is still going, or was killed)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def __call__(self, event: StepEvent) -> None:
        line = json.dumps(event.as_dict(), sort_keys=True) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)


def read_events(path: Path) -> list[StepEvent]:
    """The events a :class:`JsonLinesRecorder` wrote (a last, partly written line is
    skipped)."""
    events = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            events.append(StepEvent(**json.loads(line)))
        except (ValueError, TypeError):
            continue
    return events


def listeners_from_environment() -> list[Listener]:
    """The JSON-lines recorder when ``ASYLSTAT_EVENTS`` names a file; else none."""
    path = os.environ.get(EVENTS_ENV, "").strip()
    return [JsonLinesRecorder(Path(path))] if path else []


_listeners: list[Listener] = [LogListener()]
_registry_lock = threading.Lock()


def emit(event: StepEvent) -> None:
    """Send ``event`` to every listener; a failing listener is logged, never fatal."""
    with _registry_lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(event)
        except Exception:  # a display or a full disk must not stop the run
            log.exception("the step-event listener %r failed", listener)


@contextmanager
def listening(*listeners: Listener) -> Iterator[None]:
    """Add ``listeners`` for the duration of the block."""
    with _registry_lock:
        _listeners.extend(listeners)
    try:
        yield
    finally:
        with _registry_lock:
            for listener in listeners:
                _listeners.remove(listener)


class StepCounts:
    """What a step counted, filled in by the step while it runs (``counts["rules"] = 312``)."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def __setitem__(self, what: str, n: int) -> None:
        self.values[what] = int(n)


@contextmanager
def step(name: str, index: int, total: int, *, run_id: str | None = None,
         track: Track = "main") -> Iterator[StepCounts]:
    """Time the block as step ``index`` of ``total``; emit its start and its end (with the
    counts the block set) or its failure (the exception goes on)."""
    counts = StepCounts()
    started = time.perf_counter()

    def event(phase: Phase, error: str | None = None) -> StepEvent:
        ended = phase != "start"
        return StepEvent(step=name, index=index, total=total, phase=phase, at=time.time(),
                         seconds=round(time.perf_counter() - started, 3) if ended else None,
                         counts=dict(counts.values) if ended else {}, track=track,
                         run_id=run_id, error=error)

    emit(event("start"))
    try:
        yield counts
    except BaseException as exc:
        emit(event("error", f"{type(exc).__name__}: {exc}"))
        raise
    emit(event("end"))
