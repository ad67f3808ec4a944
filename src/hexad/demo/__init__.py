"""A synthetic MSP with planted, known findings: the data set the agents are measured against.

`generate(seed, out, clients=200)` writes three years of an MSP's data in the import format plus
`ground_truth.json`. One module per area; each module's docstring says what it plants and which
confounders make the signal hard to find.
"""

from __future__ import annotations

from hexad.demo.generator import GenerationResult, generate

__all__ = ["GenerationResult", "generate"]
