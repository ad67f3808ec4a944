"""Lead scoring quality: held-out ROC AUC, Brier score and calibration of the win model, on unseen seeds.

For each seed (101, 202, 303 by default, never used in tests) only the sales area of the demo is
generated (clients, leads, opportunities, activities: seconds, not the whole MSP), the SPO win model
is trained on the closed deals (`hexad.agents.spo_scoring.train_win_model`) and judged on its
out-of-fold probabilities (5-fold stratified: each deal scored by a model that never saw it).
Reported beside it: the ROC AUC of the generator's true win probabilities (the best any model of
these deals could hope for, since outcomes are drawn from them), and two baselines, the won share
of each lead source (what a sales manager's spreadsheet knows) and the deal amount alone.
Targets: held-out ROC AUC >= 0.80, and well below 1.0 (a perfect score would mean a leak).

Run: `uv run python benchmarks/spo_scoring.py [--seeds 101,202,303] [--clients 200]`
"""

from __future__ import annotations

import argparse
import json
import statistics
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table
from sklearn.metrics import brier_score_loss, roc_auc_score  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

from hexad.agents.spo_scoring import WinModel, deal_features, train_win_model
from hexad.demo.clients import build_clients
from hexad.demo.context import REFERENCE_DATE, DemoContext
from hexad.demo.sales import build_sales


def _closed_deals(seed: int, clients: int) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Features, outcomes and true win probabilities of one seed's closed deals."""
    ctx = DemoContext(seed, clients=clients)
    build_clients(ctx)
    build_sales(ctx)
    opportunities = ctx.tables["opportunities"]
    features = deal_features(
        opportunities, ctx.tables["leads"], ctx.tables["activities"], REFERENCE_DATE.date()
    )
    stage = opportunities.set_index("opportunity_id")["stage"]
    closed = stage[stage.str.startswith("closed")].index
    truth = pd.Series(ctx.hidden["win_probability"]).loc[closed]
    return features.loc[closed], (stage.loc[closed] == "closed_won").astype(int), truth


def _source_baseline(features: pd.DataFrame, won: pd.Series) -> float:
    """Out-of-fold won share per lead source, as a score."""
    scores = pd.Series(0.0, index=features.index)
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(features, won):
        rates = won.iloc[train].groupby(features["source"].iloc[train]).mean()
        scores.iloc[test] = features["source"].iloc[test].map(rates).fillna(won.iloc[train].mean())
    return float(roc_auc_score(won, scores))


def evaluate(seed: int, clients: int) -> tuple[dict[str, Any], WinModel]:
    """One seed's numbers."""
    features, won, truth = _closed_deals(seed, clients)
    model = train_win_model(features, won)
    return {
        "closed_deals": len(won),
        "won_share": round(float(won.mean()), 3),
        "held_out_auc": round(model.held_out_auc, 3),
        "held_out_brier": round(model.held_out_brier, 3),
        "true_probability_auc": round(float(roc_auc_score(won, truth)), 3),
        "true_probability_brier": round(float(brier_score_loss(won, truth)), 3),
        "source_only_auc": round(_source_baseline(features, won), 3),
        "amount_only_auc": round(float(roc_auc_score(won, -features["log_amount"])), 3),
    }, model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="101,202,303", help="comma-separated unseen seeds")
    parser.add_argument("--clients", type=int, default=200)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    results: dict[int, dict[str, Any]] = {}
    pooled: list[pd.DataFrame] = []
    for seed in seeds:
        results[seed], model = evaluate(seed, args.clients)
        pooled.append(model.held_out)
    console = Console()
    table = Table(title=f"Win model on held-out deals ({args.clients} clients per seed)")
    metrics = list(next(iter(results.values())))
    table.add_column("metric")
    for seed in seeds:
        table.add_column(str(seed), justify="right")
    table.add_column("median", justify="right")
    for name in metrics:
        values = [results[s][name] for s in seeds]
        table.add_row(name, *map(str, values), f"{statistics.median(values):g}")
    console.print(table)
    calibration = _calibration(pd.concat(pooled))
    bins = Table(title="Calibration, all seeds' out-of-fold probabilities in deciles")
    for column in ("deals", "mean predicted", "share won"):
        bins.add_column(column, justify="right")
    for row in calibration:
        bins.add_row(str(row["deals"]), f"{row['predicted']:.2f}", f"{row['won']:.2f}")
    console.print(bins)
    medians = {name: statistics.median(results[s][name] for s in seeds) for name in metrics}
    print(json.dumps({"benchmark": "spo_scoring", "seeds": seeds, "median": medians,
                      "per_seed": results, "calibration": calibration}))  # fmt: skip


def _calibration(held_out: pd.DataFrame, bins: int = 10) -> list[dict[str, Any]]:
    frame = held_out.sort_values("probability", kind="stable")
    rows = []
    for positions in np.array_split(np.arange(len(frame)), bins):
        part = frame.iloc[positions]
        rows.append({"deals": len(part), "predicted": round(float(part["probability"].mean()), 3),
                     "won": round(float(part["won"].mean()), 3)})  # fmt: skip
    return rows


if __name__ == "__main__":
    main()
