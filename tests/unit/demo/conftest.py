"""One small generated data set shared by the demo unit tests (generation takes a few seconds)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hexad.demo import generate
from hexad.demo.generator import GenerationResult
from hexad.demo.ground_truth import load_ground_truth

SMALL_SEED = 11
SMALL_CLIENTS = 50


@pytest.fixture(scope="session")
def small_set(tmp_path_factory: pytest.TempPathFactory) -> GenerationResult:
    return generate(SMALL_SEED, tmp_path_factory.mktemp("demo") / "data", clients=SMALL_CLIENTS)


@pytest.fixture(scope="session")
def table(small_set: GenerationResult) -> Callable[[str], pd.DataFrame]:
    """Read an entity file back as text, the way an importer sees it (missing cells are "")."""
    cache: dict[str, pd.DataFrame] = {}

    def read(entity: str) -> pd.DataFrame:
        if entity not in cache:
            path: Path = small_set.paths[entity]
            if path.suffix == ".parquet":
                cache[entity] = pd.read_parquet(path)
            else:
                cache[entity] = pd.read_csv(path, dtype=str, keep_default_na=False)
        return cache[entity]

    return read


@pytest.fixture(scope="session")
def truth(small_set: GenerationResult) -> dict[str, Any]:
    return load_ground_truth(small_set.out)
