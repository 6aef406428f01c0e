"""The same item set survives every format: parse(write(set)) == set."""

from pathlib import Path
from typing import Any

import pytest
from bank_fixtures import KNOWN, load, rich_set
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from item_bank import (
    ItemSet,
    OutputFormat,
    load_dictionary,
    load_item_files,
    write_item_set,
    write_qti_item,
)
from item_bank.models import COMPETENCY_CODE_PATTERN, ITEM_ID_PATTERN, OPTION_LABELS

FULL_FORMATS = ["yaml", "json", "xlsx", "qti21", "qti22", "qti30"]


def known_for(item_set: ItemSet) -> frozenset[str]:
    return KNOWN | {c.code for c in item_set.competencies}


def reload(item_set: ItemSet, output_format: str) -> ItemSet:
    """Write the set in `output_format` and load it back; the known codes include its own."""
    chosen = OutputFormat(output_format)
    result = load(
        f"bank{chosen.extension}",
        write_item_set(item_set, chosen),
        known_competencies=known_for(item_set),
    )
    assert result.ok, [(p.where(), p.code, p.message_en) for p in result.problems]
    (loaded,) = result.item_sets
    return loaded


@pytest.mark.parametrize("output_format", FULL_FORMATS)
def test_rich_set_round_trips_exactly_through(output_format: str) -> None:
    item_set = rich_set()
    assert reload(item_set, output_format) == item_set


def test_rich_set_round_trips_through_csv_except_set_metadata() -> None:
    item_set = rich_set()
    loaded = reload(item_set, "csv")
    assert loaded.items == item_set.items
    assert (loaded.title, loaded.language, loaded.competencies) == ("bank", "id", [])


@pytest.mark.parametrize("version", ["2.1", "2.2", "3.0"])
def test_every_item_round_trips_as_a_single_qti_file(version: str) -> None:
    item_set = rich_set()
    for item in item_set.items:
        result = load(
            f"{item.id}.xml", write_qti_item(item, version), known_competencies=known_for(item_set)
        )
        assert result.ok, result.problems
        assert result.item_sets[0].items == [item]


words = st.sampled_from(["Pegawai", "warga", "ASN", "laporan", "Kerja", "Ñandú", "数据", "x"])
# No backslash or dollar: `\( … \)` and `$$ … $$` are LaTeX in the native and sheet formats.
alphabet = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "S", "Zs"),
    include_characters="\n<>&\"'",
    exclude_characters="\\$",
)
texts = st.builds(lambda head, tail: head + tail, words, st.text(alphabet, max_size=25))
html_texts = st.one_of(
    texts,
    st.builds(lambda a, b: f"<p>{a}</p>\n<p>{b}</p>", texts, texts),
    st.builds(lambda a, b: f"<strong>{a}</strong> {b}<br>{a}", texts, texts),
    st.builds(lambda a, b: f"<ul><li>{a}</li><li>{b}</li></ul>", texts, texts),
    st.builds(lambda a: f"<table><tr><td>{a}</td></tr></table>", texts),
)
declared_codes = st.from_regex(COMPETENCY_CODE_PATTERN, fullmatch=True).filter(
    lambda c: c not in KNOWN
)
media = st.none() | st.fixed_dictionaries(
    {
        "src": st.from_regex(r"[a-z0-9_]{1,8}(/[a-z0-9_]{1,8}){0,2}\.png", fullmatch=True),
        "alt": texts,
    }
)


@st.composite
def items(draw: st.DrawFn, item_id: str, codes: list[str]) -> dict[str, Any]:
    count = draw(st.integers(2, 6))
    keyed = draw(st.booleans())
    options: list[dict[str, Any]] = [
        # Options that read the same are refused (duplicate_option_text): end each by its label.
        {"label": OPTION_LABELS[i], "text": f"{draw(html_texts)} ({OPTION_LABELS[i]})"}
        for i in range(count)
    ]
    if keyed:
        options[draw(st.integers(0, count - 1))]["correct"] = True
    else:
        for option in options:
            option["weight"] = draw(st.integers(0, 10))
    return {
        "id": item_id,
        "competency": draw(st.sampled_from(codes)),
        "kind": "keyed" if keyed else "weighted",
        "level": draw(st.none() | st.integers(1, 5)),
        "stem": draw(html_texts),
        "media": draw(media),
        "points": draw(st.integers(1, 10)) if keyed else None,
        "options": options,
    }


@st.composite
def item_sets(draw: st.DrawFn) -> ItemSet:
    codes = draw(st.lists(declared_codes, max_size=2, unique=True))
    declarations = [
        {
            "code": code,
            "kind": draw(st.sampled_from(["technical", "digital_literacy"])),
            "name": {"id": draw(texts), "en": draw(st.none() | texts)},
        }
        for code in codes
    ]
    ids = draw(
        st.lists(
            st.from_regex(ITEM_ID_PATTERN, fullmatch=True), min_size=1, max_size=4, unique=True
        )
    )
    usable = sorted(KNOWN) + codes
    return ItemSet.model_validate(
        {
            "title": draw(texts),
            "language": draw(st.sampled_from(["id", "en"])),
            "source": draw(st.none() | texts),
            "competencies": declarations,
            "items": [draw(items(item_id, usable)) for item_id in ids],
        }
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item_set=item_sets(), output_format=st.sampled_from(FULL_FORMATS))
def test_generated_sets_round_trip_exactly(item_set: ItemSet, output_format: str) -> None:
    assert reload(item_set, output_format) == item_set


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item_set=item_sets())
def test_generated_items_round_trip_through_csv(item_set: ItemSet) -> None:
    assert reload(item_set, "csv").items == item_set.items


DEMO = sorted((Path(__file__).resolve().parents[2] / "item_bank" / "demo").glob("*.yaml"))


@pytest.mark.parametrize(
    "path", [p for p in DEMO if "cact-items/" in p.read_text("utf-8")], ids=lambda p: p.name
)
def test_demo_bank_round_trips_through_every_format(path: Path) -> None:
    dictionary = load_dictionary().codes
    (item_set,) = load_item_files([path], known_competencies=dictionary).item_sets
    for output_format in FULL_FORMATS:
        assert reload(item_set, output_format) == item_set, output_format
    assert reload(item_set, "csv").items == item_set.items
