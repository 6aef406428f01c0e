"""The bundled PermenPANRB 38/2017 dictionary (``item_bank/data``) as rows to store."""

from __future__ import annotations

from cact.competencies.definitions import CompetencyData, LevelData
from item_bank.dictionary import load_dictionary


def standard_dictionary() -> tuple[str, list[CompetencyData]]:
    dictionary = load_dictionary()
    return dictionary.source, [
        CompetencyData(
            code=c.code,
            kind=c.kind,
            name_id=c.name.id,
            name_en=c.name.en,
            definition_id=c.definition.id,
            definition_en=c.definition.en,
            levels=[
                LevelData(
                    level=level.level,
                    title_id=level.title.id,
                    title_en=level.title.en,
                    descriptor_id=level.descriptor.id,
                    descriptor_en=level.descriptor.en,
                    indicators_id=list(level.indicators.id),
                    indicators_en=list(level.indicators.en),
                )
                for level in c.levels
            ],
        )
        for c in dictionary.competencies
    ]
