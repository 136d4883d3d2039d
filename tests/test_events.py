"""The run's step events (events.py): what a step emits when it starts, ends or fails, the
progress line a statistician reads, and the JSON lines the benchmark reads back."""

from __future__ import annotations

import io

import pytest

from asylstat import events
from asylstat.events import JsonLinesRecorder, ProgressDisplay, StepEvent, read_events


def test_a_step_emits_its_start_and_its_end_with_its_counts():
    seen: list[StepEvent] = []
    with events.listening(seen.append):
        with events.step("validation", 4, 7, run_id="R") as counts:
            counts["rules"] = 312
            counts["errors"] = 0
    assert [e.phase for e in seen] == ["start", "end"]
    start, end = seen
    assert (start.step, start.index, start.total, start.run_id) == ("validation", 4, 7, "R")
    assert start.counts == {} and start.seconds is None
    assert end.counts == {"rules": 312, "errors": 0} and end.seconds is not None
    assert end.seconds >= 0 and end.at >= start.at
    # the listener is gone after the block
    with events.step("write", 6, 7):
        pass
    assert len(seen) == 2


def test_a_failing_step_emits_an_error_and_the_exception_goes_on():
    seen: list[StepEvent] = []
    with events.listening(seen.append), pytest.raises(KeyError):
        with events.step("write", 6, 7) as counts:
            counts["files"] = 3
            raise KeyError("disk")
    assert [e.phase for e in seen] == ["start", "error"]
    assert seen[1].error == "KeyError: 'disk'" and seen[1].counts == {"files": 3}


def test_a_broken_listener_does_not_stop_the_run():
    def broken(event: StepEvent) -> None:
        raise OSError("display gone")

    seen: list[StepEvent] = []
    with events.listening(broken, seen.append):
        with events.step("publish", 7, 7):
            pass
    assert len(seen) == 2


def test_the_progress_line():
    out = io.StringIO()
    show = ProgressDisplay(out)
    show(StepEvent(step="validation", index=3, total=7, phase="start", at=0.0))
    show(StepEvent(step="validation", index=3, total=7, phase="end", at=2.1, seconds=2.1,
                   counts={"rules": 312}))
    show(StepEvent(step="data quality", index=3, total=7, phase="end", at=5.0, seconds=4.96,
                   track="alongside"))
    assert out.getvalue().splitlines() == ["[3/7] validation …",
                                           "[3/7] validation … 2.1 s, 312 rules",
                                           "[3/7] alongside: data quality … 5.0 s"]


def test_json_lines_round_trip(tmp_path, monkeypatch):
    path = tmp_path / "sub" / "events.jsonl"
    monkeypatch.setenv(events.EVENTS_ENV, str(path))
    recorders = events.listeners_from_environment()
    assert len(recorders) == 1 and isinstance(recorders[0], JsonLinesRecorder)
    with events.listening(*recorders):
        with events.step("snapshot", 2, 7, run_id="R") as counts:
            counts["shared derivations"] = 6
    with path.open("a") as handle:
        handle.write('{"step": "half a li')  # a killed writer's last line is skipped
    back = read_events(path)
    assert [(e.step, e.phase, e.counts) for e in back] == [
        ("snapshot", "start", {}), ("snapshot", "end", {"shared derivations": 6})]
    monkeypatch.delenv(events.EVENTS_ENV)
    assert events.listeners_from_environment() == []
