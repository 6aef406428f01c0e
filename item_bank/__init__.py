"""CACT item bank: item-set file formats → validated models, offline (no web, no database)."""

from item_bank.blueprint import BlueprintResult, load_blueprint, load_blueprint_file
from item_bank.dictionary import (
    CompetencyDictionary,
    DictionaryError,
    dictionary_codes,
    load_dictionary,
    parse_dictionary,
)
from item_bank.loader import (
    LoadResult,
    Upload,
    load_item_bytes,
    load_item_files,
    load_items,
)
from item_bank.media import MediaBlob
from item_bank.models import (
    Blueprint,
    BlueprintSection,
    CompetencyDeclaration,
    Item,
    ItemSet,
    LocalizedText,
    Media,
    Option,
    SelectionRule,
)
from item_bank.problems import Code, Problem
from item_bank.safety import DEFAULT_LIMITS, Limits
from item_bank.writers import OutputFormat, write_item_set, write_qti_item, write_template

__all__ = [
    "DEFAULT_LIMITS",
    "Blueprint",
    "BlueprintResult",
    "BlueprintSection",
    "Code",
    "CompetencyDeclaration",
    "CompetencyDictionary",
    "DictionaryError",
    "Item",
    "ItemSet",
    "Limits",
    "LoadResult",
    "LocalizedText",
    "Media",
    "MediaBlob",
    "Option",
    "OutputFormat",
    "Problem",
    "SelectionRule",
    "Upload",
    "dictionary_codes",
    "load_blueprint",
    "load_blueprint_file",
    "load_dictionary",
    "load_item_bytes",
    "load_item_files",
    "load_items",
    "parse_dictionary",
    "write_item_set",
    "write_qti_item",
    "write_template",
]
