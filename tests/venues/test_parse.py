"""The real ACL Anthology and PMLR files read field by field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.venues.conftest import ACL, CCL
from venues.acl import paper_key, parse_anthology
from venues.pmlr import parse_volume
from venues.records import VenueError


def test_acl_2024_papers_keep_their_order_markup_as_text_and_tex_math() -> None:
    parsed = parse_anthology(ACL.read_bytes(), "2024.acl.xml")
    assert len(parsed.papers) == 30 and parsed.problems == []
    first = parsed.papers[0]
    assert first.id == "acl:2024.acl-long.1"
    assert first.venue == "ACL.2024" and first.track == "long" and first.pages == "1-17"
    assert first.title.startswith("Quantized Side Tuning: Fast and Memory-Efficient")
    assert [a.name for a in first.authors][:3] == ["Zhengxin Zhang", "Dan Zhao", "Xupeng Miao"]
    assert first.authors[1].affiliation == "Peng Cheng Laborotary"  # as the source spells it
    assert first.authors[0].affiliation is None
    assert "up to 3$\\times$ while" in first.abstract
    assert first.pdf_url == "https://aclanthology.org/2024.acl-long.1.pdf"
    assert first.landing_url == "https://aclanthology.org/2024.acl-long.1/"
    assert first.published == dt.datetime(2024, 8, 1, tzinfo=dt.UTC)
    assert parsed.papers[1].code_links == ("https://github.com/thuiar/UMC",)
    assert "top-$K$ parameter" in parsed.papers[1].abstract
    assert parsed.papers[2].title == "MAGE: Machine-generated Text Detection in the Wild"
    assert parsed.papers[3].title.startswith("PrivLM-Bench: A Multi-level Privacy")
    assert [p.position for p in parsed.papers] == list(range(1, 31))


def test_acl_front_matter_is_kept_apart_from_the_papers() -> None:
    parsed = parse_anthology(ACL.read_bytes())
    assert all(not p.key.endswith(".0") for p in parsed.papers)
    (volume,) = parsed.volumes
    assert volume.id == "acl:2024.acl-long"
    assert volume.editors == ("Lun-Wei Ku", "Andre Martins", "Vivek Srikumar")
    assert volume.front_matter[0].pdf_url == "https://aclanthology.org/2024.acl-long.0.pdf"


def test_ccl_chinese_titles_variants_and_en_dash_pages() -> None:
    parsed = parse_anthology(CCL.read_bytes())
    first = parsed.papers[0]
    assert first.id == "acl:2023.ccl-1.1" and first.venue == "CCL.2023"
    assert first.title.startswith("基于推理链的多跳问答对抗攻击")
    english = "Adversarial Augmentation Training for Multi-hop Question Answering)"
    assert first.title.endswith(english)
    assert first.pages == "1–16"
    assert first.extra["language"] == "zho"
    assert [a.name for a in first.authors][:2] == ["Jiayu Ding", "Siyuan Wang"]
    assert first.authors[1].variant == "王思远"
    assert first.authors[0].variant is not None and "," not in first.authors[0].variant
    assert first.abstract.startswith("“本文提出了一种基于多跳推理链的对抗攻击方法")
    assert parsed.volumes[0].front_matter == ()


def test_old_anthology_ids() -> None:
    assert paper_key("P17", "1", "2") == "P17-1002"
    assert paper_key("W17", "01", "7") == "W17-0107"
    data = (
        b'<collection id="P17"><volume id="1"><meta><booktitle>ACL</booktitle>'
        b"<month>July</month><year>2017</year></meta>"
        b'<paper id="2"><title>A <fixed-case>B</fixed-case>iLSTM parser</title>'
        b"<author><first>A</first><last>B</last></author></paper></volume></collection>"
    )
    parsed = parse_anthology(data, "P17.xml")
    (paper,) = parsed.papers
    assert paper.id == "acl:P17-1002" and paper.venue == "ACL.2017"
    assert paper.title == "A BiLSTM parser"
    assert parsed.problems == ["P17.xml: volume 1 paper 2 (P17-1002): no abstract"]


def test_malformed_anthology_xml_is_refused_with_the_reason() -> None:
    with pytest.raises(VenueError, match=r"cut\.xml: malformed XML"):
        parse_anthology(ACL.read_bytes()[:5000], "cut.xml")
    with pytest.raises(VenueError, match="not an ACL Anthology collection"):
        parse_anthology(b"<feed/>", "feed.xml")


def test_pmlr_volume_fields_sections_and_extras(pmlr_copy: Path) -> None:
    parsed = parse_volume(pmlr_copy)
    assert len(parsed.papers) == 20 and parsed.problems == []
    assert {p.venue for p in parsed.papers} == {"COLT.2024"}  # not the config's 2023 dates
    first = parsed.papers[0]
    assert first.id == "pmlr:v247/addanki24a"
    assert first.title == "Limits of Approximating the Median Treatment Effect"
    assert first.pages == "1-21" and first.track == "Original Papers"
    assert [a.name for a in first.authors][:2] == ["Raghavendra Addanki", "Siddharth Bhandari"]
    assert first.landing_url == "https://proceedings.mlr.press/v247/addanki24a.html"
    bresler = next(p for p in parsed.papers if p.key == "v247/bresler24a")
    assert bresler.pdf_url == "https://proceedings.mlr.press/v247/bresler24a/bresler24a.pdf"
    assert "random $d$-uniform hypergraph" in bresler.abstract
    assert bresler.extra["extras"] == [
        {
            "label": "Supplementary ZIP",
            "url": "https://proceedings.mlr.press/v247/bresler24a/bresler24a-supp.zip",
        }
    ]
    assert bresler.code_links == ()
    assert [a.name for a in bresler.authors] == ["Guy Bresler", "Chenghao Guo", "Yury Polyanskiy"]
    problems = [p.key for p in parsed.papers if p.track == "Open Problems"]
    assert problems == ["v247/azize24a", "v247/canonne24a"]
    pages = [int(p.pages.split("-")[0]) for p in parsed.papers if p.track == "Original Papers"]
    assert pages == sorted(pages)


def test_pmlr_bad_post_is_named_and_the_rest_read(pmlr_copy: Path) -> None:
    bad = pmlr_copy / "_posts" / "2024-06-30-alon24a.md"
    bad.write_text("---\ntitle: [unclosed\n---\n")
    no_abstract = pmlr_copy / "_posts" / "2024-06-30-zz24a.md"
    no_abstract.write_text("---\ntitle: Preface\nsection: Preface\nid: zz24a\n---\n")
    parsed = parse_volume(pmlr_copy)
    assert len(parsed.papers) == 19 and parsed.skipped == 1
    assert len(parsed.problems) == 1 and "alon24a.md: malformed YAML" in parsed.problems[0]
    assert parsed.volumes[0].front_matter[0].title == "Preface"


def test_pmlr_folder_without_config_is_refused(pmlr_copy: Path) -> None:
    (pmlr_copy / "_config.yml").unlink()
    with pytest.raises(VenueError, match=r"no _config\.yml"):
        parse_volume(pmlr_copy)
