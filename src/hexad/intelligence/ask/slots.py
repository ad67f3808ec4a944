"""Slot extraction: which client, vendor, technician or department a question names, and its period.

Names are matched against the MSP's own data with rapidfuzz, so "Case White", "case-white's" and
"Savage Sofware" find their records; ids (CL-0007, VN-021, TC-019) are taken as written. Periods
("last 6 months", "next 60 days", "this year", "since March 2026") become `months` / `days`
arguments. The `Catalog` is built from the data, or from a fixed list for the routing test set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from dateutil import parser as dateparser
from rapidfuzz import fuzz

from hexad.agents.base import FrameSource

__all__ = ["Catalog", "Slots", "extract_slots"]

_LEGAL = re.compile(r"\b(plc|ltd|llc|inc|group|and sons|corp|co)\b\.?", re.IGNORECASE)
_IDS = {
    "client_id": re.compile(r"\bCL-\d{3,}\b", re.IGNORECASE),
    "vendor_id": re.compile(r"\bVN-\d{2,}\b", re.IGNORECASE),
    "technician_id": re.compile(r"\bTC-\d{2,}\b", re.IGNORECASE),
    "contract_id": re.compile(r"\bCT-\d{3,}\b", re.IGNORECASE),
}
_COMMON = {
    "case",
    "white",
    "west",
    "east",
    "north",
    "south",
    "green",
    "brown",
    "young",
    "king",
    "long",
    "best",
    "good",
    "hall",
    "price",
    "cost",
    "bell",
    "cloud",
    "data",
    "systems",
    "software",
    "services",
    "networks",
}
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "nine": 9,
    "twelve": 12,
    "eighteen": 18,
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
}


@dataclass(frozen=True)
class Catalog:
    """Names to match, per slot: id -> display name."""

    clients: dict[str, str] = field(default_factory=dict)
    vendors: dict[str, str] = field(default_factory=dict)
    technicians: dict[str, str] = field(default_factory=dict)
    departments: tuple[str, ...] = ()

    @classmethod
    def from_frames(cls, frames: FrameSource) -> Catalog:
        """The names in the MSP's data."""

        def names(entity: str, key: str) -> dict[str, str]:
            frame = frames(entity)
            return dict(zip(frame[key].astype(str), frame["name"].astype(str), strict=True))

        departments = set(frames("budgets")["department"].dropna().astype(str))
        departments |= set(frames("expenses")["department"].dropna().astype(str))
        return cls(
            names("clients", "client_id"),
            names("vendors", "vendor_id"),
            names("technicians", "technician_id"),
            tuple(sorted(departments)),
        )


@dataclass
class Slots:
    """What a question names: ids, a department, and a period as months or days."""

    client_id: str | None = None
    vendor_id: str | None = None
    technician_id: str | None = None
    contract_id: str | None = None
    department: str | None = None
    months: int | None = None
    days: int | None = None
    mentions: dict[str, str] = field(default_factory=dict)  # slot -> the words of the question it matched

    def as_dict(self) -> dict[str, object]:
        """The filled slots only."""
        return {k: v for k, v in self.__dict__.items() if v is not None and k != "mentions"}

    def masked(self, question: str) -> str:
        """The question with each matched name replaced by its kind ("client", "vendor", ...)."""
        text = _flat(question)
        for slot, words in self.mentions.items():
            text = text.replace(words, slot.removesuffix("_id"))
        return text


def _aliases(name: str, others: list[str]) -> list[str]:
    """The full name, the name without a legal suffix, and a distinctive first word."""
    base = _flat(_LEGAL.sub("", name))
    aliases = [_flat(name), base]
    first = base.split(" ")[0] if base else ""
    if len(first) >= 5 and first not in _COMMON and sum(_flat(o).startswith(first) for o in others) == 1:
        aliases.append(first)
    return list(dict.fromkeys(a for a in aliases if len(a) >= 4))


def _flat(text: str) -> str:
    """Lower case, possessives dropped, hyphens and commas as spaces: how names are compared."""
    text = re.sub(r"'s\b|’s\b", "", text.lower())
    return " ".join(re.findall(r"[\w&]+", text))


def _best(question: str, names: dict[str, str], threshold: float) -> tuple[str, float, str] | None:
    """The id whose name (or alias) best matches a word span of the question, and that span."""
    words = _flat(question).split()
    everything = list(names.values())
    best: tuple[str, float, str] | None = None
    for key, name in names.items():
        for alias in _aliases(name, everything):
            size = len(alias.split())
            spans = [" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))]
            score, span = max(((fuzz.ratio(alias, s), s) for s in spans), default=(0.0, ""))
            score += 0.01 * len(alias)  # prefer the longer, more specific alias on ties
            if score >= threshold and (best is None or score > best[1]):
                best = (key, score, span)
    return best


def _period(question: str, today: date | None) -> tuple[int | None, int | None]:
    text = question.lower()
    for word, number in _NUMBER_WORDS.items():
        text = re.sub(rf"\b{word}\b", str(number), text)
    months = days = None
    if found := re.search(r"\b(\d{1,3})\s*(months?|mo)\b", text):
        months = int(found.group(1))
    elif found := re.search(r"\b(\d{1,2})\s*years?\b", text):
        months = 12 * int(found.group(1))
    elif re.search(r"\b(quarter|q[1-4])\b", text):
        months = 3
    elif re.search(r"\b(this year|year to date|ytd|last year|past year|twelve months)\b", text):
        months = 12
    if found := re.search(r"\b(\d{1,3})\s*days?\b", text):
        days = int(found.group(1))
    elif found := re.search(r"\b(\d{1,2})\s*weeks?\b", text):
        days = 7 * int(found.group(1))
    elif months is not None and re.search(r"\b(next|coming|within|ahead)\b", text):
        days = 30 * months
    if months is None and today is not None and (found := re.search(r"\bsince ([\w ,-]{3,20})", text)):
        months = _months_since(found.group(1), today)
    return months, days


def _months_since(text: str, today: date) -> int | None:
    try:
        start = dateparser.parse(
            text, default=pd.Timestamp(today.year, 1, 1).to_pydatetime(), fuzzy=True
        ).date()
    except (ValueError, OverflowError):
        return None
    if start > today:
        return None
    return (today.year - start.year) * 12 + today.month - start.month + 1


def extract_slots(question: str, catalog: Catalog, today: date | None = None) -> Slots:
    """The slots of a question; ids written out win over names matched by fuzzy search."""
    slots = Slots()
    for name, pattern in _IDS.items():
        if written := pattern.search(question):
            setattr(slots, name, written.group().upper())
    for slot, names in (
        ("client_id", catalog.clients),
        ("vendor_id", catalog.vendors),
        ("technician_id", catalog.technicians),
    ):
        if getattr(slots, slot) is None and (found := _best(question, names, 88.0)):
            setattr(slots, slot, found[0])
            slots.mentions[slot] = found[2]
    department = _best(question, {d: d for d in catalog.departments}, 90.0)
    if department:
        slots.department, slots.mentions["department"] = department[0], department[2]
    _drop_overlaps(question, slots, catalog)
    slots.months, slots.days = _period(question, today)
    return slots


def _drop_overlaps(question: str, slots: Slots, catalog: Catalog) -> None:
    """A name that matched both as a client and a vendor keeps the closer match only."""
    if (
        slots.client_id
        and slots.vendor_id
        and slots.client_id in catalog.clients
        and slots.vendor_id in catalog.vendors
    ):
        client = _best(question, {slots.client_id: catalog.clients[slots.client_id]}, 0.0)
        vendor = _best(question, {slots.vendor_id: catalog.vendors[slots.vendor_id]}, 0.0)
        if client and vendor:
            dropped = "vendor_id" if client[1] >= vendor[1] else "client_id"
            setattr(slots, dropped, None)
            slots.mentions.pop(dropped, None)
