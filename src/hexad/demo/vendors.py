"""The MSP's own suppliers: the vendor master shared by expenses and vendor contracts.

Nothing is planted here; `spend` adds expenses from vendors that are *not* in this list (the
`unusual_vendor` signal and its small first-seen confounders).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hexad.demo.context import DemoContext

__all__ = ["VENDOR_CATEGORIES", "build_vendors"]

VENDOR_CATEGORIES = [
    "software",
    "cloud",
    "hardware",
    "telecom",
    "facilities",
    "professional_services",
    "marketing",
    "training",
    "travel",
    "insurance",
]
_SUFFIX = {
    "software": "Software",
    "cloud": "Cloud",
    "hardware": "Systems",
    "telecom": "Networks",
    "facilities": "Property Services",
    "professional_services": "Advisory",
    "marketing": "Media",
    "training": "Academy",
    "travel": "Travel",
    "insurance": "Insurance",
}
_COUNTRIES = ["US", "US", "US", "US", "CA", "GB", "IE", "DE"]


def build_vendors(ctx: DemoContext) -> None:
    """Add `vendors` (about 60 at the default scale)."""
    rng, fake = ctx.rng("vendors"), ctx.faker("vendors")
    n = ctx.scaled(60, minimum=len(VENDOR_CATEGORIES) * 2)
    category = [VENDOR_CATEGORIES[i % len(VENDOR_CATEGORIES)] for i in range(n)]
    names: list[str] = []
    for cat in category:
        name = f"{fake.last_name()} {_SUFFIX[cat]}"
        while name in names:
            name = f"{fake.last_name()} {_SUFFIX[cat]}"
        names.append(name)
    slugs = [name.lower().replace(" ", "") for name in names]
    ctx.tables["vendors"] = pd.DataFrame(
        {
            "vendor_id": [f"VN-{i + 1:03d}" for i in range(n)],
            "name": names,
            "category": category,
            "country": rng.choice(_COUNTRIES, size=n),
            "website": [f"https://www.{s}.example" if rng.random() < 0.85 else None for s in slugs],
        }
    )
    ctx.hidden["vendor_index_by_category"] = {
        cat: np.flatnonzero(np.array(category) == cat) for cat in VENDOR_CATEGORIES
    }
