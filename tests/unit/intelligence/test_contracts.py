"""Contract term extraction: values, confidences, spans and the derived notice deadline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hexad.intelligence.contracts import FIELD_NAMES, extract_terms, parse_date

AUTO_RENEWING = """SAAS AGREEMENT (CT-0042)

This agreement is made between Hexad Demo MSP, Inc. ("Customer") and Acme Cloud, Inc. ("Supplier").

1. Term. This Agreement commences on 28th day of February, 2024 (the "Effective Date") and continues
for an initial term of thirty-six (36) months.

2. Renewal. Thereafter, this Agreement shall automatically renew for successive 12-month periods unless
either party gives written notice of non-renewal six (6) months prior to the end of the then-current term.

3. Fees. The total contract value is 50,100.00 EUR, invoiced net 45 in accordance with Schedule A.

5. Governing law. This Agreement is governed by and construed in accordance with the laws of
England and Wales.
"""

FIXED_TERM = """SUPPORT AGREEMENT
This agreement is made between Hexad Demo MSP, Inc. ("Customer") and Tucker Systems Ltd. ("Supplier").
1. Term. This Agreement is effective as of 09/29/2025 and shall remain in force until September 29, 2026
(the "Initial Term").
2. Renewal. This Agreement shall not renew automatically; any extension requires a written amendment
signed by both parties. Either party may decline to extend by giving not less than 30 days written notice.
3. Fees. The total contract value is $20,000 (USD), invoiced in accordance with Schedule A.
5. Governing law. This Agreement shall be governed by the laws of the State of New York.
"""


def test_every_field_of_an_auto_renewing_contract() -> None:
    terms = extract_terms(AUTO_RENEWING, as_of=date(2026, 9, 30))
    assert terms.value("parties") == ["Hexad Demo MSP, Inc.", "Acme Cloud, Inc."]
    assert terms.value("effective_date") == date(2024, 2, 28)
    assert terms.value("initial_term_months") == 36
    assert terms.value("auto_renew") is True
    assert terms.value("renewal_term") == 12
    assert terms.value("notice_period_days") == 180
    assert terms.value("value") == Decimal("50100.00")
    assert terms.value("currency") == "EUR"
    assert terms.value("payment_terms") == "net 45"
    assert terms.value("governing_law") == "England and Wales"


def test_the_current_term_rolls_forward_and_the_deadline_precedes_it() -> None:
    terms = extract_terms(AUTO_RENEWING, as_of=date(2026, 9, 30))
    # initial end 2027-02-28 is still ahead on 2026-09-30: no roll; notice is 180 days before it
    assert terms.value("end_date") == date(2027, 2, 28)
    assert terms.value("notice_deadline") == date(2026, 9, 1)
    later = extract_terms(AUTO_RENEWING, as_of=date(2027, 3, 1))
    assert later.value("end_date") == date(2028, 2, 28)


def test_a_fixed_term_contract_does_not_roll() -> None:
    terms = extract_terms(FIXED_TERM, as_of=date(2027, 1, 1))
    assert terms.value("auto_renew") is False
    assert terms.value("renewal_term") is None
    assert terms.value("effective_date") == date(2025, 9, 29)
    assert terms.value("end_date") == date(2026, 9, 29)
    assert terms.value("initial_term_months") == 12
    assert terms.value("notice_period_days") == 30
    assert terms.value("notice_deadline") == date(2026, 8, 30)
    assert terms.value("value") == Decimal("20000")
    assert terms.value("currency") == "USD"
    assert terms.value("governing_law") == "State of New York"


def test_spans_point_at_the_evidence_in_the_original_text() -> None:
    terms = extract_terms(AUTO_RENEWING, as_of=date(2026, 9, 30))
    start, end = terms.fields["effective_date"].span or (0, 0)
    assert AUTO_RENEWING[start:end] == "28th day of February, 2024"
    start, end = terms.fields["value"].span or (0, 0)
    assert AUTO_RENEWING[start:end] == "50,100.00"
    start, end = terms.fields["notice_period_days"].span or (0, 0)
    assert "six (6) months" in AUTO_RENEWING[start:end]


def test_an_unstated_notice_period_stays_unknown() -> None:
    text = AUTO_RENEWING.replace(
        "unless\neither party gives written notice of non-renewal six (6) months prior to the end of the"
        " then-current term",
        "unless terminated by either party",
    )
    terms = extract_terms(text, as_of=date(2026, 9, 30))
    assert terms.value("auto_renew") is True
    assert terms.value("notice_period_days") is None
    assert terms.value("notice_deadline") is None
    assert terms.fields["notice_deadline"].confidence == 0.0


def test_json_shape_is_what_the_cli_prints() -> None:
    payload = extract_terms(AUTO_RENEWING, as_of=date(2026, 9, 30)).to_json()
    assert set(payload["fields"]) == set(FIELD_NAMES)
    effective = payload["fields"]["effective_date"]
    assert effective["value"] == "2024-02-28"
    assert 0 < effective["confidence"] <= 1
    assert isinstance(effective["span"], list) and len(effective["span"]) == 2
    assert payload["fields"]["value"]["value"] == 50100.0
    assert payload["fields"]["payment_terms"]["value"] == "net 45"


def test_nothing_is_invented_from_unrelated_text() -> None:
    terms = extract_terms("Meeting notes: call the supplier on Monday.", as_of=date(2026, 9, 30))
    assert all(terms.value(name) in (None, False) for name in FIELD_NAMES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-05", date(2025, 3, 5)),
        ("March 5, 2025", date(2025, 3, 5)),
        ("5 March 2025", date(2025, 3, 5)),
        ("5th day of March, 2025", date(2025, 3, 5)),
        ("03/05/2025", date(2025, 3, 5)),
        ("31/31/2025", None),
    ],
)
def test_dates_in_contract_formats(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


def test_common_ocr_misreads_are_tolerated() -> None:
    scanned = (
        'This agreement is made between Hexad Demo MSP, inc. ("Customer") and Gray Insurance, inc.\n'
        "(*Suppiier®).\n"
        'This Agreement commences on May 6, 2026 (the "Effective Date") and continues for an initial\n'
        "term of\n"
        "twentytour (24) months. This Agreement shail not renew automatically.\n"
        "The total contract vatue is 35,600.00 USO, invoiced in accordance with Schedule A.\n"
        "This Agreement is governed by the laws of the State of Minois. Signed for and on behalf of"
        " both parties."
    )
    terms = extract_terms(scanned, as_of=date(2026, 9, 30))
    assert terms.value("parties") == ["Hexad Demo MSP, Inc.", "Gray Insurance, Inc."]
    assert terms.value("initial_term_months") == 24
    assert terms.value("end_date") == date(2028, 5, 6)
    assert terms.value("auto_renew") is False
    assert terms.value("value") == Decimal("35600.00") and terms.value("currency") == "USD"
    assert terms.fields["currency"].confidence < 0.9  # "USO" read as USD: less sure
    assert terms.value("governing_law") == "State of Illinois"
    assert terms.fields["governing_law"].confidence < 0.9


def test_amount_without_a_readable_currency_is_less_sure() -> None:
    terms = extract_terms("The total contract value is 35,600.00, invoiced monthly.", as_of=date(2026, 9, 30))
    assert terms.value("value") == Decimal("35600.00") and terms.value("currency") is None
    assert terms.fields["value"].confidence < 0.9


SCAN_NOISE = (
    'This agreement is made between Hexad Derno MSP. Inc. ("Customer") and Johnson\n'
    '| Advisory, linc. ("Supplier").\n'
    "1. Term. The initial term shail be 2 year(s) from the Effective Date of June 17.\n"
    "2O23.\n"
    "2. Renewal. Upon expiry of the Initial Term this Agreement will renew |\n"
    "automatically for additional terms of twelve (1 2) months each unless either party gives\n"
    "written notice of non-renewal at . .\nleast ninety days' prior to the end of the then-current term.\n"
    "3. Fees. The total contract value is €1O,5OO.OO, invoiced in accordance with Schedule A.\n"
    "5. Governing law. This Agreement shall be governed by the laws of England and\n| Wales.\n"
)


def test_scanner_dirt_and_misread_characters_are_repaired() -> None:
    terms = extract_terms(SCAN_NOISE, as_of=date(2026, 9, 30))
    assert terms.value("parties") == ["Hexad Derno MSP, Inc.", "Johnson Advisory, Inc."]
    assert terms.value("effective_date") == date(2023, 6, 17)
    assert terms.value("initial_term_months") == 24
    assert terms.value("auto_renew") is True and terms.value("renewal_term") == 12
    assert terms.value("end_date") == date(2027, 6, 17)
    assert terms.value("notice_period_days") == 90
    assert terms.value("notice_deadline") == date(2027, 3, 19)
    assert terms.value("value") == Decimal("10500.00") and terms.value("currency") == "EUR"
    assert terms.value("governing_law") == "England and Wales"
    start, end = terms.fields["value"].span or (0, 0)
    assert SCAN_NOISE[start:end] == "1O,5OO.OO"  # the span points at what the page shows


def test_known_names_correct_misread_parties_but_keep_the_suffix_as_read() -> None:
    known = ["Hexad Demo MSP, Inc.", "Johnson Advisory", "Johnston Advisors"]
    terms = extract_terms(SCAN_NOISE, as_of=date(2026, 9, 30), known_parties=known)
    assert terms.value("parties") == ["Hexad Demo MSP, Inc.", "Johnson Advisory, Inc."]
    assert terms.fields["parties"].confidence > 0.9
    unrelated = extract_terms(SCAN_NOISE, as_of=date(2026, 9, 30), known_parties=["Acme Cloud"])
    assert unrelated.value("parties") == ["Hexad Derno MSP, Inc.", "Johnson Advisory, Inc."]


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("Hexad Demo MSP. Inc.", "Hexad Demo MSP, Inc."),
        ("Peterson Software, linc.", "Peterson Software, Inc."),
        ("Munoz Software Ltd.", "Munoz Software Ltd."),
        ("Acme Holdings llc", "Acme Holdings LLC"),
        ("Linc Partners", "Linc Partners"),
        ("Hexad Demo MSP", "Hexad Demo MSP"),
        ("Brown insurance, Inc.", "Brown Insurance, Inc."),
        ("Acme iCloud Services Ltd.", "Acme iCloud Services Ltd."),
    ],
)
def test_legal_suffixes_are_written_the_usual_way(read: str, expected: str) -> None:
    text = f'This agreement is made between {read} ("Customer") and Acme Cloud, Inc. ("Supplier").'
    assert extract_terms(text, as_of=date(2026, 9, 30)).value("parties")[0] == expected


def test_a_figure_split_by_ocr_is_joined_only_when_its_digits_are_grouped() -> None:
    split = extract_terms("The total contract value is EUR 1 77,000.00, invoiced.", as_of=date(2026, 9, 30))
    assert split.value("value") == Decimal("177000.00") and split.value("currency") == "EUR"
    plain = extract_terms("The total contract value is USD 2 500 for 3 sites.", as_of=date(2026, 9, 30))
    assert plain.value("value") == Decimal("2")
