"""The demo pages' controls in Chinese: buttons, links and parameter labels through web.i18n."""

from __future__ import annotations

import pytest

from web.demo_pages import DEMOS
from web.i18n import ZH

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# Labels that are symbols or names, the same in both languages.
UNTRANSLATED_LABELS = {"α", "σ", "YaRN τ", "log₂ V"}


def test_a_demo_page_in_chinese_translates_its_controls(empty_client):
    html = empty_client.get("/demos/retry?lang=zh").text
    for chinese in ("计算", "恢复默认", "这些数字的 JSON", "原文", "更多设置"):
        assert chinese in html
    assert '<span class="demo-label">失败概率</span>' in html
    assert '<span class="demo-label">尝试次数</span>' in html
    for english in ("Compute", "Defaults", "More settings", "Failure probability"):
        assert f">{english}<" not in html


def test_the_english_page_keeps_its_labels(empty_client):
    html = empty_client.get("/demos/segmentations?lang=en").text
    assert '<button type="submit">Compute</button>' in html
    assert '<span class="demo-label">Sampler</span>' in html
    assert '<option value="" selected>auto</option>' in html
    assert "<summary>More settings</summary>" in html


def test_the_optional_choice_and_the_index_follow_the_language(empty_client):
    page = empty_client.get("/demos/segmentations?lang=zh").text
    assert '<option value="" selected>自动</option>' in page
    index = empty_client.get("/demos?lang=zh").text
    assert index.count(">原文</a>") == len(DEMOS)


def test_every_parameter_label_has_a_chinese_translation():
    labels = {param.label for demo in DEMOS.values() for param in demo.params}
    missing = sorted(labels - UNTRANSLATED_LABELS - set(ZH))
    assert missing == []
