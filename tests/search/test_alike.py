"""Related papers, "for you" and topics (search.alike) measured on the sample's real papers."""

from __future__ import annotations

import pickle
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.relevance_bench import auc, category_share, for_you_aucs, real_papers
from search.alike import Alike, PaperText, Rows


@pytest.fixture(scope="module")
def papers() -> list[PaperText]:
    return real_papers()


@pytest.fixture(scope="module")
def alike(papers: list[PaperText]) -> Alike:
    return Alike(papers)


def test_related_papers_share_a_category(papers: list[PaperText], alike: Alike) -> None:
    share, total = category_share(papers, lambda i: [r for r, _ in alike.related(i, 5)])
    assert total > 5 * len(papers) * 0.9
    assert share >= 0.8


def test_related_papers_exclude_the_paper_and_are_ordered(alike: Alike) -> None:
    found = alike.related("0705.0026", 5)
    assert len(found) == 5 and "0705.0026" not in [i for i, _ in found]
    scores = [s for _, s in found]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)
    assert alike.related("9999.99999", 5) == [] and alike.related("0705.0026", 0) == []


def test_shared_words_outweigh_shared_categories() -> None:
    papers = [
        PaperText(
            "1", "ECG anomaly detection", "electrocardiogram heartbeat anomaly", ("eess.SP",)
        ),
        PaperText("2", "Heartbeat ECG classification", "electrocardiogram heartbeat", ("cs.LG",)),
        PaperText("3", "Galactic jets", "x-ray binary jets in the galaxy", ("eess.SP",)),
    ]
    assert [i for i, _ in Alike(papers).related("1", 2)] == ["2", "3"]


def test_for_you_ranks_a_category_above_the_rest(papers: list[PaperText], alike: Alike) -> None:
    figures = for_you_aucs(papers, alike, categories=3)
    assert statistics.mean(figures.values()) >= 0.9


def test_for_you_ignores_unknown_ids_and_names_its_terms(alike: Alike) -> None:
    ids = alike.ids.tolist()
    result = alike.for_you([ids[0], ids[1], "nope"], [*ids[2:300], "0000.00000"])
    assert result.ignored == 2
    assert sorted(i for i, _ in result.ranked) == sorted(ids[2:300])
    assert result.terms and all(isinstance(t, str) for t in result.terms)
    empty = alike.for_you(["nope"], ids[:3])
    assert [i for i, _ in empty.ranked] == ids[:3] and empty.terms == [] and empty.ignored == 1


def test_topics_group_every_paper_the_same_way_each_time(alike: Alike) -> None:
    day = alike.ids[100:160].tolist()
    topics = alike.topics([*day, "2999.00001"])
    assert sorted(i for t in topics for i in t.ids) == sorted([*day, "2999.00001"])
    assert topics[-1].ids == ["2999.00001"] and topics[-1].label == []
    assert len(topics) > 2 and all(t.label for t in topics[:-1])
    sizes = [len(t.ids) for t in topics[:-1]]
    assert sizes == sorted(sizes, reverse=True)
    assert alike.topics(list(reversed([*day, "2999.00001"])))[:-1] == topics[:-1] or [
        sorted(t.ids) for t in alike.topics(list(reversed(day)))
    ] == [sorted(t.ids) for t in topics[:-1]]


def test_auc_counts_ties_as_half() -> None:
    assert auc([3, 2, 1], [True, False, False]) == 1.0
    assert auc([1, 1], [True, False]) == 0.5
    assert auc([1, 2], [True, False]) == 0.0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=12).filter(lambda t: "\0" not in t), unique=True),
    st.lists(st.text(max_size=12).filter(lambda t: "\0" not in t), max_size=20),
)
def test_rows_find_each_id_as_a_dict_of_them_would(ids: list[str], asked: list[str]) -> None:
    rows = Rows(ids)
    numbered = {paper_id: row for row, paper_id in enumerate(ids)}
    wanted = [*asked, *ids[:5]]
    assert rows.find(wanted).tolist() == [numbered.get(i, -1) for i in wanted]
    assert rows.of(wanted) == {i: numbered[i] for i in wanted if i in numbered}
    assert all(rows.get(i) == numbered.get(i) for i in wanted)


def test_vectors_read_back_pickled_rank_as_they_did(alike: Alike) -> None:
    # as a served site gets them from the child process that builds them
    copy = pickle.loads(pickle.dumps(alike))
    ids = alike.ids.tolist()
    assert copy.related(ids[7], 5) == alike.related(ids[7], 5)
    assert copy.topics(ids[:40]) == alike.topics(ids[:40])
    # the classifier's sums may round differently over arrays laid out anew: to 1e-3
    read_back, built = copy.for_you(ids[:2], ids[2:50]), alike.for_you(ids[:2], ids[2:50])
    assert (read_back.terms, read_back.ignored) == (built.terms, built.ignored)
    scores = dict(built.ranked)
    assert len(read_back.ranked) == len(built.ranked)
    assert all(abs(score - scores[i]) <= 1e-3 for i, score in read_back.ranked)


def _mapped(array: np.ndarray) -> bool:
    """Whether ``array`` is (a view of) a file mapped into memory."""
    while not isinstance(array, np.memmap) and isinstance(array.base, np.ndarray):
        array = array.base
    return isinstance(array, np.memmap)


def test_vectors_spilled_to_files_travel_as_their_names_and_read_back_mapped(
    alike: Alike, tmp_path
) -> None:
    in_band = pickle.dumps(alike)
    alike.spill_to(str(tmp_path))
    try:
        spilled = pickle.dumps(alike)
    finally:
        alike.spill_to(None)
    assert len(spilled) < len(in_band) / 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [
            f"{m}.{part}.npy"
            for m in ("vectors", "postings", "categories")
            for part in ("data", "indices", "indptr")
        ]
        + ["embedded.npy", "ids.npy", "terms.npy", "rows.order.npy", "rows.sorted.npy"]
    )
    # what is left in the pickle holds no id nor term: nothing to make again object by object
    assert len(spilled) < 4_000 and alike.ids[0].encode() not in spilled
    copy = pickle.loads(spilled)
    assert all(_mapped(m.data) for m in (copy.vectors, copy.postings, copy.categories))
    assert all(_mapped(a) for a in (copy.ids, copy.terms, copy.rows.order, copy.rows.sorted))
    assert copy.ids.tolist() == alike.ids.tolist() and copy.terms.tolist() == alike.terms.tolist()
    for name in ("vectors", "postings", "categories"):
        assert (getattr(copy, name) != getattr(alike, name)).nnz == 0
    ids = alike.ids.tolist()
    assert copy.related(ids[3], 5) == alike.related(ids[3], 5)
    assert copy.topics(ids[:40]) == alike.topics(ids[:40])


def test_vectors_without_room_for_their_files_travel_in_the_pickle(alike: Alike, tmp_path) -> None:
    alike.spill_to(str(tmp_path / "gone"))  # no such directory: the files cannot be written
    try:
        copy = pickle.loads(pickle.dumps(alike))
    finally:
        alike.spill_to(None)
    assert not _mapped(copy.vectors.data)
    paper_id = str(alike.ids[3])
    assert copy.related(paper_id, 5) == alike.related(paper_id, 5)
