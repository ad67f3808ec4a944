"""The `offline` provider: no network and no model. It answers from a script, or says it has none.

Hexad's offline behaviour does not come from here: narratives come from the offline writer and
questions from the intent classifier, chosen by `LlmClient.offline`. This provider exists so that
"no LLM configured" is a provider like the others, and so tests can script exact answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from hexad.intelligence.llm.types import Completion, LlmRequest, StreamEvent, TextDelta, Usage

__all__ = ["OfflineProvider"]

Script = Callable[[LlmRequest], Completion]
_NO_MODEL = "No language model is configured (HEXAD_LLM_PROVIDER=offline)."


class OfflineProvider:
    """Deterministic answers with no network: `script(request)`, else a fixed notice."""

    name = "offline"

    def __init__(self, script: Script | None = None, model: str = "offline") -> None:
        self.model = model
        self._script = script

    async def complete(self, request: LlmRequest) -> Completion:
        if self._script is not None:
            return self._script(request)
        return Completion(text=_NO_MODEL, usage=Usage(), model=self.model)

    async def stream(self, request: LlmRequest) -> AsyncIterator[StreamEvent]:
        completion = await self.complete(request)
        for index, word in enumerate(completion.text.split(" ")):
            yield TextDelta(word if index == 0 else " " + word)
        yield completion
