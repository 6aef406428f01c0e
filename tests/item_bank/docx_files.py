"""Word files for the tests: one written with python-docx the way an editor types a bank, and
the same saved again by LibreOffice (Debian's libreoffice-writer, installed by the Makefile)."""

import io
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.oxml import parse_xml

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def png(width: int = 4, height: int = 3) -> bytes:
    """A real PNG image (solid colour) without any imaging library."""
    rows = b"".join(b"\x00" + b"\x20\x80\xc0" * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PICTURE = png()
OMML = (
    '<m:oMath xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math">'
    "<m:r><m:t>x</m:t></m:r></m:oMath>"
)


def editor_document(*, equation: bool = False) -> Document:
    """Two questions as Indonesian CBT templates have them: numbered, options A–E, a key."""
    document = docx.Document()
    document.add_paragraph("Judul: Tes Teknis Administrasi")
    document.add_paragraph("Kompetensi: T.ADM.01")
    document.add_paragraph("Petunjuk: pilih satu jawaban yang paling tepat.")
    stem = document.add_paragraph("1. Perhatikan gambar ")
    stem.add_run("rambu").bold = True
    stem.add_run(" berikut. Dokumen yang disimpan ")
    stem.add_run("permanen").italic = True
    stem.add_run(" disebut …")
    document.add_paragraph().add_run().add_picture(io.BytesIO(PICTURE))
    if equation:
        stem._p.append(parse_xml(OMML))
    for label, text in zip(
        "ABCDE",
        ["Arsip dinamis", "Arsip statis", "Arsip vital", "Arsip aktif", "Arsip inaktif"],
        strict=True,
    ):
        document.add_paragraph(f"{label}. {text}")
    document.add_paragraph("Kunci: B")
    document.add_paragraph("Poin: 5")
    document.add_paragraph("Tingkat: 2")
    document.add_paragraph("")
    question = document.add_paragraph(
        "Atasan meminta Anda mengubah laporan. Apa yang Anda lakukan?", style="List Number"
    )
    question.runs[0].font.size = None
    document.add_paragraph("A) Menolak dan menjelaskan aturannya")
    document.add_paragraph("B) Menunda sambil mencari jalan tengah")
    document.add_paragraph("C) Mengikuti permintaan")
    document.add_paragraph("Kode: M01-009")
    document.add_paragraph("Kompetensi: M.01")
    document.add_paragraph("Bobot: A=4; B=3; C=1")
    return document


def as_bytes(document: Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def saved_by_libreoffice(data: bytes, folder: Path) -> bytes:
    """`data` opened and saved again as .docx by LibreOffice (headless, own profile)."""
    if SOFFICE is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "LibreOffice (soffice) is missing: make browser installs libreoffice-writer"
            )
        pytest.skip("LibreOffice is not installed (sudo apt-get install libreoffice-writer)")
    source = folder / "in" / "bank.docx"
    source.parent.mkdir(parents=True)
    source.write_bytes(data)
    out = folder / "out"
    profile = (folder / "profile").as_uri()
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (out / "bank.docx").read_bytes()
