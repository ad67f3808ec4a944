"""The hidden story of each client: who erodes, who is about to churn, and who only looks like it.

Planted (indices into `clients`, kept in `ctx.hidden`):
- erosion: ~8% of active clients on managed services whose ticket volume (and so labour) climbs
  steadily over their last 3-6 months to 1.9-2.5x while the fixed fee stays flat;
- churn: ~8% of active clients with rising tickets (x1.3-1.6 over 6 months), satisfaction falling
  from ~4.4 to ~2.6, invoices paid 15-60 days late for 6 months and an agreement ending 30-150 days
  after the reference date.
Confounders: "spike" clients get one big fixed-fee project month (a one-off dip, not a trend);
"growth" clients' tickets rise x1.4 with happy users; "late payers" are always 5-20 days late;
"renewal" clients have an agreement ending soon but are otherwise healthy; "bad month" clients
have one month of poor satisfaction. The sets overlap a little, as in real life.
History: about three in four clients that churned inside the window showed the same warning signs
in their last six months (satisfaction falling to ~2.6, invoices paid 15-60 days late, see
`invoicing`); the rest left without warning. This is the history a churn model learns from. It
draws from its own stream (`health.history`), so no other number of the data set moves.
"""

from __future__ import annotations

import numpy as np

from hexad.demo.context import MONTHS, DemoContext

__all__ = ["plan_client_health"]

_SETS = ("erosion", "churn", "spike", "growth", "late_payers", "renewal", "bad_month")


def plan_client_health(ctx: DemoContext) -> None:
    """Choose the planted and confounder sets; build the monthly ticket and satisfaction curves."""
    rng = ctx.rng("health")
    clients = ctx.tables["clients"]
    n, m = len(clients), len(MONTHS)
    eligible = np.flatnonzero(
        (clients["status"] == "active").to_numpy() & (clients["start_date"] < "2025-01-01").to_numpy()
    )
    k = max(1, round(0.08 * n))
    picks = {name: _pick(rng, eligible, k) for name in _SETS}
    picks["churn"] = np.union1d(picks["churn"][: k - k // 4], picks["erosion"][: k // 4])
    ticket = np.ones((n, m))
    satisfaction = np.full((n, m), 4.4) + rng.normal(0, 0.15, size=(n, 1))
    decline = {}
    for c in picks["erosion"]:
        length = int(rng.integers(3, 7))
        decline[int(c)] = length
        ticket[c, m - length :] = np.linspace(1, rng.uniform(1.9, 2.5), length + 1)[1:]
    for c in picks["churn"]:
        ticket[c, m - 6 :] *= np.linspace(1, rng.uniform(1.3, 1.6), 7)[1:]
        satisfaction[c, m - 6 :] = np.linspace(4.2, rng.uniform(2.3, 2.9), 6)
    for c in picks["growth"]:
        ticket[c, m - 6 :] *= np.linspace(1, 1.4, 7)[1:]
    for c in picks["bad_month"]:
        satisfaction[c, int(rng.integers(m - 8, m))] = 2.8
    ctx.hidden["health"] = {name: np.sort(values) for name, values in picks.items()}
    ctx.hidden["erosion_months"] = decline
    ctx.hidden["ticket_multiplier"] = ticket * rng.lognormal(0, 0.08, size=(n, m))
    ctx.hidden["satisfaction_mean"] = satisfaction
    _plan_past_churn(ctx, satisfaction)


def _plan_past_churn(ctx: DemoContext, satisfaction: np.ndarray) -> None:
    """Warning signs before the end of most clients that already churned (index -> end month index)."""
    rng = ctx.rng("health.history")
    clients = ctx.tables["clients"]
    churned = np.flatnonzero((clients["status"] == "churned").to_numpy())
    warned = churned[rng.random(len(churned)) < 0.75]
    ends = clients["end_date"].dt.strftime("%Y-%m").to_numpy()
    past: dict[int, int] = {}
    for c in warned:
        end = MONTHS.index(ends[c]) if ends[c] in MONTHS else -1
        if end < 1:
            continue
        first = max(0, end - 5)
        satisfaction[c, first : end + 1] = np.linspace(4.2, rng.uniform(2.3, 2.9), end + 1 - first)
        past[int(c)] = end
    ctx.hidden["past_churn"] = past


def _pick(rng: np.random.Generator, eligible: np.ndarray, k: int) -> np.ndarray:
    return rng.choice(eligible, size=min(k, len(eligible)), replace=False)
