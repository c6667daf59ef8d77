"""Summaries from a stored full text: the prompt with numbered sections cut at a section
boundary, answers whose [§n] citations link to arXiv's HTML, and the offline summarizer
answering the six questions with quotes from the sections."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from fulltext import store
from fulltext.document import FullText, FullTextStatus, Section
from summaries import QUESTIONS
from summaries.citations import SectionLinks, link_citations
from summaries.extractive import extract_full_text
from summaries.faq import PaperText
from summaries.summarizers import ExtractiveSummarizer
from tests.summaries.conftest import ABSTRACT, make_app
from tests.summaries.fulltexts import DOCUMENT, store_full_text
from tests.summaries.test_web import parse_sse, stream

TITLE = "FlashMix: fast mixing for long inputs"
HTML = "https://arxiv.org/html/2403.00001v1"


def cited_answer(messages: list[dict[str, str]]) -> str:
    number = sum(1 for m in messages if m["role"] == "assistant") + 1
    return f"Answer {number}: the gate [§3.1] costs little [§3.2, §4.1]; see [§9] and `[§3]`."


def used_full_text(database_path) -> list[int]:
    with sqlite3.connect(database_path) as connection:
        return [row[0] for row in connection.execute("select used_full_text from summaries")]


async def test_the_model_is_asked_with_the_numbered_sections(
    make_service, paper, llm, sessions, database_path
) -> None:
    await store_full_text(sessions)
    service = make_service()
    job = await service.start(paper, "en")
    await job.wait()

    assert len(llm.calls) == 6
    for call in llm.calls:
        system, text = call.messages[0]["content"], call.messages[1]["content"]
        assert call.messages[1]["role"] == "user"
        assert "§" not in system and "Introduction" not in system  # the paper is not here
        assert "[§3.2]" in text  # asked to cite
        for heading in (
            "§1 Introduction",
            "§2 Related Work",
            "§3.1 A low-rank gate",
            "§4.1 Main results",
            "§5 Conclusion",
            "§A Proofs",
        ):
            assert f"\n{heading}\n" in text
        assert "Left out" not in text
    assert job.result is not None and job.result.used_full_text
    assert used_full_text(database_path) == [1]


async def test_a_small_context_cuts_the_full_text_at_a_section_boundary(
    make_service, paper, llm, sessions
) -> None:
    await store_full_text(sessions)
    # Room for the sections up to 3.1, not for 3.2.
    blocks = [f"§{s.number} {s.title}\n{s.text}" for s in DOCUMENT.sections]
    room = sum(len(b) + 2 for b in blocks[:4]) + 10
    service = make_service(LLM_CONTEXT_CHARS=room)
    job = await service.start(paper, "en")
    await job.wait()

    text = llm.calls[0].messages[1]["content"]
    assert "\n§3.1 A low-rank gate\n" in text and DOCUMENT.sections[3].text in text
    assert "We derive the cost" not in text and "Experiments show" not in text
    assert text.rstrip().endswith(
        "[Left out for length: §3.2 Cost of mixing, §4 Experiments, §4.1 Main results,"
        " §5 Conclusion, §A Proofs.]"
    )
    assert job.result is not None and job.result.used_full_text


async def test_without_a_stored_full_text_the_abstract_alone_and_it_says_so(
    make_service, paper, llm, sessions, database_path
) -> None:
    async with sessions.begin() as session:  # a failed fetch stores no document
        await store.save(session, paper, 1, FullTextStatus.FAILED, reason="HTTP 500")
    job = await make_service().start(paper, "en")
    await job.wait()
    text = llm.calls[0].messages[1]["content"]
    assert "Only the title and abstract are available" in text and "§" not in text
    assert used_full_text(database_path) == [0]


@pytest.fixture
def client(model_settings, clock, paper, sessions, llm, portal_store) -> Iterator[TestClient]:
    llm.answer = cited_answer
    app = make_app(model_settings, clock)
    with TestClient(app) as test_client:
        yield test_client
        service = getattr(app.state, "summaries", None)
        if service is not None:
            test_client.portal.call(service.aclose)


@pytest.fixture
async def portal_store(sessions, paper) -> None:
    await store_full_text(sessions)


def assert_linked(html: str) -> None:
    assert (
        f'[<a class="cite" href="{HTML}#S3.SS1" title="A low-rank gate"'
        ' rel="nofollow noopener noreferrer">§3.1</a>]'
    ) in html
    assert f'<a class="cite" href="{HTML}#S3.SS2" title="Cost of mixing"' in html
    assert f'<a class="cite" href="{HTML}#S4.SS1" title="Main results"' in html
    assert "[§9]" in html  # no such section: plain text
    assert "<code>[§3]</code>" in html  # code is left alone
    assert html.count('class="cite"') == 3


def test_citations_are_links_in_the_stream_and_in_the_cached_summary(client) -> None:
    response = stream(client, "2403.00001", "en")
    events = parse_sse(response.text)
    answers = [data for kind, data in events if kind == "answer"]
    assert len(answers) == 6
    for answer in answers:
        assert_linked(answer["html"])
    done = next(data for kind, data in events if kind == "done")
    assert done["used_full_text"] is True
    assert "from the full text of v1" in done["label"]
    assert_linked(done["faq"][0]["html"])

    cached = client.get("/api/papers/2403.00001/summary?lang=en").json()
    assert cached["used_full_text"] is True
    for item in cached["faq"]:
        assert_linked(item["html"])


def test_the_html_base_is_a_setting(model_settings, clock, paper, llm, portal_store) -> None:
    llm.answer = cited_answer
    settings = model_settings.model_copy(update={"ARXIV_HTML_BASE": "http://mirror.test/html/"})
    app = make_app(settings, clock)
    with TestClient(app) as test_client:
        events = parse_sse(stream(test_client, "2403.00001").text)
        html = next(data for kind, data in events if kind == "answer")["html"]
        test_client.portal.call(app.state.summaries.aclose)
    assert 'href="http://mirror.test/html/2403.00001v1#S3.SS1"' in html


# --- The links themselves. ---

LINKS = SectionLinks.of(DOCUMENT, "2403.00001", 2)


def test_citation_forms() -> None:
    html = link_citations("<p>[§3] [§A] [§3.1; §A] [§3.2.] [§ 4] [§2–3] [§§] [see §3]</p>", LINKS)
    links = re.findall(r'href="[^"]+#([^"]+)"[^>]*>([^<]+)</a>', html)
    assert links == [
        ("S3", "§3"),
        ("A1", "§A"),
        ("S3.SS1", "§3.1"),
        ("A1", "§A"),
        ("S3.SS2", "§3.2"),
        ("S4", "§4"),
    ]
    assert "[§2–3]" in html and "[§§]" in html and "[see §3]" in html
    assert link_citations("<p>[§3]</p>", None) == "<p>[§3]</p>"


def test_no_links_inside_links_math_or_code_and_titles_are_escaped() -> None:
    document = FullText("html", (Section("S1", "1", 'A "quoted" <title>', "x"),))
    links = SectionLinks.of(document, "2403.00001", 1)
    html = link_citations(
        '<p><a href="x">[§1]</a> <math><mi>[§1]</mi></math> <pre><code>[§1]</code></pre> [§1]</p>',
        links,
    )
    assert html.count('class="cite"') == 1
    assert 'title="A &quot;quoted&quot; &lt;title&gt;"' in html


# --- The offline summarizer. ---


def test_the_offline_summarizer_answers_the_six_questions_from_the_sections() -> None:
    faq = extract_full_text(TITLE, ABSTRACT, DOCUMENT, "en")
    assert faq is not None
    assert [qa.question for qa in faq] == list(QUESTIONS["en"])
    problem, related, method, experiments, further, summary = (qa.answer for qa in faq)
    assert "“However, the attention cost grows quadratically" in problem and "[§1]" in problem
    assert "Longformer" in related and "[§2]" in related and "[§1]" not in related
    assert "“We propose to mix tokens" in method and "[§3]" in method and "[§3.1]" in method
    assert "outperforms strong baselines" in experiments and "[§4.1]" in experiments
    assert "future work" in further and "limitation" in further and "[§5]" in further
    assert "(Abstract)" in summary and "[§5]" in summary
    assert "Proofs" not in json.dumps([qa.answer for qa in faq])  # no appendix
    assert "Figure 1" not in method  # captions are not quoted
    assert "引文" not in problem


def test_the_offline_chinese_faq_says_the_quotes_are_english() -> None:
    faq = extract_full_text(TITLE, ABSTRACT, DOCUMENT, "zh")
    assert faq is not None
    assert [qa.question for qa in faq] == list(QUESTIONS["zh"])
    for qa in faq:
        assert qa.answer.endswith("*（引文为论文的英文原文。）*")
    assert "“However, the attention cost" in faq[0].answer and "[§1]" in faq[0].answer


async def test_the_offline_summarizer_falls_back_to_the_abstract() -> None:
    events = []
    paper = PaperText("2403.00001", 1, TITLE, ABSTRACT)
    result = await ExtractiveSummarizer().summarize(paper, "en", events.append)
    assert [qa.question for qa in result.faq] == ["Key sentences", "Method", "Result"]
    assert not result.used_full_text

    empty = FullText("pdf", (Section("S0", "", "", "   "),))
    paper = PaperText("2403.00001", 1, TITLE, ABSTRACT, full_text=empty)
    result = await ExtractiveSummarizer().summarize(paper, "en", events.append)
    assert not result.used_full_text and len(result.faq) == 3

    paper = PaperText("2403.00001", 1, TITLE, ABSTRACT, full_text=DOCUMENT)
    result = await ExtractiveSummarizer().summarize(paper, "zh", events.append)
    assert result.used_full_text and len(result.faq) == 6


def test_offline_the_site_quotes_the_full_text_and_says_so(
    settings, clock, paper, portal_store
) -> None:
    app = make_app(settings, clock)  # no endpoint: the extractive summarizer
    with TestClient(app) as test_client:
        zh = test_client.get("/api/papers/2403.00001/summary?lang=zh").json()
        en = test_client.get("/api/papers/2403.00001/summary?lang=en").json()
    assert zh["kind"] == "extractive" and zh["used_full_text"] is True
    assert [item["question"] for item in zh["faq"]] == list(QUESTIONS["zh"])
    assert "引文为论文的英文原文" in zh["label"] and "v1" in zh["label"]
    assert en["label"] == (
        "Extractive summary: sentences quoted from the full text of v1 by coolpapers,"
        " not written by a language model."
    )
    first = en["faq"][0]["html"]
    assert f'<a class="cite" href="{HTML}#S1" title="Introduction"' in first
