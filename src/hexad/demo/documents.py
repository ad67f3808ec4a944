"""Contract documents in the forms MSPs actually receive: text PDFs, scanned PDFs, DOCX and plain text.

The wording varies the way real contracts do (how the term, renewal, notice period, value, dates and
governing law are stated) so that extraction cannot rely on one pattern. Every file is byte-stable
for a seed: reportlab runs with `invariant=1`, scans are drawn from the area's numpy stream and
embedded by reportlab (Pillow writes no timestamps), and DOCX files get fixed core properties and are
re-zipped with fixed entry timestamps (python-docx stamps the current time otherwise).
"""

from __future__ import annotations

import io
import re
import textwrap
import zipfile
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import reportlab
from docx import Document
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from hexad.demo.context import DemoContext, rows

__all__ = ["compose_text", "date_variants", "write_documents"]

_NUMBERS = {
    12: "twelve",
    24: "twenty-four",
    36: "thirty-six",
    30: "thirty",
    60: "sixty",
    90: "ninety",
    180: "one hundred eighty",
}
_MONTH_WORDS = {30: "one (1) month", 60: "two (2) months", 90: "3 months", 180: "six (6) months"}
_FIXED_TIME = datetime(2026, 1, 1)
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def date_variants(iso: str) -> list[str]:
    """Every way a document may write this date (tests and extractors can use the same list)."""
    day = pd.Timestamp(iso)
    suffix = "th" if 11 <= day.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    return [
        iso,
        f"{day:%B} {day.day}, {day.year}",
        f"{day.day} {day:%B} {day.year}",
        f"{day.day}{suffix} day of {day:%B}, {day.year}",
        f"{day:%m/%d/%Y}",
    ]


def _money(rng: np.random.Generator, value: str, currency: str) -> str:
    amount = float(value)
    symbol = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "C$"}[currency]
    forms = [
        f"{currency} {amount:,.2f}",
        f"{symbol}{amount:,.2f}",
        f"{amount:,.2f} {currency}",
        f"{symbol}{amount:,.0f} ({currency})" if amount == int(amount) else f"{currency} {amount:,.2f}",
    ]
    return forms[int(rng.integers(len(forms)))]


def _notice(rng: np.random.Generator, days: int) -> str:
    forms = [
        f"{_NUMBERS[days]} ({days}) days",
        f"not less than {days} days",
        f"at least {_NUMBERS[days]} days'",
        _MONTH_WORDS[days],
    ]
    return forms[int(rng.integers(len(forms)))]


def _term_sentence(rng: np.random.Generator, truth: dict[str, Any], date_text: str) -> str:
    months = truth["initial_term_months"]
    end_text = date_variants(truth["initial_end_date"])[0 if date_text[:4].isdigit() else 1]
    forms = [
        f'This Agreement commences on {date_text} (the "Effective Date") and continues for an initial'
        f" term of {_NUMBERS[months]} ({months}) months.",
        f"The initial term shall be {months // 12} year(s) from the Effective Date of {date_text}.",
        f"This Agreement is effective as of {date_text} and shall remain in force until {end_text}"
        ' (the "Initial Term").',
    ]
    return forms[int(rng.integers(len(forms)))]


def _renewal_sentence(rng: np.random.Generator, truth: dict[str, Any]) -> str:
    notice = truth["notice_period_days"]
    notice_text = _notice(rng, notice) if notice else None
    if not truth["auto_renew"]:
        tail = (
            f" Either party may decline to extend by giving {notice_text} written notice."
            if notice_text
            else ""
        )
        return (
            "This Agreement shall not renew automatically; any extension requires a written amendment"
            " signed by both parties." + tail
        )
    period = truth["renewal_term"]
    renew = [
        f"Thereafter, this Agreement shall automatically renew for successive {period}-month periods",
        "Upon expiry of the Initial Term this Agreement will renew automatically for additional terms"
        f" of {_NUMBERS[period]} ({period}) months each",
    ][int(rng.integers(2))]
    if notice_text is None:
        return renew + " unless terminated by either party."
    return (
        f"{renew} unless either party gives written notice of non-renewal {notice_text}"
        " prior to the end of the then-current term."
    )


def compose_text(truth: dict[str, Any], contract_id: str, rng: np.random.Generator) -> list[str]:
    """The paragraphs of one contract, worded at random among equivalent legal phrasings."""
    us_law = truth["governing_law"].startswith("State")
    variants = date_variants(truth["effective_date"])
    date_text = variants[int(rng.integers(len(variants) if us_law else len(variants) - 1))]
    kind = truth["contract_type"]
    place = truth["governing_law"]
    place = place if place == "England and Wales" else f"the {place}"
    law = [
        f"This Agreement shall be governed by the laws of {place}.",
        f"This Agreement is governed by and construed in accordance with the laws of {place}.",
    ][int(rng.integers(2))]
    return [
        f"{kind.upper()} AGREEMENT ({contract_id})",
        f'This agreement is made between {truth["parties"][0]} ("Customer")'
        f' and {truth["parties"][1]} ("Supplier").',
        "1. Term. " + _term_sentence(rng, truth, date_text),
        "2. Renewal. " + _renewal_sentence(rng, truth),
        f"3. Fees. The total contract value is {_money(rng, truth['value'], truth['currency'])},"
        " invoiced in accordance with Schedule A.",
        "4. Confidentiality. Each party shall protect the other's confidential information"
        " with reasonable care.",
        "5. Governing law. " + law,
        f"Signed for and on behalf of {truth['parties'][0]} and {truth['parties'][1]}".rstrip(".") + ".",
    ]


def write_documents(ctx: DemoContext, out: Path) -> None:
    """Write every contract document under `out/contracts/`."""
    folder = out / "contracts"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in sorted(folder.glob("CT-*")):
        stale.unlink()
    rng = ctx.rng("documents")
    writers = {"pdf": _write_pdf, "scan": _write_scan, "docx": _write_docx, "txt": _write_txt}
    for row in rows(ctx.tables["vendor_contracts"]):
        paragraphs = compose_text(ctx.contracts[row.contract_id], row.contract_id, rng)
        writers[ctx.hidden["contract_format"][row.contract_id]](out / row.document, paragraphs, rng)


def _lines(paragraphs: list[str], width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in paragraphs:
        lines.extend([*textwrap.wrap(paragraph, width), ""])
    return lines


def _new_canvas(path: Path, title: str) -> canvas.Canvas:
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    pdf.setTitle(title)
    pdf.setAuthor("Hexad demo")
    return pdf


def _write_pdf(path: Path, paragraphs: list[str], rng: np.random.Generator) -> None:
    pdf = _new_canvas(path, paragraphs[0])
    y = A4[1] - 72
    for line in _lines(paragraphs, 95):
        if y < 72:
            pdf.showPage()
            y = A4[1] - 72
        pdf.setFont("Helvetica", 10)
        pdf.drawString(60, y, line)
        y -= 14
    pdf.save()


_SCAN_FONT_SIZE = 15
# Pillow's built-in font has no currency signs (it draws an empty box for them); a printed contract
# shows the sign, so those characters come from Bitstream Vera, which reportlab ships.
_FALLBACK_CHARACTERS = re.compile("([€£])")


@cache
def _scan_fonts() -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, ImageFont.FreeTypeFont]:
    vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    return ImageFont.load_default(size=_SCAN_FONT_SIZE), ImageFont.truetype(str(vera), _SCAN_FONT_SIZE)


def _draw_line(draw: ImageDraw.ImageDraw, x: float, y: float, line: str) -> None:
    """Draw one line, taking each character from a font that has a glyph for it."""
    regular, fallback = _scan_fonts()
    baseline = y + regular.getbbox("Ag", anchor="ls")[1] * -1
    for index, run in enumerate(_FALLBACK_CHARACTERS.split(line)):
        font = fallback if index % 2 else regular
        draw.text((x, baseline), run, fill=20, font=font, anchor="ls")
        x += font.getlength(run)


def _write_scan(path: Path, paragraphs: list[str], rng: np.random.Generator) -> None:
    """Text rendered to a slightly rotated, speckled grayscale page, embedded as an image-only PDF."""
    page = Image.new("L", (827, 1169), 255)
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(_lines(paragraphs, 80)):
        _draw_line(draw, 60, 70 + i * 21, line)
    page = page.rotate(float(rng.uniform(-1.5, 1.5)), resample=Image.Resampling.BILINEAR, fillcolor=255)
    pixels = np.asarray(page.filter(ImageFilter.GaussianBlur(0.6))).copy()
    specks = rng.random(pixels.shape) < 0.002
    pixels[specks] = rng.integers(0, 160, size=int(specks.sum()))
    pdf = _new_canvas(path, "Scanned document")
    pdf.drawImage(ImageReader(Image.fromarray(pixels)), 0, 0, width=A4[0], height=A4[1])
    pdf.save()


def _write_docx(path: Path, paragraphs: list[str], rng: np.random.Generator) -> None:
    document = Document()
    document.add_heading(paragraphs[0], level=1)
    for paragraph in paragraphs[1:]:
        document.add_paragraph(paragraph)
    props = document.core_properties
    props.author, props.title, props.revision = "Hexad demo", paragraphs[0], 1
    props.created = props.modified = props.last_printed = _FIXED_TIME
    buffer = io.BytesIO()
    document.save(buffer)
    _rezip(buffer.getvalue(), path)


def _rezip(data: bytes, path: Path) -> None:
    """Copy a zip with every entry's timestamp fixed, so identical content gives identical bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))


def _write_txt(path: Path, paragraphs: list[str], rng: np.random.Generator) -> None:
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
