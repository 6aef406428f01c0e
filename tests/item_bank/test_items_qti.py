"""IMS QTI 2.1, 2.2 and 3.0 items and content packages, shaped like files other tools export."""

import io
import zipfile

import pytest
from bank_fixtures import codes, load, only

QTI21_WEIGHTED = """<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsglobal.org/xsd/imsqti_v2p1 http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
    identifier="SJT-07" title="Hadiah dari warga" adaptive="false" timeDependent="false"
    xml:lang="id-ID">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
    <mapping defaultValue="0">
      <mapEntry mapKey="ChoiceA" mappedValue="4"/>
      <mapEntry mapKey="ChoiceB" mappedValue="2"/>
      <mapEntry mapKey="ChoiceC" mappedValue="1"/>
    </mapping>
  </responseDeclaration>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <itemBody>
    <p>Seorang warga memberi Anda <strong>bingkisan</strong> setelah urusannya selesai.</p>
    <choiceInteraction responseIdentifier="RESPONSE" shuffle="true" maxChoices="1">
      <prompt>Apa yang Anda lakukan?</prompt>
      <simpleChoice identifier="ChoiceA">Menolak dengan sopan</simpleChoice>
      <simpleChoice identifier="ChoiceB">Menerima lalu melapor</simpleChoice>
      <simpleChoice identifier="ChoiceC">Menerima</simpleChoice>
      <simpleChoice identifier="ChoiceD">Meminta lebih</simpleChoice>
    </choiceInteraction>
  </itemBody>
  <responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/map_response"/>
</assessmentItem>
"""

QTI22_TAO_KEYED = """<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p2" xmlns:m="http://www.w3.org/1998/Math/MathML"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsglobal.org/xsd/imsqti_v2p2 http://www.imsglobal.org/xsd/qti/qtiv2p2/imsqti_v2p2.xsd"
    identifier="i5f1a2b3c4d5e6" title="Ibukota" label="M.03/4" xml:lang="en-US" adaptive="false"
    timeDependent="false" toolName="TAO" toolVersion="3.4.0">
  <responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="identifier">
    <correctResponse>
      <value><![CDATA[choice_2]]></value>
    </correctResponse>
  </responseDeclaration>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <outcomeDeclaration identifier="MAXSCORE" cardinality="single" baseType="float">
    <defaultValue><value>3</value></defaultValue>
  </outcomeDeclaration>
  <stylesheet href="style/custom/tao-user-styles.css" type="text/css" media="all" title=""/>
  <itemBody>
    <div class="grid-row">
      <div class="col-12">
        <choiceInteraction responseIdentifier="RESPONSE" shuffle="false" maxChoices="1"
            minChoices="0">
          <prompt><p>What is the capital of Indonesia?</p></prompt>
          <simpleChoice identifier="choice_1" fixed="false" showHide="show">Surabaya</simpleChoice>
          <simpleChoice identifier="choice_2" fixed="false" showHide="show">Jakarta</simpleChoice>
          <simpleChoice identifier="choice_3" fixed="false" showHide="show">Medan</simpleChoice>
        </choiceInteraction>
      </div>
    </div>
  </itemBody>
  <responseProcessing template="http://www.imsglobal.org/question/qti_v2p2/rptemplates/match_correct"/>
</assessmentItem>
"""

QTI30_KEYED = """<?xml version="1.0" encoding="UTF-8"?>
<?xml-model href="https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd"
    type="application/xml" schematypens="http://purl.oclc.org/dsdl/schematron"?>
<!-- adapted in the style of the QTI 3.0 examples -->
<qti-assessment-item xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
    xsi:schemaLocation="http://www.imsglobal.org/xsd/imsqtiasi_v3p0 https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd"
    identifier="choice" title="Bagasi" adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response>
      <qti-value>
        ChoiceA
      </qti-value>
    </qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float">
    <qti-default-value><qti-value>0</qti-value></qti-default-value>
  </qti-outcome-declaration>
  <qti-item-body>
    <p>Perhatikan tulisan pada gambar.</p>
    <p>
      <img src="../img/sign.png" alt="JANGAN TINGGALKAN BAGASI"/>
    </p>
    <qti-choice-interaction response-identifier="RESPONSE" shuffle="false" max-choices="1">
      <qti-prompt>Apa maksudnya?</qti-prompt>
      <qti-simple-choice identifier="ChoiceA">Bagasi harus selalu dijaga.</qti-simple-choice>
      <qti-simple-choice identifier="ChoiceB">Titipkan bagasi.</qti-simple-choice>
      <qti-simple-choice identifier="ChoiceC">Ingat bagasi saat pergi.</qti-simple-choice>
    </qti-choice-interaction>
    <qti-feedback-block identifier="correct" outcome-identifier="FEEDBACK" show-hide="show">
      <qti-content-body>Benar!</qti-content-body>
    </qti-feedback-block>
  </qti-item-body>
  <qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>
"""


def test_qti21_item_with_mapping_becomes_a_weighted_item() -> None:
    result = load("sjt-07.xml", QTI21_WEIGHTED, default_competency="M.01")
    assert result.ok, result.problems
    (item_set,) = result.item_sets
    (item,) = item_set.items
    assert (item_set.title, item_set.language, item.id, item.kind) == (
        "Hadiah dari warga",
        "id",
        "SJT-07",
        "weighted",
    )
    assert [o.weight for o in item.options] == [4, 2, 1, 0]
    assert [o.label for o in item.options] == ["A", "B", "C", "D"]
    assert item.stem == (
        "<p>Seorang warga memberi Anda <strong>bingkisan</strong> setelah urusannya selesai.</p>\n"
        "<p>Apa yang Anda lakukan?</p>"
    )


def test_qti_item_without_a_competency_needs_the_competency_option() -> None:
    assert codes(load("sjt-07.xml", QTI21_WEIGHTED)) == ["missing_competency"]


def test_qti22_tao_export_with_label_competency_becomes_a_keyed_item() -> None:
    result = load("tao.xml", QTI22_TAO_KEYED)
    assert result.ok, result.problems
    (item,) = result.item_sets[0].items
    assert (item.competency, item.level, item.kind, item.points) == ("M.03", 4, "keyed", 3)
    assert [o.correct for o in item.options] == [False, True, False]
    assert item.stem == "<p>What is the capital of Indonesia?</p>"
    assert result.item_sets[0].language == "en"


def test_qti30_item_with_qti_names_image_and_feedback_imports() -> None:
    result = load("choice.xml", QTI30_KEYED.replace("../img/", "img/"), default_competency="SK.01")
    assert result.ok, result.problems
    (item,) = result.item_sets[0].items
    assert item.media is not None and (item.media.src, item.media.alt) == (
        "img/sign.png",
        "JANGAN TINGGALKAN BAGASI",
    )
    assert item.stem == "<p>Perhatikan tulisan pada gambar.</p>\n<p>Apa maksudnya?</p>"
    assert item.options[0].correct and item.points == 1


def test_single_file_image_outside_its_folder_is_unsafe() -> None:
    assert codes(load("choice.xml", QTI30_KEYED, default_competency="SK.01")) == [
        "unsafe_media_path"
    ]


UNSUPPORTED = [
    (QTI21_WEIGHTED.replace('maxChoices="1"', 'maxChoices="0"'), "choiceInteraction maxChoices=0"),
    (QTI21_WEIGHTED.replace("choiceInteraction", "textEntryInteraction"), "textEntryInteraction"),
    (
        QTI21_WEIGHTED.replace(
            "</p>\n", '</p><extendedTextInteraction responseIdentifier="R2"/>\n'
        ),
        "extendedTextInteraction, choiceInteraction",
    ),
]


@pytest.mark.parametrize(("text", "interaction"), UNSUPPORTED)
def test_unsupported_interactions_are_reported_per_item(text: str, interaction: str) -> None:
    problem = only(load("q.xml", text, default_competency="M.01"), "unsupported_interaction")
    assert problem.item_id == "SJT-07" and interaction in problem.message_en


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            QTI21_WEIGHTED.replace("<mapping", "<!--").replace("</mapping>", "-->"),
            "missing_scoring",
        ),
        (QTI21_WEIGHTED.replace('mappedValue="2"', 'mappedValue="0.5"'), "weight_out_of_range"),
        (QTI22_TAO_KEYED.replace("choice_2]", "choice_9]"), "correct_not_an_option"),
        (QTI22_TAO_KEYED.replace("<value>3</value>", "<value>0</value>"), "invalid_points"),
        (
            QTI21_WEIGHTED.replace(
                "<itemBody>", "<itemBody><p><img src='a.png'/><img src='b.png'/></p>"
            ),
            "too_many_images",
        ),
        (QTI21_WEIGHTED.replace('imsqti_v2p1"\n', 'imsqti_v2p0"\n', 1), "unsupported_qti_version"),
        (
            '<?xml version="1.0"?><assessmentTest xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"/>',
            "not_qti_item",
        ),
        (QTI21_WEIGHTED.replace("</itemBody>", ""), "malformed_xml"),
    ],
)
def test_broken_qti_items_are_reported(text: str, code: str) -> None:
    assert code in codes(load("q.xml", text, default_competency="M.01"))


def manifest(resources: str, metadata: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:imsmd="http://www.imsglobal.org/xsd/imsmd_v1p2"
    identifier="MANIFEST-1">
  <metadata>{metadata}</metadata>
  <organizations/>
  <resources>{resources}</resources>
</manifest>"""


def lom_competency(code: str, level: str) -> str:
    return f"""<metadata><imsmd:lom><imsmd:classification>
      <imsmd:purpose><imsmd:source><imsmd:langstring>LOMv1.0</imsmd:langstring></imsmd:source>
        <imsmd:value><imsmd:langstring>competency</imsmd:langstring></imsmd:value></imsmd:purpose>
      <imsmd:taxonpath><imsmd:source><imsmd:langstring>BKN</imsmd:langstring></imsmd:source>
        <imsmd:taxon><imsmd:id>{code}</imsmd:id></imsmd:taxon><imsmd:taxon><imsmd:id>{level}</imsmd:id></imsmd:taxon>
      </imsmd:taxonpath></imsmd:classification></imsmd:lom></metadata>"""


def package(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


RESOURCES = """
    <resource identifier="test" type="imsqti_test_xmlv2p1" href="test.xml">
      <file href="test.xml"/></resource>
    <resource identifier="R1" type="imsqti_item_xmlv2p1" href="items/sjt-07.xml">{lom}
      <file href="items/sjt-07.xml"/></resource>
    <resource identifier="R2" type="imsqti_item_xmlv2p2"><file href="items/tao.xml"/></resource>
    <resource identifier="R3" type="imsqti_item_xmlv3p0" href="items/choice.xml">
      <file href="items/choice.xml"/></resource>
    <resource identifier="IMG" type="webcontent" href="img/sign.png">
      <file href="img/sign.png"/></resource>
"""


def bank_package(prefix: str = "", extra: dict[str, str | bytes] | None = None) -> bytes:
    files: dict[str, str | bytes] = {
        "imsmanifest.xml": manifest(
            RESOURCES.format(lom=lom_competency("M.02", "2")), "<schema>QTIv2.1 Package</schema>"
        ),
        "items/sjt-07.xml": QTI21_WEIGHTED,
        "items/tao.xml": QTI22_TAO_KEYED,
        "items/choice.xml": QTI30_KEYED,
        "img/sign.png": b"\x89PNG fake",
        "test.xml": "<assessmentTest/>",
        **(extra or {}),
    }
    return package({prefix + name: content for name, content in files.items()})


def test_zipped_package_with_manifest_imports_every_item_resource() -> None:
    result = load("bank.zip", bank_package(), default_competency="SK.01")
    assert result.ok, result.problems
    (item_set,) = result.item_sets
    sjt, tao, choice = item_set.items
    assert (sjt.competency, sjt.level) == ("M.02", 2)
    assert (tao.competency, tao.level) == ("M.03", 4)
    assert (
        choice.competency == "SK.01"
        and choice.media is not None
        and choice.media.src == "img/sign.png"
    )
    assert item_set.title == "bank"


def test_package_zipped_with_its_folder_imports() -> None:
    assert load("bank.zip", bank_package("export/"), default_competency="SK.01").ok


def test_package_problems_name_the_member_file() -> None:
    text = QTI21_WEIGHTED.replace("<choiceInteraction", "<orderInteraction").replace(
        "</choiceInteraction", "</orderInteraction"
    )
    result = load(
        "bank.zip", bank_package(extra={"items/sjt-07.xml": text}), default_competency="SK.01"
    )
    problem = only(result, "unsupported_interaction")
    assert (problem.file, problem.item_id) == ("bank.zip!items/sjt-07.xml", "SJT-07")
    assert not result.item_sets


def test_package_without_manifest_or_with_missing_files_is_reported() -> None:
    assert codes(load("bank.zip", package({"items/a.xml": QTI21_WEIGHTED}))) == ["missing_manifest"]
    broken = package({"imsmanifest.xml": manifest(RESOURCES.format(lom=""))})
    result = load("bank.zip", broken, default_competency="M.01")
    assert codes(result) == ["missing_resource"] * 3


def test_qti12_package_is_an_unsupported_version() -> None:
    resources = '<resource identifier="Q" type="imsqti_xmlv1p2" href="q.xml"><file/></resource>'
    result = load(
        "old.zip", package({"imsmanifest.xml": manifest(resources), "q.xml": "<questestinterop/>"})
    )
    assert "unsupported_qti_version" in codes(result)
