"""One QTI assessmentItem (2.1, 2.2 or 3.0) → an item in the native structure.

Supported: one `choiceInteraction` with maxChoices 1. Scoring comes from the response
declaration: a `mapping` gives a weighted item (weights = mappedValue, unmapped choices get the
mapping's defaultValue), a `correctResponse` gives a keyed item worth the MAXSCORE outcome's
default value (else SCORE's normalMaximum, else 1). The response-processing template decides
when both are present (map_response → weighted, match_correct → keyed).
"""

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

from item_bank.models import COMPETENCY_CODE_PATTERN
from item_bank.problems import Code, Location, Report
from item_bank.qti_xml import attr, child, children, descendants, inner_html, key, text_of
from item_bank.safety import SafeZip, line_of

HIDDEN_CONTENT = frozenset(
    {"feedbackblock", "feedbackinline", "rubricblock", "templateblock", "templateinline"}
)
BLOCK_TAGS = frozenset({"p", "div", "ul", "ol", "table"})
# The item's `label` attribute may carry the competency and target level: "M.01" or "M.01/3".
LABEL_PATTERN = re.compile(
    r"^\s*(?P<code>" + COMPETENCY_CODE_PATTERN.strip("^$") + r")(?:\s*/\s*(?P<level>\S+))?\s*$"
)


@dataclass(frozen=True)
class ItemMetadata:
    """Competency and level found outside the item (the package manifest's LOM metadata)."""

    competency: str | None = None
    level: str | None = None


@dataclass
class QtiItemReader:
    report: Report
    location: Location
    base: str = ""
    index: int = 0

    def problem(
        self, code: Code, item_id: str | None, element: Element | None = None, **params: Any
    ) -> None:
        at = Location(file=self.location.file, line=line_of(element))
        self.report.add(code, item_id=item_id, at=at, **params)

    def locate(self, field: str | int, element: Element | None, *rest: str | int) -> None:
        """Problems the checker finds in this item's fields carry the element's line."""
        at = Location(file=self.location.file, line=line_of(element))
        self.report.source.add(("items", self.index, field, *rest), at)

    def read(self, root: Element, metadata: ItemMetadata) -> dict[str, Any] | None:
        item_id = attr(root, "identifier")
        self.report.source.add(
            ("items", self.index), Location(self.location.file, line=line_of(root))
        )
        body = child(root, "itemBody")
        interaction = self.interaction(body, item_id, root)
        if body is None or interaction is None:
            return None
        choices = list(children(interaction, "simpleChoice"))
        if not self.unique_choices(choices, item_id):
            return None
        self.locate("stem", body)
        self.locate("options", interaction)
        for number, choice in enumerate(choices):
            self.locate("options", choice, number)
        scoring = self.scoring(root, interaction, choices, item_id)
        if scoring is None:
            return None
        kind, options, points = scoring
        stem, media = self.stem_and_media(body, interaction, item_id)
        competency, level = self.classification(root, metadata)
        return {
            "id": item_id,
            "competency": competency,
            "kind": kind,
            "level": level,
            "stem": stem,
            "media": media,
            "points": points,
            "options": options,
        }

    def interaction(
        self, body: Element | None, item_id: str | None, root: Element
    ) -> Element | None:
        nodes = body.iter() if body is not None else iter(())
        found = [n for n in nodes if key(n.tag).endswith("interaction")]
        if not found:
            self.problem(Code.NO_INTERACTION, item_id, body if body is not None else root)
            return None
        counts = Counter(n.tag.rsplit("}", 1)[-1] for n in found)
        names = ", ".join(f"{name} ({n}×)" if n > 1 else name for name, n in counts.items())
        if len(found) > 1 or key(found[0].tag) != "choiceinteraction":
            self.problem(Code.UNSUPPORTED_INTERACTION, item_id, found[0], interaction=names)
            return None
        max_choices = (attr(found[0], "maxChoices") or "1").strip()
        if max_choices != "1":
            interaction = f"{names} maxChoices={max_choices}"
            self.problem(Code.UNSUPPORTED_INTERACTION, item_id, found[0], interaction=interaction)
            return None
        return found[0]

    def unique_choices(self, choices: list[Element], item_id: str | None) -> bool:
        """Two choices with one identifier make the mapping and the key ambiguous."""
        seen: set[str] = set()
        unique = True
        for choice in choices:
            identifier = (attr(choice, "identifier") or "").strip()
            if identifier in seen:
                self.problem(Code.DUPLICATE_CHOICE_ID, item_id, choice, value=identifier)
                unique = False
            seen.add(identifier)
        return unique

    def scoring(
        self, root: Element, interaction: Element, choices: list[Element], item_id: str | None
    ) -> tuple[str, list[dict[str, Any]], str | None] | None:
        declaration = self.declaration(root, attr(interaction, "responseIdentifier"))
        mapping = child(declaration, "mapping")
        key_values = child(declaration, "correctResponse")
        correct = (
            [text_of(v) for v in children(key_values, "value")] if key_values is not None else []
        )
        processing = child(root, "responseProcessing")
        template = attr(processing, "template") or "" if processing is not None else ""
        weighted = mapping is not None and not (correct and "match_correct" in template)
        if weighted and mapping is not None:
            return "weighted", self.weighted_options(mapping, choices, item_id), None
        if correct:
            return "keyed", self.keyed_options(correct, choices, item_id), self.points(root)
        self.problem(
            Code.MISSING_SCORING, item_id, declaration if declaration is not None else root
        )
        return None

    @staticmethod
    def declaration(root: Element, identifier: str | None) -> Element | None:
        declarations = list(children(root, "responseDeclaration"))
        matching = [d for d in declarations if attr(d, "identifier") == identifier]
        found = matching or declarations
        return found[0] if found else None

    def weighted_options(
        self, mapping: Element, choices: list[Element], item_id: str | None
    ) -> list[dict[str, Any]]:
        """A choice with no entry takes `defaultValue`; without one it has no weight at all
        (`missing_weight`, as in every other format), never a silent 0."""
        default = attr(mapping, "defaultValue")
        default = default.strip() if default is not None else None
        identifiers = {(attr(c, "identifier") or "").strip() for c in choices}
        weights: dict[str, str] = {}
        for entry in children(mapping, "mapEntry"):
            choice = (attr(entry, "mapKey") or "").strip()
            value = (attr(entry, "mappedValue") or "").strip()
            if choice in weights:
                self.problem(
                    Code.DUPLICATE_MAP_KEY,
                    item_id,
                    entry,
                    value=choice,
                    first=weights[choice],
                    second=value,
                )
            elif choice not in identifiers:
                self.problem(Code.MAP_KEY_NOT_A_CHOICE, item_id, entry, value=choice)
            weights.setdefault(choice, value)
        return [
            {
                "text": self.choice_html(c),
                "weight": weights.get((attr(c, "identifier") or "").strip(), default),
            }
            for c in choices
        ]

    def keyed_options(
        self, correct: list[str], choices: list[Element], item_id: str | None
    ) -> list[dict[str, Any]]:
        identifiers = [attr(c, "identifier") for c in choices]
        for value in correct:
            if value not in identifiers:
                self.problem(Code.CORRECT_NOT_AN_OPTION, item_id, value=value)
        return [
            {"text": self.choice_html(c), "correct": attr(c, "identifier") in correct}
            for c in choices
        ]

    @staticmethod
    def points(root: Element) -> str | None:
        outcomes = {attr(o, "identifier"): o for o in children(root, "outcomeDeclaration")}
        if "MAXSCORE" in outcomes:
            return text_of(child(child(outcomes["MAXSCORE"], "defaultValue"), "value")) or None
        return attr(outcomes["SCORE"], "normalMaximum") if "SCORE" in outcomes else None

    @staticmethod
    def choice_html(choice: Element) -> str:
        for hidden in [n for n in choice.iter() if key(n.tag) in HIDDEN_CONTENT]:
            _remove(choice, hidden)
        return inner_html(choice)

    def stem_and_media(
        self, body: Element, interaction: Element, item_id: str | None
    ) -> tuple[str, dict[str, str] | None]:
        prompt = child(interaction, "prompt")
        _remove(body, interaction)
        hidden = [n for n in body.iter() if key(n.tag) in HIDDEN_CONTENT]
        for node in hidden:
            _remove(body, node)
        images = list(descendants(body, "img"))
        if prompt is not None:
            images += descendants(prompt, "img")
        if len(images) > 1:
            self.problem(Code.TOO_MANY_IMAGES, item_id)
        media = self.media(images[0]) if images else None
        for image in images:
            _remove(body if _contains(body, image) else prompt, image, prune=True)
        stem = inner_html(body)
        if prompt is not None:
            inner = inner_html(prompt)
            has_blocks = any(key(n.tag) in BLOCK_TAGS for n in prompt)
            stem += inner if has_blocks else f"<p>{inner}</p>"
        return stem, media

    def media(self, image: Element) -> dict[str, str]:
        src = (attr(image, "src") or "").strip()
        if self.base and not re.match(r"^[a-z][a-z0-9+.-]*:", src, re.IGNORECASE):
            src = SafeZip.normalise(self.base, src) or src
        return {"src": src, "alt": attr(image, "alt") or ""}

    @staticmethod
    def classification(root: Element, metadata: ItemMetadata) -> tuple[str | None, str | None]:
        if metadata.competency:
            return metadata.competency, metadata.level
        match = LABEL_PATTERN.match(attr(root, "label") or "")
        return (match["code"], match["level"]) if match else (None, None)


def _contains(ancestor: Element | None, node: Element) -> bool:
    return ancestor is not None and any(n is node for n in ancestor.iter())


def _remove(root: Element | None, node: Element, *, prune: bool = False) -> None:
    """Remove `node` from under `root`, keeping its tail text; `prune` drops emptied parents."""
    if root is None:
        return
    parents = {c: p for p in root.iter() for c in p}
    parent = parents.get(node)
    if parent is None:
        return
    index = list(parent).index(node)
    if node.tail:
        if index:
            parent[index - 1].tail = (parent[index - 1].tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)
    if prune and parent is not root and not len(parent) and not (parent.text or "").strip():
        _remove(root, parent, prune=True)
