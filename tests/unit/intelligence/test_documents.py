"""Text extraction from the document forms contracts arrive in."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from hexad.errors import DocumentError
from hexad.intelligence.documents import document_hash, extract_text, ocr_available

SENTENCE = "The total contract value is USD 12,500.00 payable net 30."


def _text_pdf(path: Path, lines: list[str]) -> Path:
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    y = A4[1] - 72
    for line in lines:
        pdf.drawString(60, y, line)
        y -= 14
    pdf.save()
    return path


def _scanned_pdf(path: Path, lines: list[str]) -> Path:
    page = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=28)
    for i, line in enumerate(lines):
        draw.text((90, 120 + i * 44), line, fill=0, font=font)
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    pdf.drawImage(ImageReader(page), 0, 0, width=A4[0], height=A4[1])
    pdf.save()
    return path


def test_text_pdf_is_read_from_its_text_layer(tmp_path: Path) -> None:
    document = extract_text(_text_pdf(tmp_path / "a.pdf", ["MASTER SERVICES AGREEMENT", SENTENCE]))
    assert document.method == "pdf-text"
    assert SENTENCE in document.text
    assert document.pages == 1 and document.ocr_pages == 0


@pytest.mark.slow
@pytest.mark.skipif(not ocr_available(), reason="Tesseract is not installed (make setup installs it)")
def test_scanned_pdf_is_read_with_ocr(tmp_path: Path) -> None:
    document = extract_text(_scanned_pdf(tmp_path / "scan.pdf", ["SUPPORT AGREEMENT", SENTENCE]))
    assert document.method == "pdf-ocr" and document.ocr_pages == 1
    assert "12,500.00" in document.text
    assert "SUPPORT AGREEMENT" in document.text


def test_docx_paragraphs_and_tables_are_read(tmp_path: Path) -> None:
    docx = Document()
    docx.add_paragraph(SENTENCE)
    table = docx.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Governing law"
    table.rows[0].cells[1].text = "England and Wales"
    docx.save(str(tmp_path / "c.docx"))
    document = extract_text(tmp_path / "c.docx")
    assert document.method == "docx"
    assert SENTENCE in document.text
    assert "Governing law | England and Wales" in document.text


def test_plain_text_falls_back_to_windows_1252(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_bytes("Fees of €1,000.00".encode("cp1252"))
    assert extract_text(tmp_path / "c.txt").text == "Fees of €1,000.00"


def test_same_bytes_give_the_same_hash(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(SENTENCE)
    (tmp_path / "b.txt").write_text(SENTENCE)
    assert extract_text(tmp_path / "a.txt").sha256 == extract_text(tmp_path / "b.txt").sha256
    assert document_hash(b"x") != document_hash(b"y")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("big.txt", b"x" * 2000, "exceeds the limit of 1000 bytes"),
        ("empty.txt", b"", "empty"),
        ("sheet.xlsx", b"PK", "unsupported document type '.xlsx'"),
        ("broken.pdf", b"not a pdf at all", "not a readable PDF"),
        ("broken.docx", b"not a zip", "not a readable DOCX"),
    ],
)
def test_unreadable_documents_are_refused_with_the_reason(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(DocumentError, match=message) as caught:
        extract_text(tmp_path / name, max_bytes=1000)
    assert name in str(caught.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="no such file"):
        extract_text(tmp_path / "nope.pdf")
