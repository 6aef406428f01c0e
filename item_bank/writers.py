"""Write an item set in any supported format (for exports and round trips)."""

from enum import StrEnum

from item_bank.docx_writer import write_docx
from item_bank.models import ItemSet
from item_bank.moodle_writer import write_aiken, write_gift, write_moodle_xml
from item_bank.native import write_json, write_yaml
from item_bank.qti_writer import write_qti_item, write_qti_package
from item_bank.sheet_writer import write_csv, write_template, write_xlsx


class OutputFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"
    XLSX = "xlsx"
    CSV = "csv"
    QTI21 = "qti21"
    QTI22 = "qti22"
    QTI30 = "qti30"
    MOODLE = "moodle"
    GIFT = "gift"
    AIKEN = "aiken"
    DOCX = "docx"

    @property
    def extension(self) -> str:
        special = {"moodle": ".xml", "aiken": ".txt"}
        return ".zip" if self.value.startswith("qti") else special.get(self.value, f".{self.value}")


QTI_VERSIONS = {OutputFormat.QTI21: "2.1", OutputFormat.QTI22: "2.2", OutputFormat.QTI30: "3.0"}


def write_item_set(item_set: ItemSet, output_format: OutputFormat | str) -> bytes:
    """The set as file content; QTI formats give a zipped content package."""
    chosen = OutputFormat(output_format)
    if chosen in QTI_VERSIONS:
        return write_qti_package(item_set, QTI_VERSIONS[chosen])
    writers = {
        OutputFormat.YAML: write_yaml,
        OutputFormat.JSON: write_json,
        OutputFormat.XLSX: write_xlsx,
        OutputFormat.CSV: write_csv,
        OutputFormat.MOODLE: write_moodle_xml,
        OutputFormat.GIFT: write_gift,
        OutputFormat.AIKEN: write_aiken,
        OutputFormat.DOCX: write_docx,
    }
    return writers[chosen](item_set)


__all__ = [
    "OutputFormat",
    "write_aiken",
    "write_csv",
    "write_docx",
    "write_gift",
    "write_item_set",
    "write_json",
    "write_moodle_xml",
    "write_qti_item",
    "write_qti_package",
    "write_template",
    "write_xlsx",
    "write_yaml",
]
