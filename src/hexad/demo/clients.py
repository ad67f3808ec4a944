"""Clients and their sites: who the MSP serves, how big they are and where they are.

Nothing is planted here. The hidden `client_weight` (seats ** 0.8) drives how many tickets a client
opens; `client_start`/`client_end` bound every other area's activity for that client.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hexad.demo.context import REFERENCE_DATE, START_DATE, DemoContext

__all__ = ["CITIES", "build_clients"]

CITIES: list[tuple[str, str, float, float]] = [
    ("Chicago", "US", 41.8781, -87.6298),
    ("Denver", "US", 39.7392, -104.9903),
    ("Austin", "US", 30.2672, -97.7431),
    ("Columbus", "US", 39.9612, -82.9988),
    ("Milwaukee", "US", 43.0389, -87.9065),
    ("Indianapolis", "US", 39.7684, -86.1581),
    ("Minneapolis", "US", 44.9778, -93.2650),
    ("St. Louis", "US", 38.6270, -90.1994),
    ("Kansas City", "US", 39.0997, -94.5786),
    ("Toronto", "CA", 43.6532, -79.3832),
    ("Manchester", "GB", 53.4808, -2.2426),
]
_INDUSTRIES = [
    "healthcare",
    "legal",
    "accounting",
    "manufacturing",
    "construction",
    "education",
    "non_profit",
    "retail",
    "real_estate",
    "logistics",
    "engineering",
    "dental",
]
_TIERS = np.array(["platinum", "gold", "silver", "bronze"])
_TIER_SEATS = {"platinum": (150, 400), "gold": (60, 150), "silver": (20, 60), "bronze": (5, 20)}


def build_clients(ctx: DemoContext) -> None:
    """Add `clients` and `sites` to the context."""
    rng, fake = ctx.rng("clients"), ctx.faker("clients")
    n = ctx.clients
    tiers = rng.choice(_TIERS, size=n, p=[0.08, 0.22, 0.40, 0.30])
    seats = np.array([rng.integers(*_TIER_SEATS[t]) for t in tiers])
    start, end, status = _lifecycle(rng, n)
    city_index = rng.integers(0, len(CITIES), size=n)
    frame = pd.DataFrame(
        {
            "client_id": [f"CL-{i + 1:04d}" for i in range(n)],
            "name": _unique_companies(fake, n),
            "tier": tiers,
            "status": status,
            "industry": rng.choice(_INDUSTRIES, size=n),
            "contract_value": np.nan,
            "start_date": start,
            "end_date": end,
            "seats": seats,
            "endpoints": np.round(seats * rng.uniform(1.1, 1.6, size=n)).astype(int),
            "city": [CITIES[i][0] for i in city_index],
            "country": [CITIES[i][1] for i in city_index],
        }
    )
    ctx.tables["clients"] = frame
    ctx.hidden["client_city"] = city_index
    ctx.hidden["client_weight"] = seats.astype(float) ** 0.8
    ctx.tables["sites"] = _sites(rng, fake, frame, city_index)


def _unique_companies(fake: object, n: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        name = str(fake.company())  # type: ignore[attr-defined]
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _lifecycle(rng: np.random.Generator, n: int) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Start dates (most before the window), churn dates for about 8% and onboarding for new ones."""
    window = (REFERENCE_DATE - START_DATE).days
    before = rng.random(n) < 0.7
    start_days = np.where(before, -rng.integers(30, 3000, size=n), rng.integers(0, window - 20, size=n))
    start = START_DATE + pd.to_timedelta(start_days, unit="D")
    churned = (rng.random(n) < 0.08) & (start_days < window - 400)
    end_days = np.where(churned, np.maximum(start_days, 0) + rng.integers(200, 400, size=n), 0)
    end_days = np.minimum(end_days, window - 60)
    end = pd.Series(START_DATE + pd.to_timedelta(end_days, unit="D")).where(churned)
    onboarding = start_days > window - 90
    status = np.where(churned, "churned", np.where(onboarding, "onboarding", "active"))
    return pd.Series(start), end, status


def _sites(
    rng: np.random.Generator, fake: object, clients: pd.DataFrame, city_index: np.ndarray
) -> pd.DataFrame:
    counts = 1 + rng.binomial(2, 0.3, size=len(clients)) + (clients["tier"] == "platinum").to_numpy()
    owner = np.repeat(np.arange(len(clients)), counts)
    number = np.concatenate([np.arange(c) for c in counts])
    base = np.array([CITIES[i][2:] for i in city_index[owner]])
    names = np.where(number == 0, "Head office", [f"Branch {k}" for k in number])
    return pd.DataFrame(
        {
            "site_id": [f"ST-{i + 1:05d}" for i in range(len(owner))],
            "client_id": clients["client_id"].to_numpy()[owner],
            "name": names,
            "address": [fake.street_address() for _ in owner],  # type: ignore[attr-defined]
            "latitude": np.round(base[:, 0] + rng.normal(0, 0.08, size=len(owner)), 5),
            "longitude": np.round(base[:, 1] + rng.normal(0, 0.1, size=len(owner)), 5),
        }
    )
