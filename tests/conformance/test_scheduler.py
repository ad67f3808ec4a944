"""The schedule store and the scheduler on every backend: `scheduler[sqlite]` (PostgreSQL to come).

Time is a `ManualClock`; a "restart" is a new store and service on the same backend data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hexad.adapters.postgres.schedules import PostgresScheduleStore
from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.schedules import SqliteScheduleStore
from hexad.errors import ConflictError, NotFoundError, ScheduleError, ScheduleExpressionError
from hexad.ports.schedules import BusTarget, Firing, QueueTarget, Schedule, ScheduleRecord, ScheduleStore
from hexad.runtime.clock import ManualClock
from hexad.runtime.schedules.service import SchedulerService
from tests.support.postgres import postgres_schema

START = datetime(2026, 1, 1, tzinfo=UTC)
T0 = START.timestamp()


@dataclass
class Backend:
    """Makes stores on one backend's data; each call is a fresh connection (a restarted process)."""

    make: Callable[[], ScheduleStore]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        path = tmp_path / "runtime.db"
        return Backend(lambda: SqliteScheduleStore(SqliteDatabase(path)))
    if request.param == "postgres":
        schema = postgres_schema(request)
        return Backend(lambda: PostgresScheduleStore(schema.database()))
    raise AssertionError(request.param)


@dataclass
class Recorder:
    """A firing sink that remembers each call and can be told to fail."""

    calls: list[tuple[str, datetime, str, str]] = field(default_factory=list)
    failures: int = 0
    crash: bool = False

    async def __call__(
        self, schedule: Schedule, scheduled_time: datetime, input: str, *, firing_id: str
    ) -> None:
        if self.crash:
            raise asyncio.CancelledError("the process died inside the sink")
        if self.failures:
            self.failures -= 1
            raise ConnectionError("target unreachable")
        self.calls.append((schedule.name, scheduled_time, input, firing_id))

    def times(self) -> list[str]:
        return [t.strftime("%m-%d %H:%M") for _, t, _, _ in self.calls]


def service(store: ScheduleStore, clock: ManualClock, sink: Recorder, **options: float) -> SchedulerService:
    return SchedulerService(store, clock, sink, **options)  # type: ignore[arg-type]  # float options


async def advance(svc: SchedulerService, clock: ManualClock, seconds: float, step: float = 60) -> None:
    """Move time forward in steps, running the loop once per step, as a live scheduler would."""
    end = clock.time() + seconds
    while clock.time() < end:
        clock.advance(min(step, end - clock.time()))
        await svc.run_once()


# --- the store


def record(name: str, next_at: float | None = T0, **changes: object) -> ScheduleRecord:
    schedule = Schedule(name, "rate(1 hour)").with_changes(**changes)
    return ScheduleRecord(schedule, f"uid-{name}", T0, T0, next_at, next_at)


def firing(name: str, at: float, claimed_until: float = T0 + 60) -> Firing:
    return Firing(f"f-{name}-{at}", name, f"uid-{name}", at, at, claimed_until=claimed_until)


async def test_store_create_get_list_delete(backend: Backend) -> None:
    store = backend.make()
    await store.create(record("b"))
    await store.create(record("a"))
    assert [r.name for r in await store.list()] == ["a", "b"]
    assert (await store.get("a")).uid == "uid-a"
    with pytest.raises(ConflictError, match="schedule 'a' already exists"):
        await store.create(record("a"))
    assert await store.delete("a") is True
    assert await store.delete("a") is False
    with pytest.raises(NotFoundError, match="schedule 'a' does not exist"):
        await store.get("a")
    with pytest.raises(NotFoundError):
        await store.replace(record("a"))


async def test_store_keeps_the_whole_definition(backend: Backend) -> None:
    schedule = Schedule(
        "full",
        "cron(0 9 ? * MON-FRI *)",
        target=BusTarget("ops", "hexad.vcm", "contract.renewal.due"),
        timezone="Europe/London",
        input='{"k": 1}',
        state="DISABLED",
        window_minutes=15,
        start=START,
        end=START + timedelta(days=30),
        missed="skip",
        delete_after_completion=True,
        description="weekday mornings",
    )
    await backend.make().create(ScheduleRecord(schedule, "u", T0, T0, None, None))
    assert (await backend.make().get("full")).schedule == schedule
    queued = schedule.with_changes(target=QueueTarget("reports"))
    await backend.make().replace(ScheduleRecord(queued, "u", T0, T0, None, None))
    assert (await backend.make().get("full")).schedule.target == QueueTarget("reports")


async def test_store_due_lists_enabled_due_schedules_earliest_first(backend: Backend) -> None:
    store = backend.make()
    await store.create(record("late", T0 + 30))
    await store.create(record("early", T0 + 10))
    await store.create(record("future", T0 + 500))
    await store.create(record("off", T0, state="DISABLED"))
    await store.create(record("done", None))
    assert [r.name for r in await store.due(T0 + 100, 10)] == ["early", "late"]
    assert [r.name for r in await store.due(T0 + 100, 1)] == ["early"]
    assert await store.next_wakeup() == T0 + 10


async def test_store_claim_is_compare_and_set(backend: Backend) -> None:
    first, second = backend.make(), backend.make()
    await first.create(record("job"))
    assert await first.claim("job", T0, firing("job", T0), T0 + 3600, T0 + 3600) is True
    assert await second.claim("job", T0, firing("job", T0), T0 + 3600, T0 + 3600) is False
    assert len(await first.firings("job", 10)) == 1
    assert (await second.get("job")).next_scheduled_at == T0 + 3600


async def test_store_reclaims_only_expired_claims(backend: Backend) -> None:
    store = backend.make()
    await store.create(record("job"))
    await store.claim("job", T0, firing("job", T0, claimed_until=T0 + 60), T0 + 3600, T0 + 3600)
    assert await store.reclaim(T0 + 59, T0 + 200, 10) == []
    taken = await store.reclaim(T0 + 60, T0 + 200, 10)
    assert [(f.attempts, f.claimed_until) for f in taken] == [(2, T0 + 200)]
    assert await store.reclaim(T0 + 100, T0 + 300, 10) == []  # the new claim holds
    await store.complete(taken[0].firing_id, T0 + 101)
    assert await store.reclaim(T0 + 10_000, T0 + 20_000, 10) == []
    assert (await store.firings("job", 1))[0].status == "completed"


async def test_store_release_retries_or_gives_up(backend: Backend) -> None:
    store = backend.make()
    await store.create(record("job"))
    await store.claim("job", T0, firing("job", T0), T0 + 3600, T0 + 3600)
    await store.release(f"f-job-{T0}", "boom", T0 + 5, failed=False)
    assert [f.last_error for f in await store.reclaim(T0 + 5, T0 + 65, 10)] == ["boom"]
    await store.release(f"f-job-{T0}", "boom again", T0 + 70, failed=True)
    assert await store.reclaim(T0 + 10_000, T0 + 20_000, 10) == []
    assert (await store.firings("job", 1))[0].status == "failed"


# --- the scheduler


async def test_cron_schedule_fires_at_its_times_with_input_and_stable_ids(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder()
    svc = service(backend.make(), clock, sink)
    await svc.add(Schedule("hourly", "cron(0 * * * ? *)", input='{"report": "margin"}'))
    await advance(svc, clock, 3 * 3600)
    assert sink.times() == ["01-01 01:00", "01-01 02:00", "01-01 03:00"]
    assert {c[2] for c in sink.calls} == {'{"report": "margin"}'}
    assert len({c[3] for c in sink.calls}) == 3
    assert [f.status for f in await svc.firings("hourly")] == ["completed"] * 3


async def test_cron_schedule_in_a_time_zone(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder()
    svc = service(backend.make(), clock, sink)
    await svc.add(Schedule("ny", "cron(30 8 * * ? *)", timezone="America/New_York"))
    await advance(svc, clock, 86400, step=600)
    assert sink.times() == ["01-01 13:30"]


async def test_rate_without_start_fires_at_once_then_every_period(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder()
    svc = service(backend.make(), clock, sink)
    await svc.add(Schedule("poll", "rate(10 minutes)"))
    await svc.run_once()
    await advance(svc, clock, 25 * 60)
    assert sink.times() == ["01-01 00:00", "01-01 00:10", "01-01 00:20"]


async def test_start_and_end_dates_bound_the_firings(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder()
    svc = service(backend.make(), clock, sink)
    start, end = START + timedelta(hours=2), START + timedelta(hours=4)
    await svc.add(Schedule("bounded", "cron(0 * * * ? *)", start=start, end=end))
    await advance(svc, clock, 6 * 3600)
    assert sink.times() == ["01-01 02:00", "01-01 03:00"]
    assert (await svc.get("bounded")).next_scheduled_at is None


async def test_disabled_schedule_does_not_fire_and_enabling_starts_from_now(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder()
    svc = service(backend.make(), clock, sink)
    schedule = await svc.add(Schedule("paused", "cron(0 * * * ? *)", state="DISABLED"))
    await advance(svc, clock, 3 * 3600)
    assert sink.calls == []
    await svc.update(schedule.schedule.with_changes(state="ENABLED"))
    await advance(svc, clock, 3600)
    assert sink.times() == ["01-01 04:00"]


async def test_at_fires_once_and_can_delete_itself(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder()
    svc = service(backend.make(), clock, sink)
    await svc.add(Schedule("once", "at(2026-01-01T00:30:00)"))
    await svc.add(Schedule("once-gone", "at(2026-01-01T00:45:00)", delete_after_completion=True))
    await advance(svc, clock, 2 * 3600)
    assert sink.times() == ["01-01 00:30", "01-01 00:45"]
    assert (await svc.get("once")).next_scheduled_at is None
    assert [r.name for r in await svc.list()] == ["once"]


async def test_flexible_window_fires_inside_the_window_with_the_nominal_time(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder()
    svc = service(backend.make(), clock, sink)
    record = await svc.add(Schedule("flex", "cron(0 * * * ? *)", window_minutes=30))
    nominal, due = record.next_scheduled_at, record.next_due_at
    assert nominal == T0 + 3600 and due is not None
    assert nominal <= due < nominal + 30 * 60
    clock.set(due - 1)
    await svc.run_once()
    assert sink.calls == []
    clock.set(due)
    await svc.run_once()
    assert [c[1] for c in sink.calls] == [datetime(2026, 1, 1, 1, 0, tzinfo=UTC)]
    restarted = service(backend.make(), clock, sink)
    assert (await restarted.get("flex")).next_due_at == (await svc.get("flex")).next_due_at


async def test_flexible_window_due_times_are_stable_and_bounded(backend: Backend) -> None:
    clock = ManualClock(T0 + 1)
    svc = service(backend.make(), clock, Recorder())
    await svc.add(Schedule("flex", "rate(1 hour)", window_minutes=45))
    upcoming = await svc.upcoming("flex", 50)
    assert all(timedelta(0) <= due - at < timedelta(minutes=45) for at, due in upcoming)
    assert len({due - at for at, due in upcoming}) > 10
    assert await service(backend.make(), clock, Recorder()).upcoming("flex", 50) == upcoming


async def test_missed_firings_fire_once_after_downtime(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder()
    await service(backend.make(), clock, sink).add(Schedule("hourly", "cron(0 * * * ? *)"))
    clock.advance(5 * 3600 + 1800)  # down from 00:00 to 05:30: five firings missed
    svc = service(backend.make(), clock, sink)
    await svc.run_once()
    assert sink.times() == ["01-01 01:00"]  # one catch-up firing, carrying the first missed time
    assert (await svc.firings("hourly"))[0].catch_up is True
    await advance(svc, clock, 3600)
    assert sink.times() == ["01-01 01:00", "01-01 06:00"]


async def test_missed_firings_can_be_skipped(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder()
    await service(backend.make(), clock, sink).add(Schedule("hourly", "cron(0 * * * ? *)", missed="skip"))
    clock.advance(5 * 3600 + 1800)
    svc = service(backend.make(), clock, sink)
    await svc.run_once()
    assert sink.calls == []
    await advance(svc, clock, 3600)
    assert sink.times() == ["01-01 06:00"]


async def test_a_missed_at_schedule_fires_once_or_not_at_all(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder()
    svc = service(backend.make(), clock, sink)
    await svc.add(Schedule("kept", "at(2026-01-01T01:00:00)"))
    await svc.add(Schedule("dropped", "at(2026-01-01T01:00:00)", missed="skip"))
    clock.advance(5 * 3600)
    await svc.run_once()
    assert [c[0] for c in sink.calls] == ["kept"]


async def test_downtime_with_a_flexible_window_catches_up_once(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder()
    await service(backend.make(), clock, sink).add(Schedule("flex", "rate(1 hour)", window_minutes=20))
    clock.advance(10 * 3600)
    svc = service(backend.make(), clock, sink)
    await svc.run_once()
    assert [(c[1], f.catch_up) for c, f in zip(sink.calls, await svc.firings("flex"), strict=True)] == [
        (START + timedelta(seconds=1), True)
    ]
    record = await svc.get("flex")
    assert record.next_due_at is not None and record.next_due_at >= clock.time() - 60
    await advance(svc, clock, 2 * 3600)
    assert len(sink.calls) == 3 and not any(f.catch_up for f in (await svc.firings("flex"))[:2])


async def test_update_keeps_identity_and_applies_the_new_definition(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder()
    svc = service(backend.make(), clock, sink)
    added = await svc.add(Schedule("job", "cron(0 * * * ? *)"))
    updated = await svc.update(added.schedule.with_changes(expression="cron(30 * * * ? *)", input='{"v": 2}'))
    assert (updated.uid, updated.created_at) == (added.uid, added.created_at)
    await advance(svc, clock, 3600)
    assert [(c[1].strftime("%H:%M"), c[2]) for c in sink.calls] == [("00:30", '{"v": 2}')]
    with pytest.raises(NotFoundError):
        await svc.update(Schedule("nope", "rate(1 hour)"))


async def test_firings_late_within_the_grace_fire_one_by_one(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder()
    svc = service(backend.make(), clock, sink, misfire_grace_seconds=600)
    await svc.add(Schedule("minutely", "rate(1 minute)"))
    clock.advance(300)  # a five-minute stall, inside the ten-minute grace
    await svc.run_once()
    assert len(sink.calls) == 6
    assert not any(f.catch_up for f in await svc.firings("minutely"))


async def test_a_failing_sink_is_retried_under_the_same_firing_id(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder(failures=2)
    svc = service(backend.make(), clock, sink)
    await svc.add(Schedule("flaky", "at(2026-01-01T00:10:00)"))
    await advance(svc, clock, 600)
    assert sink.calls == []
    failed = (await svc.firings("flaky"))[0]
    assert (failed.status, failed.last_error) == ("claimed", "ConnectionError: target unreachable")
    await advance(svc, clock, 600, step=1)
    assert len(sink.calls) == 1
    assert sink.calls[0][3] == failed.firing_id
    completed = (await svc.firings("flaky"))[0]
    assert (completed.status, completed.attempts) == ("completed", 3)


async def test_a_firing_that_keeps_failing_is_given_up(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder(failures=100)
    svc = service(backend.make(), clock, sink, max_attempts=3)
    await svc.add(Schedule("broken", "at(2026-01-01T00:01:00)"))
    await advance(svc, clock, 3600, step=5)
    assert (await svc.firings("broken"))[0].status == "failed"
    assert sink.failures == 97


async def test_a_crash_inside_the_sink_is_redelivered_after_restart(
    backend: Backend,
) -> None:
    clock = ManualClock(T0 + 1)
    crashing = Recorder(crash=True)
    svc = service(backend.make(), clock, crashing, lease_seconds=30)
    await svc.add(Schedule("job", "cron(0 * * * ? *)"))
    clock.advance(3600)
    with pytest.raises(asyncio.CancelledError):
        await svc.run_once()
    claimed = (await svc.firings("job"))[0]
    assert claimed.status == "claimed"
    sink = Recorder()
    restarted = service(backend.make(), clock, sink, lease_seconds=30)
    await restarted.run_once()
    assert sink.calls == []  # the dead process's lease still holds
    await advance(restarted, clock, 60, step=10)
    assert [(c[1].hour, c[3]) for c in sink.calls] == [(1, claimed.firing_id)]
    await advance(restarted, clock, 3600, step=60)
    assert sink.times() == ["01-01 01:00", "01-01 02:00"]


async def test_two_schedulers_on_one_backend_never_fire_twice(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder()
    first = service(backend.make(), clock, sink)
    second = service(backend.make(), clock, sink)
    await first.add(Schedule("shared", "rate(5 minutes)"))
    for _ in range(24):
        await first.run_once()
        await second.run_once()
        clock.advance(60)
    assert len(sink.calls) == len({c[3] for c in sink.calls}) == 5


async def test_removing_a_schedule_cancels_its_unfinished_firing(backend: Backend) -> None:
    clock = ManualClock(T0 + 1)
    svc = service(backend.make(), clock, Recorder(crash=True), lease_seconds=30)
    await svc.add(Schedule("gone", "rate(1 hour)"))
    with pytest.raises(asyncio.CancelledError):
        await svc.run_once()
    await svc.remove("gone")
    sink = Recorder()
    clock.advance(60)
    await service(backend.make(), clock, sink).run_once()
    assert sink.calls == []
    assert [f.status for f in await svc.firings("gone")] == ["cancelled"]
    with pytest.raises(NotFoundError, match="schedule 'gone' does not exist"):
        await svc.remove("gone")


async def test_re_created_schedule_gets_new_firing_ids(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder()
    svc = service(backend.make(), clock, sink)
    await svc.add(Schedule("again", "rate(1 hour)"))
    await svc.run_once()
    await svc.remove("again")
    await svc.add(Schedule("again", "rate(1 hour)"))
    await svc.run_once()
    assert len(sink.calls) == 2 and sink.calls[0][3] != sink.calls[1][3]


@pytest.mark.parametrize(
    ("schedule", "error", "message"),
    [
        (Schedule("bad", "cron(0 9 ? * 8 *)"), ScheduleExpressionError, "schedule 'bad': day-of-week"),
        (Schedule("bad", "rate(1 hour)", timezone="Nowhere/City"), ScheduleError, "timezone: expected"),
        (Schedule("bad", "rate(1 hour)", input="{not json"), ScheduleError, "input: expected a JSON text"),
        (Schedule("bad", "rate(1 hour)", window_minutes=2000), ScheduleError, "window_minutes"),
        (Schedule("bad name!", "rate(1 hour)"), ScheduleError, "name: expected 1-64 letters"),
        (Schedule("bad", "rate(1 hour)", target=QueueTarget("")), ScheduleError, "target.queue"),
        (
            Schedule("bad", "rate(1 hour)", start=START, end=START - timedelta(days=1)),
            ScheduleError,
            "end: expected a date after start",
        ),
    ],
)
async def test_bad_schedules_are_refused_with_the_field_named(
    backend: Backend, schedule: Schedule, error: type[Exception], message: str
) -> None:
    svc = service(backend.make(), ManualClock(T0 + 1), Recorder())
    with pytest.raises(error, match=None) as caught:
        await svc.add(schedule)
    assert message in str(caught.value)
    assert await svc.list() == []


async def test_adding_a_taken_name_is_a_conflict(backend: Backend) -> None:
    svc = service(backend.make(), ManualClock(T0 + 1), Recorder())
    await svc.add(Schedule("dup", "rate(1 hour)"))
    with pytest.raises(ConflictError):
        await svc.add(Schedule("dup", "rate(2 hours)"))


async def test_run_loop_fires_on_the_clock_until_stopped(backend: Backend) -> None:
    clock, sink = ManualClock(T0 + 1), Recorder()
    svc = service(backend.make(), clock, sink, tick_seconds=30)
    await svc.add(Schedule("loop", "rate(1 minute)"))
    stop = asyncio.Event()
    task = asyncio.create_task(svc.run(stop))
    for _ in range(10):
        await asyncio.sleep(0)
        clock.advance(30)
        for _ in range(5):
            await asyncio.sleep(0)
    stop.set()
    clock.advance(30)
    await asyncio.wait_for(task, timeout=5)
    assert len(sink.calls) == 6  # at 00:00 and each minute up to 00:05
