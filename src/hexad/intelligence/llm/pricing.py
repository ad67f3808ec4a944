"""What a call costs: US dollars per million tokens, by model, from the providers' published prices.

Unknown models (a local vLLM, llama.cpp or Ollama server) cost nothing. Prices change: extend or
override `PRICES` rather than trusting an old table for billing.
"""

from __future__ import annotations

from dataclasses import dataclass

from hexad.intelligence.llm.types import Usage

__all__ = ["PRICES", "Price", "cost_of"]


@dataclass(frozen=True)
class Price:
    """USD per million tokens: input, output, cache reads and cache writes."""

    input: float
    output: float
    cache_read: float
    cache_write: float


_SONNET = Price(3.0, 15.0, 0.30, 3.75)
_HAIKU = Price(0.80, 4.0, 0.08, 1.0)
_OPUS = Price(15.0, 75.0, 1.50, 18.75)

# Matched by prefix after stripping a Bedrock region/provider prefix ("us.anthropic.").
PRICES: dict[str, Price] = {
    "claude-sonnet-4": _SONNET,
    "claude-3-7-sonnet": _SONNET,
    "claude-3-5-sonnet": _SONNET,
    "claude-3-5-haiku": _HAIKU,
    "claude-haiku-4": Price(1.0, 5.0, 0.10, 1.25),
    "claude-opus-4": _OPUS,
    "gpt-4o-mini": Price(0.15, 0.60, 0.075, 0.0),
    "gpt-4o": Price(2.50, 10.0, 1.25, 0.0),
    "gpt-4.1-mini": Price(0.40, 1.60, 0.10, 0.0),
    "gpt-4.1": Price(2.0, 8.0, 0.50, 0.0),
    "amazon.nova-pro": Price(0.80, 3.20, 0.20, 0.0),
    "amazon.nova-lite": Price(0.06, 0.24, 0.015, 0.0),
}


def _price(model: str) -> Price | None:
    name = model.split("anthropic.", 1)[-1] if "anthropic." in model else model
    for prefix in sorted(PRICES, key=len, reverse=True):
        if name.startswith(prefix):
            return PRICES[prefix]
    return None


def cost_of(model: str, usage: Usage) -> float:
    """The call's cost in USD (0 for a model without a known price)."""
    price = _price(model)
    if price is None:
        return 0.0
    total = (
        usage.input_tokens * price.input
        + usage.output_tokens * price.output
        + usage.cache_read_tokens * price.cache_read
        + usage.cache_write_tokens * price.cache_write
    )
    return round(total / 1_000_000, 6)
