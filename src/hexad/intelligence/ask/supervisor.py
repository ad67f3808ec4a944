"""The supervisor: decompose a question into tool calls, run them in parallel, compose a cited answer.

Offline (no LLM configured): the intent classifier and slot extraction plan the calls (`routing.route`),
and the answer is templated from the results. With an LLM: the model gets the tools the caller may use
and calls them (several per turn run in parallel), for up to `max_rounds` turns, then writes the
answer, whose numbers must all appear in the tool results (else the templated answer is shown, with
a note); the tables of every call are attached either way. Tools the caller's roles do not allow are
neither offered nor run.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict
from datetime import date
from typing import Any

from hexad.intelligence.ask.answers import Answer, AnswerPart, ToolCallRecord, compose_offline, table_parts
from hexad.intelligence.ask.context import ToolContext
from hexad.intelligence.ask.intents import IntentClassifier
from hexad.intelligence.ask.routing import route
from hexad.intelligence.ask.slots import Catalog
from hexad.intelligence.ask.tools import TOOLS, ToolResult, run_tool, tool_specs
from hexad.intelligence.llm import Completion, LlmClient, LlmError, LlmRequest, Message, ToolCall, ToolSpec
from hexad.intelligence.narratives.grounding import ungrounded

__all__ = ["SYSTEM_PROMPT", "Supervisor"]

Allowed = Callable[[str], bool]
SYSTEM_PROMPT = (
    "You are Hexad, the assistant of a managed service provider (MSP). Answer the user's question about "
    "their business using the tools: call every tool you need (independent calls in the same turn), then "
    "answer in a few short sentences with the key numbers, citing tool results as [1], [2] in the order "
    "the tools were called, and say what to do when the results suggest an action. Use only numbers from "
    "the tool results. If the tools cannot answer, say so."
)
_MIN_CONFIDENCE = 0.2


class Supervisor:
    """Answers questions over one `ToolContext`."""

    def __init__(
        self,
        ctx: ToolContext,
        *,
        llm: LlmClient | None = None,
        catalog: Catalog | None = None,
        classifier: IntentClassifier | None = None,
        allowed: Allowed | None = None,
        max_rounds: int = 4,
    ) -> None:
        self._ctx, self._llm, self._classifier = ctx, llm, classifier
        self._catalog = catalog
        self._allowed: Allowed = allowed or (lambda permission: True)
        self._max_rounds = max_rounds

    @property
    def catalog(self) -> Catalog:
        """Names to match in questions (from the context's data, loaded once)."""
        return self._ctx.memo("catalog", lambda: self._catalog or Catalog.from_frames(self._ctx.frames))

    async def ask(self, question: str) -> Answer:
        """The answer to `question`."""
        answer: Answer | None = None
        async for kind, value in self._stream(question):
            if kind == "answer":
                answer = value
        assert answer is not None  # _stream always ends with the answer
        return answer

    async def events(self, question: str) -> AsyncIterator[dict[str, Any]]:
        """The answer as it forms: a `call` event per finished tool call, `delta` text, then `answer`.

        The final `answer` event is authoritative: streamed text may be replaced (an ungrounded LLM answer).
        """
        index = 0
        async for kind, value in self._stream(question):
            if kind == "call":
                index += 1
                yield {"type": "call", "index": index, **asdict(value)}
            elif kind == "delta":
                yield {"type": "delta", "text": value}
            else:
                yield {"type": "answer", "answer": value.as_dict()}

    async def _stream(self, question: str) -> AsyncIterator[tuple[str, Any]]:
        question = question.strip()
        failure: str | None = None
        if self._llm is not None and not self._llm.offline:
            try:
                async for item in self._llm_stream(question):
                    yield item
                return
            except LlmError as exc:
                failure = f"the language model failed ({exc}); answered offline"
        answer = await self._ask_offline(question)
        if failure:
            answer.notes.append(failure)
        for call in answer.calls:
            yield "call", call
        yield "delta", answer.text
        yield "answer", answer

    async def _ask_offline(self, question: str) -> Answer:
        today: date = self._ctx.reference_date
        planned = await asyncio.to_thread(route, question, self.catalog, today, self._classifier)
        calls = [(c.tool, c.arguments) for c in planned.calls]
        notes: list[str] = []
        if planned.intent.confidence < _MIN_CONFIDENCE:
            calls = [("semantic_search", {"query": question})]
            notes.append(
                "the question did not clearly match a known kind; showing the closest findings and contracts"
            )
        results, records = await self._run(calls)
        errors = [r.error for r in records]
        text = compose_offline(question, results, errors)
        parts = [AnswerPart("text", text=text), *table_parts(results)]
        return Answer(
            question,
            text,
            parts,
            records,
            "offline",
            planned.intent.name,
            round(planned.intent.confidence, 3),
            notes,
        )

    async def _run(
        self, calls: Sequence[tuple[str, dict[str, object]]]
    ) -> tuple[list[ToolResult | None], list[ToolCallRecord]]:
        """Run the calls in parallel threads; a failed or forbidden call becomes an error record."""
        outcomes = await asyncio.gather(*(asyncio.to_thread(self._one, name, args) for name, args in calls))
        return [o[0] for o in outcomes], [o[1] for o in outcomes]

    def _one(self, name: str, arguments: dict[str, object]) -> tuple[ToolResult | None, ToolCallRecord]:
        started = time.perf_counter()
        tool = TOOLS.get(name)
        if tool is not None and not self._allowed(tool.permission):
            error = f"this needs the {tool.permission!r} permission, which your roles lack"
            return None, ToolCallRecord(name, dict(arguments), "", error)
        try:
            result = run_tool(self._ctx, name, dict(arguments))
        except Exception as exc:  # one failing tool must not lose the others' results
            return None, ToolCallRecord(
                name,
                dict(arguments),
                "",
                f"{exc.__class__.__name__}: {exc}",
                round(time.perf_counter() - started, 3),
            )
        return result, ToolCallRecord(
            name, result.arguments, result.summary, None, round(time.perf_counter() - started, 3)
        )

    async def _llm_stream(self, question: str) -> AsyncIterator[tuple[str, Any]]:
        assert self._llm is not None
        specs = tuple(ToolSpec(t.name, t.description, t.parameters) for t in tool_specs(self._allowed))
        messages: list[Message] = [Message("user", question)]
        results: list[ToolResult | None] = []
        records: list[ToolCallRecord] = []
        text = ""
        for _ in range(self._max_rounds):
            request = LlmRequest(
                tuple(messages), system=SYSTEM_PROMPT, tools=specs, max_tokens=1200, purpose="ask"
            )
            completion: Completion | None = None
            async for event in self._llm.stream(request):
                if isinstance(event, Completion):
                    completion = event
                else:
                    yield "delta", event.text
            assert completion is not None  # a stream ends with its Completion
            if not completion.tool_calls:
                text = completion.text
                break
            messages.append(Message("assistant", completion.text, tool_calls=completion.tool_calls))
            found, made = await self._run([(c.name, c.arguments) for c in completion.tool_calls])
            for record in made:
                yield "call", record
            results += found
            records += made
            messages += [
                _tool_message(call, result, record)
                for call, result, record in zip(completion.tool_calls, found, made, strict=True)
            ]
        yield "answer", self._llm_answer(question, text, results, records)

    def _llm_answer(
        self, question: str, text: str, results: list[ToolResult | None], records: list[ToolCallRecord]
    ) -> Answer:
        assert self._llm is not None
        notes: list[str] = []
        problems = ungrounded(re.sub(r"\[\d+\]", " ", text), question, [r.as_dict(500) for r in results if r])
        if problems:
            notes.append(
                f"the model's answer had figures not in the tool results ({', '.join(problems[:8])}); "
                "the tool results' summary is shown instead"
            )
        if not text or problems:
            text = compose_offline(question, results, [r.error for r in records])
        parts = [AnswerPart("text", text=text), *table_parts(results)]
        return Answer(question, text, parts, records, f"llm:{self._llm.provider.name}", notes=notes)


def _tool_message(call: ToolCall, result: ToolResult | None, record: ToolCallRecord) -> Message:
    body = {"error": record.error} if result is None else result.as_dict(max_rows=20)
    return Message("tool", json.dumps(body, default=str), tool_call_id=call.id)
