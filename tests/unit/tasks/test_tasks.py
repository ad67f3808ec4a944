"""Tasks: submit, run by a consumer, progress, artifacts, failures and attempts."""

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from hexad import wiring
from hexad.config import load_settings
from hexad.domain.database import engine_for, upgrade
from hexad.errors import NotFoundError, ValidationError
from hexad.lake.objects import open_object_store
from hexad.runtime.clock import ManualClock
from hexad.tasks import actions
from hexad.tasks.actions import ActionContext, OutputFile, TaskAction, check_params
from hexad.tasks.consumer import TaskConsumer
from hexad.tasks.records import SqlTaskStore
from hexad.tasks.service import MAX_ATTEMPTS, STATUS_CHANGED, TaskService


class _EchoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    fail: bool = False


def _echo(agent: str, ctx: ActionContext) -> list[OutputFile]:
    for step in range(1, 5):
        ctx.report(f"step {step}", step / 4)
    ctx.publish(
        [{"Source": f"hexad.{agent}", "DetailType": "echo.done", "Detail": {"text": ctx.params["text"]}}]
    )
    if ctx.params["fail"]:
        raise ValidationError("echo: asked to fail")
    return [OutputFile("echo.txt", ctx.params["text"].encode(), "text/plain")]


@pytest.fixture(autouse=True)
def _echo_action(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(actions.ACTIONS, ("cpi", "echo"), TaskAction(_EchoParams, _echo, "echo text"))


class Harness:
    def __init__(self) -> None:
        self.settings = load_settings()
        upgrade(self.settings)
        self.clock = ManualClock()
        self.queues = wiring.queue_service(self.settings, clock=self.clock)
        self.bus = wiring.event_bus(self.settings, clock=self.clock)
        self.objects = open_object_store(self.settings.effective_object_store_url)
        self.service = TaskService(SqlTaskStore(engine_for(self.settings)), self.queues,
                                   self.bus.put_events, self.clock)  # fmt: skip
        self.consumer = TaskConsumer(
            self.settings, self.service, self.queues, self.objects, self.bus.put_events
        )

    async def statuses(self) -> list[tuple[str, str, float]]:
        events = await self.bus.archived_after("default", 0, limit=100)
        return [(e.event.detail["status"], e.event.detail["message"], e.event.detail["progress"])
                for e in events if e.event.detail_type == STATUS_CHANGED]  # fmt: skip


def test_a_task_runs_reports_progress_and_stores_its_artifact() -> None:
    async def scenario() -> None:
        h = Harness()
        task = await h.service.submit("cpi", "echo", {"text": "hello"}, "u-1")
        assert task.status == "queued"
        assert await h.consumer.drain() == 1
        done = h.service.get(task.id)
        assert (done.status, done.progress, done.attempts) == ("succeeded", 1.0, 1)
        assert h.objects.get(done.artifact("echo.txt").key) == b"hello"
        statuses = await h.statuses()
        assert statuses[0][0] == "queued" and statuses[-1][0] == "succeeded"
        assert [s for s in statuses if s[0] == "running"][-1][2] == 1.0
        echoed = [e for e in await h.bus.archived_after("default", 0) if e.event.detail_type == "echo.done"]
        assert echoed[0].event.detail == {"text": "hello"}

    asyncio.run(scenario())


def test_a_failing_action_fails_the_task_with_its_reason() -> None:
    async def scenario() -> None:
        h = Harness()
        task = await h.service.submit("cpi", "echo", {"text": "x", "fail": True}, "u-1")
        await h.consumer.drain()
        failed = h.service.get(task.id)
        assert failed.status == "failed" and failed.message == "echo: asked to fail" and not failed.artifacts
        assert await h.consumer.drain() == 0  # the message was deleted, not retried

    asyncio.run(scenario())


def test_unknown_actions_and_bad_params_are_refused_at_submit() -> None:
    with pytest.raises(ValidationError, match=r"expected one of .*cpi:run"):
        check_params("cpi", "dance", {})
    with pytest.raises(ValidationError, match=r"params\.text"):
        check_params("cpi", "echo", {})
    with pytest.raises(ValidationError, match=r"params\.extra"):
        check_params("cpi", "run", {"extra": 1})
    assert check_params("spo", "proposal", {"opportunity_id": "OP-1"}) == {"opportunity_id": "OP-1"}


def test_a_task_whose_worker_keeps_dying_fails_after_its_attempts() -> None:
    async def scenario() -> None:
        h = Harness()
        task = await h.service.submit("cpi", "echo", {"text": "x"}, "u-1")
        for _ in range(MAX_ATTEMPTS):
            assert await h.service.start(task.id) is not None  # started, then the worker "died"
        assert await h.service.start(task.id) is None
        failed = h.service.get(task.id)
        assert failed.status == "failed" and "attempts" in failed.message
        with pytest.raises(NotFoundError, match=r"echo\.txt"):
            failed.artifact("echo.txt")

    asyncio.run(scenario())


def test_a_message_naming_no_task_is_dropped(tmp_path: Path) -> None:
    async def scenario() -> None:
        h = Harness()
        await h.consumer.drain()
        await h.queues.send("hexad-tasks", "no-such-task")
        assert await h.consumer.drain() == 1
        assert await h.consumer.drain() == 0

    asyncio.run(scenario())


def test_task_pages_follow_creation_order() -> None:
    async def scenario() -> list[Any]:
        h = Harness()
        ids = []
        for n in range(5):
            ids.append((await h.service.submit("cpi", "echo", {"text": str(n)}, "u-1")).id)
            h.clock.advance(1)
        first = h.service.store.page(limit=2)
        rest = h.service.store.page(limit=10, after=(first[-1].created_at, first[-1].id))
        assert [t.id for t in first + rest] == ids[::-1]
        return json.loads(json.dumps([t.params for t in rest]))

    assert asyncio.run(scenario())[0] == {"text": "2", "fail": False}
