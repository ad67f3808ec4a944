"""The demo's won/lost history: outcomes follow plausible drivers, noisily, and the leads agree with them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

from hexad.demo.clients import build_clients
from hexad.demo.context import DemoContext
from hexad.demo.sales import build_sales
from hexad.demo.sales_outcomes import closed_outcome


@pytest.fixture(scope="module")
def sales() -> DemoContext:
    ctx = DemoContext(11, clients=200)
    build_clients(ctx)
    build_sales(ctx)
    return ctx


def _closed(ctx: DemoContext) -> pd.DataFrame:
    deals = ctx.tables["opportunities"].merge(ctx.tables["leads"], on="lead_id", suffixes=("", "_lead"))
    return deals[deals["stage"].str.startswith("closed")].set_index("opportunity_id")


def test_about_a_third_of_a_large_history_is_won(sales: DemoContext) -> None:
    closed = _closed(sales)
    assert len(closed) > 300
    assert 0.25 <= (closed["stage"] == "closed_won").mean() <= 0.5


def test_won_deals_convert_their_leads_and_lost_ones_disqualify_them(sales: DemoContext) -> None:
    closed = _closed(sales)
    expected = np.where(closed["stage"] == "closed_won", "converted", "disqualified")
    assert (closed["status"] == expected).all()


def test_sources_matter_but_outcomes_stay_uncertain(sales: DemoContext) -> None:
    closed = _closed(sales)
    won = (closed["stage"] == "closed_won").astype(int)
    rates = won.groupby(closed["source"]).mean()
    assert rates["referral"] > rates["cold_outreach"] + 0.2
    truth = pd.Series(sales.hidden["win_probability"]).loc[closed.index]
    assert 0.8 < roc_auc_score(won, truth) < 0.97  # even the true probabilities cannot rank perfectly


def test_an_outcome_is_drawn_from_its_probability() -> None:
    rng = np.random.default_rng(5)
    outcomes = [closed_outcome(rng, "referral", "healthcare", 30_000.0, 2) for _ in range(2000)]
    won = np.mean([o.won for o in outcomes])
    assert abs(won - np.mean([o.probability for o in outcomes])) < 0.03
    assert 0.3 < won < 0.9
