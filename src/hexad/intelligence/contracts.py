"""Contract terms out of contract text: each field with a value, a confidence and the text span it came from.

Rules and date parsing, no model: legal drafting states terms in a small number of phrasings (an
initial term "of N months" or "until DATE", renewal "for successive N-month periods", notice "N days
prior to the end of the term"), and a rule that matched can point at its evidence, which a person
must be able to check. No library extracts contract terms; dateutil's fuzzy parser would invent
dates from OCR noise, so dates are matched by explicit formats.

The text is matched in a whitespace-collapsed copy (PDF and OCR text break lines mid-sentence);
spans are mapped back to offsets in the original text. Derived fields: `end_date` is the end of the
term current at `as_of` (auto-renewals rolled forward), and `notice_deadline` = `end_date` minus the
notice period, the date a non-renewal notice must beat. A notice period in months counts 30 days a
month. A notice period the document does not state stays unknown (null), never assumed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from dateutil.relativedelta import relativedelta
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

__all__ = ["FIELD_NAMES", "ContractTerms", "ExtractedField", "extract_terms", "parse_date"]

FIELD_NAMES = (
    "parties",
    "effective_date",
    "end_date",
    "initial_term_months",
    "renewal_term",
    "auto_renew",
    "notice_period_days",
    "notice_deadline",
    "value",
    "currency",
    "payment_terms",
    "governing_law",
)

_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_NUMBER_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
_NUMBER_WORD += r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
_NUMBER_WORD += r"hundred|and|[\s-])+"
# a misread number word ("twentytour") before a figure in brackets is skipped: the figure decides
# a figure in brackets may come back from OCR with a space inside it: "(1 2)"
_QUANTITY = (
    rf"(?:(?P<words>{_NUMBER_WORD})\s*)?(?:[a-z-]+\s*(?=\())?"
    r"(?:\(\s*(?P<paren>\d(?:\s?\d)*)\s*\)|(?P<digits>\d+))?"
)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = (
    rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|(?:{_MONTHS})\s+\d{{1,2}}[,.]?\s+\d{{4}}|\d{{1,2}}\s+(?:{_MONTHS}),?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)\s+day\s+of\s+(?:{_MONTHS})[,.]?\s+\d{{4}}|\d{{1,2}}/\d{{1,2}}/\d{{4}})"
)  # OCR reads the comma of "June 17, 2023" as a period now and then
_SHALL = r"sh[ae][il1|]{1,2}"  # "shall" as OCR reads it: "shail", "sha1l"
_CURRENCY_SYMBOLS = {"C$": "CAD", "A$": "AUD", "US$": "USD", "$": "USD", "€": "EUR", "£": "GBP"}
_CURRENCY_CODES = ("USD", "EUR", "GBP", "CAD", "AUD", "CHF", "NZD")
# letters OCR confuses with each other in capitals; a code read with one of them swapped is that code
_CAPITAL_CONFUSIONS = {"D": "O0", "O": "0D", "S": "5", "B": "8", "I": "1l", "G": "6C", "E": "F", "R": "P"}
_DAYS_PER_MONTH = 30
_PARTY_MATCH_SCORE = 88.0


@dataclass(frozen=True)
class ExtractedField:
    """One field's value, how sure the rule is (0..1) and where in the text it was read."""

    value: Any
    confidence: float
    span: tuple[int, int] | None

    def to_json(self) -> dict[str, Any]:
        """`{"value", "confidence", "span"}` with dates as ISO strings and money as a number."""
        value = self.value
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = float(value)
        span = list(self.span) if self.span is not None else None
        return {"value": value, "confidence": round(self.confidence, 3), "span": span}


@dataclass(frozen=True)
class ContractTerms:
    """Every field of `FIELD_NAMES`; a field the text does not state has value None and confidence 0."""

    fields: dict[str, ExtractedField]

    def value(self, name: str) -> Any:
        """The value of one field (None when unknown)."""
        return self.fields[name].value

    def to_json(self) -> dict[str, Any]:
        """The `hexad contracts extract --json` shape: `{"fields": {NAME: {...}}}`."""
        return {"fields": {name: field.to_json() for name, field in self.fields.items()}}


# A token made only of these characters is scanner dirt read as text ("renew | automatically",
# "Johnson . Advisory", "Sanders — Property"); prose never puts them between spaces.
_NOISE_TOKEN = re.compile(r"(?<!\S)[|¦_.,:;*'`~—–-]+(?!\S)")


# OCR reads digits as the letters they resemble ("2O25", "1O,5OO.OO"): in a figure, map them back
_FIGURE = re.compile(r"(?<![A-Za-z])[0-9OoIlS][0-9OoIlS,./-]*[0-9OoIlS](?![A-Za-z])")
_DIGIT_MISREADS = str.maketrans("OoIlS", "00115")


def _figure(match: re.Match[str]) -> str:
    token = match.group()
    return token.translate(_DIGIT_MISREADS) if any(c.isdigit() for c in token) else token


class _Text:
    """A whitespace-collapsed copy of the text, OCR noise and misread digits repaired, with a map back."""

    def __init__(self, original: str) -> None:
        noise = {i for m in _NOISE_TOKEN.finditer(original) for i in range(m.start(), m.end())}
        repaired = _FIGURE.sub(_figure, original)  # same length: offsets stay valid
        chars: list[str] = []
        origin: list[int] = []
        previous_space = True
        for index, char in enumerate(repaired):
            if index in noise:
                continue
            space = char.isspace()
            if space and previous_space:
                continue
            chars.append(" " if space else char)
            origin.append(index)
            previous_space = space
        self.flat = "".join(chars)
        self._origin = origin

    def span(self, start: int, end: int) -> tuple[int, int]:
        return (self._origin[start], self._origin[end - 1] + 1)


_UNKNOWN = ExtractedField(None, 0.0, None)


def parse_date(text: str) -> date | None:
    """A date in a format contracts use (ISO, "March 5, 2025", "5th day of March, 2025", MM/DD/YYYY)."""
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\s+day\s+of\s+", r"\1 ", text.strip())
    cleaned = re.sub(r"[,.]", "", re.sub(r"\s+", " ", cleaned))
    for form in ("%Y-%m-%d", "%B %d %Y", "%d %B %Y", "%m/%d/%Y"):
        try:
            return datetime.strptime(cleaned, form).date()
        except ValueError:
            continue
    return None


def _number(match: re.Match[str]) -> int | None:
    for group in ("paren", "digits"):
        if match.group(group):
            return int(re.sub(r"\s", "", match.group(group)))
    words = match.group("words")
    return _words_to_int(words) if words else None


def _words_to_int(words: str) -> int | None:
    total, current = 0, 0
    for word in re.split(r"[\s-]+", words.lower().strip()):
        if word in ("", "and"):
            continue
        if word == "hundred":
            current = max(current, 1) * 100
        elif word in _WORDS:
            current += _WORDS[word]
        else:
            return None
    total += current
    return total or None


def extract_terms(
    text: str, *, as_of: date | None = None, known_parties: Sequence[str] = ()
) -> ContractTerms:
    """Extract every field from contract text; `as_of` (default today) fixes which term is current.

    `known_parties` (the MSP's own name, the vendor list) lets a party name misread by OCR be
    matched to the name it was read from; without it the name is returned as read.
    """
    flat = _Text(text)
    today = as_of or date.today()
    fields: dict[str, ExtractedField] = {
        "parties": _parties(flat, known_parties),
        "effective_date": _effective_date(flat),
        "governing_law": _governing_law(flat),
        "payment_terms": _payment_terms(flat),
    }
    fields["initial_term_months"], initial_end = _initial_term(flat, fields["effective_date"])
    fields["auto_renew"], fields["renewal_term"] = _renewal(flat)
    fields["notice_period_days"] = _notice_period(flat)
    fields["value"], fields["currency"] = _value(flat)
    fields["end_date"] = _current_end(initial_end, fields["renewal_term"], fields["auto_renew"], today)
    fields["notice_deadline"] = _notice_deadline(fields["end_date"], fields["notice_period_days"])
    return ContractTerms({name: fields[name] for name in FIELD_NAMES})


def _found(
    flat: _Text, match: re.Match[str], value: Any, confidence: float, group: int = 0
) -> ExtractedField:
    return ExtractedField(value, confidence, flat.span(match.start(group), match.end(group)))


_PARTY = r"([A-Z0-9][^()\"“”]{1,120}?)"
_ROLE = r"\([^()]{2,40}?\)"  # ("Customer"), (the "Supplier"), and OCR's (*Suppiier®)


def _parties(flat: _Text, known: Sequence[str]) -> ExtractedField:
    pattern = rf"between\s+{_PARTY}\s*{_ROLE},?\s+and\s+{_PARTY}\s*{_ROLE}"
    match = re.search(pattern, flat.flat)
    if match is None:
        return _UNKNOWN
    read = [_capital_i(_legal_suffix(match.group(k).strip(" ,"))) for k in (1, 2)]
    matched = [_known_party(name, known) for name in read]
    confidence = 0.95 if all(m is not None for m in matched) else 0.9
    parties = [m if m is not None else name for name, m in zip(read, matched, strict=True)]
    return _found(flat, match, parties, confidence)


_SUFFIXES = ("Inc", "Ltd", "LLC", "PLC", "Corp")
_SUFFIX_AT_END = re.compile(r"(?P<sep>[,.]?)\s*\b(?P<word>[A-Za-z1|]{2,5})(?P<dot>\.?)$")


def _legal_suffix(name: str) -> str:
    """The legal suffix as it is written: usual case, a misread letter and a comma read as a period fixed.

    OCR reads "MSP, Inc." as "MSP. Inc." and "Inc." as "linc."; a period before a suffix is never
    how a company name is written, and a word one letter from a suffix after a comma is that suffix.
    """
    match = _SUFFIX_AT_END.search(name)
    if match is None:
        return name
    word = match.group("word")
    suffix = next((s for s in _SUFFIXES if s.lower() == word.lower()), None)
    if suffix is None and match.group("sep") and len(word) > 3:
        close = [s for s in _SUFFIXES if Levenshtein.distance(s.lower(), word.lower()) == 1]
        suffix = close[0] if len(close) == 1 else None
    if suffix is None:
        return name
    separator = ", " if match.group("sep") else " "
    return name[: match.start()].rstrip(" ,.") + separator + suffix + match.group("dot")


def _capital_i(name: str) -> str:
    """A word of a name that OCR began with "i" for "I" ("Brown insurance"): names capitalise words."""
    return re.sub(r"(?<![\w'’-])i(?=[a-z]{2,}\b)", "I", name)


def _split_suffix(name: str) -> tuple[str, str]:
    """(the name without its legal suffix, the suffix with its separator as written: ", Inc.")."""
    match = _SUFFIX_AT_END.search(name)
    if match is None or match.group("word").lower() not in {s.lower() for s in _SUFFIXES}:
        return name, ""
    return name[: match.start()].rstrip(" ,."), name[match.start() :]


def _known_party(name: str, known: Sequence[str]) -> str | None:
    """The known name `name` was read from (OCR's "Hexad Derno MSP" -> "Hexad Demo MSP"), if close enough.

    Names are compared without legal suffixes; the known spelling replaces the read one and the
    suffix stays as read, since a vendor list seldom records it. A tie between two names is no match.
    """
    if not known:
        return None
    heads = {_split_suffix(_legal_suffix(k))[0].lower(): k for k in known}
    head, suffix = _split_suffix(name)
    best = process.extract(head.lower(), list(heads), scorer=fuzz.ratio, limit=2)
    if not best or best[0][1] < _PARTY_MATCH_SCORE or (len(best) > 1 and best[1][1] == best[0][1]):
        return None
    return _split_suffix(_legal_suffix(heads[best[0][0]]))[0] + suffix


def _date_field(flat: _Text, patterns: list[tuple[str, float]]) -> ExtractedField:
    for pattern, confidence in patterns:
        match = re.search(pattern, flat.flat, flags=re.IGNORECASE)
        if match is None:
            continue
        parsed = parse_date(match.group("date"))
        if parsed is not None:
            return _found(flat, match, parsed, confidence, group=1)
    return _UNKNOWN


def _effective_date(flat: _Text) -> ExtractedField:
    return _date_field(
        flat,
        [
            (rf"commences\s+on\s+(?P<date>{_DATE})", 0.95),
            (rf"Effective\s+Date\s+[oa]f\s+(?P<date>{_DATE})", 0.95),
            (rf"effective\s+(?:as\s+of|from|on)\s+(?P<date>{_DATE})", 0.95),
            (rf"(?P<date>{_DATE})\s*\(\s*the\s+[\"“”]?Effective\s+Date", 0.9),
            (rf"dated\s+(?:as\s+of\s+)?(?P<date>{_DATE})", 0.7),
        ],
    )


def _initial_term(flat: _Text, effective: ExtractedField) -> tuple[ExtractedField, ExtractedField]:
    start = effective.value if isinstance(effective.value, date) else None
    months = re.search(rf"initial\s+ter[mn]\s+of\s+{_QUANTITY}\s*months", flat.flat, re.IGNORECASE)
    years = re.search(rf"initial\s+ter[mn]\s+{_SHALL}\s+be\s+{_QUANTITY}\s*years?", flat.flat, re.IGNORECASE)
    until = re.search(rf"(?:until|through|expires\s+on)\s+(?P<date>{_DATE})", flat.flat, re.IGNORECASE)
    count: int | None = None
    match: re.Match[str] | None = None
    if months is not None and (count := _number(months)) is not None:
        match = months
    elif years is not None and (count := _number(years)) is not None:
        count, match = count * 12, years
    if match is not None and count is not None:
        term = _found(flat, match, count, 0.95)
        end = ExtractedField(start + relativedelta(months=count), 0.9, term.span) if start else _UNKNOWN
        return term, end
    if until is not None and (end_day := parse_date(until.group("date"))) is not None:
        end = _found(flat, until, end_day, 0.9)
        if start is None:
            return _UNKNOWN, end
        delta = relativedelta(end_day, start)
        return ExtractedField(delta.years * 12 + delta.months, 0.85, end.span), end
    return _UNKNOWN, _UNKNOWN


def _renewal(flat: _Text) -> tuple[ExtractedField, ExtractedField]:
    no = re.search(
        rf"(?:{_SHALL}|wil?l)\s+not\s+(?:be\s+)?renew(?:ed)?\s+automatically|no\s+automatic\s+renewal"
        rf"|(?:{_SHALL}|wil?l)\s+not\s+automatically\s+renew",
        flat.flat,
        re.IGNORECASE,
    )
    if no is not None:
        return _found(flat, no, False, 0.95), ExtractedField(None, 0.9, None)
    periods = [
        rf"successive\s+{_QUANTITY}\s*-?\s*months?",
        rf"additional\s+(?:terms|periods)\s+of\s+{_QUANTITY}\s*months?",
        rf"renew\w*\s+for\s+(?:a\s+)?(?:further\s+)?{_QUANTITY}\s*-?\s*months?",
    ]
    auto = re.search(r"automatic(?:ally)?\s+renew|renew\w*\s+automatically|auto-renew", flat.flat, re.I)
    for pattern in periods:
        match = re.search(pattern, flat.flat, re.IGNORECASE)
        if match is not None and (count := _number(match)) is not None:
            found = auto or match
            return _found(flat, found, auto is not None, 0.9), _found(flat, match, count, 0.9)
    if auto is not None:
        return _found(flat, auto, True, 0.85), ExtractedField(None, 0.5, None)
    return ExtractedField(False, 0.5, None), ExtractedField(None, 0.5, None)


def _notice_period(flat: _Text) -> ExtractedField:
    quantity = (
        rf"(?:not\s+less\s+than\s+|at\s+least\s+|no\s+fewer\s+than\s+)?{_QUANTITY}\s*(?P<unit>days?|months?)"
    )
    patterns = [
        rf"{quantity}['’]?\s+(?:prior\s+)?(?:written\s+)?notice",
        rf"notice\s+(?:of\s+non-?\s*renewal\s+)?{quantity}",
        rf"notice[^.]{{0,80}}?{quantity}",
    ]
    for pattern in patterns:
        for match in re.finditer(pattern, flat.flat, re.IGNORECASE):
            count = _number(match)
            if count is None:
                continue
            days = count * (_DAYS_PER_MONTH if match.group("unit").lower().startswith("month") else 1)
            return _found(flat, match, days, 0.9)
    return _UNKNOWN


def _value(flat: _Text) -> tuple[ExtractedField, ExtractedField]:
    codes = "|".join(sorted(_CODE_READINGS, key=lambda c: (-len(c), c)))
    symbols = "|".join(re.escape(s) for s in sorted(_CURRENCY_SYMBOLS, key=len, reverse=True))
    # OCR may split a figure with a space ("1 77,000.00"): only digits grouped by commas are joined
    amount = r"(?P<amount>\d(?:\s?\d){0,2}(?:,\s?\d{3})+(?:\.\d{2})?|\d+(?:\.\d{2})?)"
    anchor = r"(?:contract\s+va[a-z]{3}|total\s+(?:fees?|value|price|amount)|fees?\s+of|consideration\s+of)"
    anchor += r"[^.\d]{0,30}?"
    patterns = [
        rf"{anchor}(?P<code1>{codes})\s*{amount}",
        rf"{anchor}(?P<symbol>{symbols})\s*{amount}(?:\s*\(\s*(?P<code2>{codes})\s*\))?",
        rf"{anchor}{amount}\s*(?P<code3>{codes})",
        rf"{anchor}(?<![\d,]){amount}(?![\d,])",  # amount without a readable currency
    ]
    for pattern in patterns:
        match = re.search(pattern, flat.flat, re.IGNORECASE)
        if match is None:
            continue
        try:
            value = Decimal(re.sub(r"[,\s]", "", match.group("amount")))
        except InvalidOperation:
            continue
        groups = match.groupdict()
        code = groups.get("code1") or groups.get("code2") or groups.get("code3")
        currency = _CODE_READINGS[code.upper()] if code else _CURRENCY_SYMBOLS.get(groups.get("symbol") or "")
        span = flat.span(match.start("amount"), match.end("amount"))
        confidence = 0.9 if code and code.upper() in _CURRENCY_CODES else 0.75  # misread or a symbol
        return ExtractedField(value, 0.9 if currency else 0.6, span), ExtractedField(
            currency, confidence if currency else 0.0, span
        )
    return _UNKNOWN, _UNKNOWN


def _code_readings() -> dict[str, str]:
    """Every way OCR may print a currency code with one letter confused ("USO" -> USD), and the code."""
    readings = {}
    for code in _CURRENCY_CODES:
        for index, letter in enumerate(code):
            for misread in _CAPITAL_CONFUSIONS.get(letter, ""):
                readings[code[:index] + misread.upper() + code[index + 1 :]] = code
    return readings | {code: code for code in _CURRENCY_CODES}


_CODE_READINGS = _code_readings()


def _payment_terms(flat: _Text) -> ExtractedField:
    match = re.search(r"\bnet\s*(\d{1,3})\b|payable\s+within\s+(\d{1,3})\s+days", flat.flat, re.IGNORECASE)
    if match is None:
        return _UNKNOWN
    days = int(match.group(1) or match.group(2))
    return _found(flat, match, f"net {days}", 0.85)


_US_STATES = [
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware",
    "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky",
    "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri",
    "Montana", "Nebraska", "Nevada", "New Hampshire", "New Jersey", "New Mexico", "New York",
    "North Carolina", "North Dakota", "Ohio", "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island",
    "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah", "Vermont", "Virginia", "Washington",
    "West Virginia", "Wisconsin", "Wyoming",
]  # fmt: skip
_PROVINCES = [
    "Alberta",
    "British Columbia",
    "Manitoba",
    "New Brunswick",
    "Newfoundland and Labrador",
    "Nova Scotia",
    "Ontario",
    "Prince Edward Island",
    "Quebec",
    "Saskatchewan",
]
_PLACES = [
    "England and Wales",
    "Scotland",
    "Northern Ireland",
    "Ireland",
    "Germany",
    "France",
    "the Netherlands",
]


def _governing_law(flat: _Text) -> ExtractedField:
    match = re.search(
        r"(?:governed\s+by|construed\s+in\s+accordance\s+with)[^.]{0,60}?laws\s+of\s+(?:the\s+)?"
        r"(?P<place>[A-Z@][A-Za-z@ .]+?)(?:\s*[,.;]|\s+(?:without|and\s+the\s+courts|Signed|IN\s+WITNESS))",
        flat.flat,
    )
    if match is None:
        return _UNKNOWN
    place, exact = _jurisdiction(match.group("place").strip())
    return _found(flat, match, place, 0.9 if exact else 0.75, group=1)


def _jurisdiction(place: str) -> tuple[str, bool]:
    """The place as a known jurisdiction, correcting a misread name ("State of Minois" -> Illinois)."""
    for prefix, names in (("State of ", _US_STATES), ("Province of ", _PROVINCES), ("", _PLACES)):
        if prefix and not place.startswith(prefix):
            continue
        name = place.removeprefix(prefix)
        if name in names:
            return place, True
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        if close:
            return prefix + close[0], False
    return place, True


def _current_end(
    initial_end: ExtractedField, renewal: ExtractedField, auto: ExtractedField, today: date
) -> ExtractedField:
    end = initial_end.value
    if not isinstance(end, date):
        return _UNKNOWN
    confidence = initial_end.confidence
    if auto.value is True and isinstance(renewal.value, int) and renewal.value > 0:
        while end < today:
            end = end + relativedelta(months=renewal.value)
        confidence = min(confidence, renewal.confidence)
    return ExtractedField(end, confidence, initial_end.span)


def _notice_deadline(end: ExtractedField, notice: ExtractedField) -> ExtractedField:
    if not isinstance(end.value, date) or not isinstance(notice.value, int):
        return _UNKNOWN
    confidence = min(end.confidence, notice.confidence)
    return ExtractedField(end.value - timedelta(days=notice.value), confidence, notice.span)
