"""Item images: uploaded with the items or inside packages, stored once, served for good."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable

import pytest
import yaml
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.bank.models import Item, ItemVersion, Media
from tests.fixtures.images import noisy_png, png
from tests.fixtures.uploads import FileField, upload_bytes

SVG_AS_PNG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

QTI30_ITEM = """<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="RAMBU-1"
    title="Rambu" label="M.03/2" adaptive="false" time-dependent="false" xml:lang="id">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>B</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="MAXSCORE" cardinality="single" base-type="float">
    <qti-default-value><qti-value>5</qti-value></qti-default-value>
  </qti-outcome-declaration>
  <qti-item-body>
    <p>Perhatikan rambu berikut.</p>
    <p><img src="{src}" alt="Rambu P dicoret"/></p>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
      <qti-prompt>Apa arti rambu ini?</qti-prompt>
      <qti-simple-choice identifier="A">Boleh parkir</qti-simple-choice>
      <qti-simple-choice identifier="B">Dilarang parkir</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
  <qti-response-processing
      template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>
"""

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" identifier="M-RAMBU">
  <metadata><schema>QTI Package</schema><schemaversion>3.0.0</schemaversion></metadata>
  <organizations/>
  <resources>
    <resource identifier="R-1" type="imsqti_item_xmlv3p0" href="items/rambu-1.xml">
      <file href="items/rambu-1.xml"/><file href="images/rambu.png"/>
    </resource>
  </resources>
</manifest>"""


def zip_of(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def qti_package(image: bytes, src: str = "../images/rambu.png") -> bytes:
    return zip_of(
        {
            "imsmanifest.xml": MANIFEST,
            "items/rambu-1.xml": QTI30_ITEM.replace("{src}", src),
            "images/rambu.png": image,
        }
    )


def native_set(*items: tuple[str, str]) -> bytes:
    """A YAML set of keyed items given as (id, media src)."""
    document = {
        "format": "cact-items/1",
        "title": "Rambu lalu lintas",
        "language": "id",
        "items": [
            {
                "id": item_id,
                "competency": "M.01",
                "kind": "keyed",
                "stem": f"<p>Apa arti rambu {item_id}?</p>",
                "media": {"src": src, "alt": f"Rambu {item_id}"},
                "options": [{"text": "Dilarang parkir", "correct": True}, {"text": "Boleh"}],
            }
            for item_id, src in items
        ],
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode()


async def _count(db: AsyncSession, model: type[object]) -> int:
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def test_qti30_package_image_is_stored_served_and_previewed(
    editor_client: AsyncClient, db: AsyncSession
) -> None:
    image = png()
    sha = hashlib.sha256(image).hexdigest()
    response = await editor_client.post(
        "/api/items/import", files=upload_bytes("rambu.zip", qti_package(image))
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == ["RAMBU-1"]

    served = await editor_client.get(f"/media/{sha}")
    assert served.status_code == 200
    assert served.content == image
    assert served.headers["content-type"] == "image/png"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"

    preview = (await editor_client.get("/api/items/RAMBU-1/preview")).json()
    assert preview["media"] == {"url": f"/media/{sha}", "alt": "Rambu P dicoret"}
    assert "<img" not in preview["stem_html"]
    stored = await db.scalar(select(Media).where(Media.sha256 == sha))
    assert stored is not None and stored.filename == "rambu.png"


async def test_native_yaml_and_png_uploaded_together_import(
    editor_client: AsyncClient, db: AsyncSession
) -> None:
    image = png((0, 90, 200))
    files = upload_bytes("rambu.yaml", native_set(("N-1", "gambar/parkir.png")))
    files += upload_bytes("parkir.png", image)
    validated = await editor_client.post("/api/items/validate", files=files)
    assert validated.json() == {"valid": True, "item_count": 1, "problems": [], "notes": []}
    assert await _count(db, Media) == 0

    response = await editor_client.post("/api/items/import", files=files)
    assert response.status_code == 200, response.text
    item = (await editor_client.get("/api/items/N-1")).json()
    sha = hashlib.sha256(image).hexdigest()
    assert item["current"]["media_url"] == f"/media/{sha}"
    assert item["current"]["media_alt"] == "Rambu N-1"
    assert (await editor_client.get(f"/media/{sha}")).content == image


async def test_the_same_image_in_two_items_is_stored_once(
    editor_client: AsyncClient, db: AsyncSession
) -> None:
    image = png((10, 200, 10))
    files = upload_bytes("a.yaml", native_set(("A-1", "rambu.png"), ("A-2", "rambu.png")))
    files += upload_bytes("b.yaml", native_set(("B-1", "salinan/rambu-lain.png")))
    files += upload_bytes("rambu.png", image) + upload_bytes("rambu-lain.png", image)
    response = await editor_client.post("/api/items/import", files=files)
    assert response.status_code == 200, response.text
    assert len(response.json()["created"]) == 3
    assert await _count(db, Media) == 1
    media_ids = set(await db.scalars(select(ItemVersion.media_id)))
    assert len(media_ids) == 1 and None not in media_ids

    again = await editor_client.post("/api/items/import", files=files)
    assert len(again.json()["unchanged"]) == 3
    assert await _count(db, Media) == 1


def _missing() -> list[FileField]:
    return upload_bytes("rambu.yaml", native_set(("N-1", "hilang.png")))


def _svg_as_png() -> list[FileField]:
    return upload_bytes("rambu.yaml", native_set(("N-1", "rambu.png"))) + upload_bytes(
        "rambu.png", SVG_AS_PNG
    )


def _oversized() -> list[FileField]:
    big = noisy_png(1024, 720)  # about 2.2 MB; the limit is 2 MiB per image
    return upload_bytes("rambu.zip", qti_package(big))


def _zip_slip() -> list[FileField]:
    package = zip_of(
        {
            "imsmanifest.xml": MANIFEST,
            "items/rambu-1.xml": QTI30_ITEM.replace("{src}", "../../rambu.png"),
            "../rambu.png": png(),
        }
    )
    return upload_bytes("rambu.zip", package)


def _escaping_src() -> list[FileField]:
    return upload_bytes("rambu.zip", qti_package(png(), src="../../../etc/rambu.png"))


@pytest.mark.parametrize(
    ("files", "code"),
    [
        (_missing, "missing_media"),
        (_svg_as_png, "unsupported_media_type"),
        (_oversized, "media_too_large"),
        (_zip_slip, "unsafe_zip_path"),
        (_escaping_src, "unsafe_media_path"),
    ],
    ids=["missing", "svg-as-png", "oversized", "zip-slip-member", "zip-slip-src"],
)
async def test_bad_images_are_reported_and_nothing_is_stored(
    editor_client: AsyncClient,
    db: AsyncSession,
    files: Callable[[], list[FileField]],
    code: str,
) -> None:
    response = await editor_client.post("/api/items/import", files=files())
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_item_set"
    assert [p["code"] for p in body["detail"]] == [code]
    assert all(p["message_id"] and p["message_en"] for p in body["detail"])
    assert await _count(db, Item) == 0
    assert await _count(db, Media) == 0
