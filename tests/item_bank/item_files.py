"""The hand-made files under tests/item_bank/files, as the bytes an upload would carry."""

import io
import zipfile
from pathlib import Path

FILES = Path(__file__).resolve().parent / "files"
# Technical competencies the fixture files use, on top of the dictionary's.
TECHNICAL = frozenset({"T.KES.01", "T.TEK.01", "T.ADM.01"})


def zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def fixture(name: str) -> bytes:
    path = FILES / name
    return zip_folder(path) if path.is_dir() else path.read_bytes()
