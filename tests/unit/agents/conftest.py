"""A small generated data set shared by the agent tests (seed 7, 60 clients: a few seconds once)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hexad.agents.base import FrameSource
from hexad.agents.frames import frames_from_folder
from hexad.demo import generate
from hexad.demo.ground_truth import load_ground_truth

AGENT_SEED = 7
AGENT_CLIENTS = 60


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("agents-demo") / "data"
    generate(AGENT_SEED, out, clients=AGENT_CLIENTS)
    return out


@pytest.fixture(scope="session")
def frames(demo_folder: Path) -> FrameSource:
    return frames_from_folder(demo_folder)


@pytest.fixture(scope="session")
def truth(demo_folder: Path) -> dict[str, Any]:
    return load_ground_truth(demo_folder)
