"""Papers alike (pure): tf-idf vectors of every paper's title, abstract and full text, and what
they rank: related papers ("more like this"), "for you" (a linear classifier trained on the
reader's stars, as arxiv-sanity) and the topics of a day (clusters labelled by their terms).

Related papers are scored by the cosine of the paper's strongest terms with every other paper,
so a word counts by its weight in *both* papers (characteristic of each, not merely rare), plus
the cosine of their category sets; optional embedding vectors blend in a third score.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

# scikit-learn and scipy take a second to import: they load with the first vectors built, not
# with the site.
if TYPE_CHECKING:
    from scipy import sparse

QUERY_TERMS = 40  # a paper's strongest terms that look for related papers
CATEGORY_WEIGHT = 0.15  # share of the related score given to shared categories
EMBEDDING_WEIGHT = 0.5  # share of the related score given to embeddings, when stored
BODY_CHARS = 20_000  # of a full text's sections, at most
BACKGROUND = 300  # papers of the archive added as negatives to a "for you" request
FOR_YOU_TERMS = 8
TOPIC_TERMS = 3
TOKENS = r"(?u)\b[^\W\d_][^\W\d_\-]+(?:-[^\W\d_]+)*\b"


@dataclass(frozen=True, slots=True)
class PaperText:
    """What similarity reads of one paper."""

    id: str
    title: str
    abstract: str
    categories: tuple[str, ...] = ()
    body: str = ""  # the full text's sections, when stored


@dataclass(frozen=True, slots=True)
class ForYou:
    ranked: list[tuple[str, float]]  # the known candidates, best first
    terms: list[str]  # the terms that weigh most for the stars
    ignored: int  # ids that are not in the archive


@dataclass(frozen=True, slots=True)
class Topic:
    label: list[str]  # its characteristic terms
    ids: list[str]  # its papers, in the order given


def _document(paper: PaperText) -> str:
    # The title counts twice: it says what the paper is about in the fewest words.
    return f"{paper.title}\n{paper.title}\n{paper.abstract}\n{paper.body[:BODY_CHARS]}"


def _normalized(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    from scipy import sparse

    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


# Where scikit-learn's learning runs (``Alike.for_you``, ``Alike.topics``): the functions
# below, or a call of them in a process that has imported scikit-learn (a site's process
# need not: its import holds the interpreter's lock for about a second, and its objects
# lengthen every full pass of the garbage collector).
Learn = Callable[[Any, np.ndarray, Any], tuple[np.ndarray, np.ndarray]]
Cluster = Callable[[Any, int], np.ndarray]


def svm_scores(train: Any, labels: np.ndarray, shown: Any) -> tuple[np.ndarray, np.ndarray]:
    """A linear SVM trained on the rows of ``train`` (``labels``: 1 for a starred paper):
    its decision values for the rows of ``shown``, and its weights."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    model = LinearSVC(C=0.1, class_weight="balanced", tol=1e-4, max_iter=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(train, labels)
    return model.decision_function(shown), model.coef_.ravel()


def kmeans_labels(matrix: Any, count: int) -> np.ndarray:
    """The group of each row of ``matrix`` among ``count``: k-means, seeded."""
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return KMeans(n_clusters=count, n_init=4, random_state=0).fit_predict(matrix)


def text_array(texts: Sequence[str] | np.ndarray) -> np.ndarray:
    """Texts as a numpy array of fixed-width text (``<U``): no Python object per text, so that
    it pickles as one block of bytes, or goes in a file mapped into memory (``Alike.spill_to``)."""
    if isinstance(texts, np.ndarray) and texts.dtype.kind == "U":
        return texts
    return np.asarray(list(texts), dtype=str) if len(texts) else np.empty(0, dtype="<U1")


class Rows:
    """Each paper's row, looked up in its ids sorted (a numpy array) rather than a dict: built
    in a child process, the vectors travel pickled to the site's process, which reads them
    holding the interpreter's lock, and a dict of a million ids took 0.4 s to read back there
    (two arrays: a few milliseconds)."""

    def __init__(self, ids: Sequence[str] | np.ndarray) -> None:
        array = text_array(ids)
        self.order = np.argsort(array, kind="stable")
        self.sorted = array[self.order]

    def find(self, ids: Sequence[str]) -> np.ndarray:
        """The row of each of ``ids`` (int64; -1 for an id the archive does not know)."""
        if not len(ids) or not len(self.sorted):
            return np.full(len(ids), -1, dtype=np.int64)
        wanted = np.asarray(list(ids), dtype=str)
        at = np.minimum(np.searchsorted(self.sorted, wanted), len(self.sorted) - 1)
        found = self.sorted[at] == wanted
        return np.where(found, self.order[at], -1).astype(np.int64)

    def of(self, ids: Iterable[str]) -> dict[str, int]:
        """The rows of the known ones among ``ids``, by id."""
        unique = list(dict.fromkeys(ids))
        return {i: int(r) for i, r in zip(unique, self.find(unique), strict=True) if r >= 0}

    def get(self, paper_id: str) -> int | None:
        row = int(self.find([paper_id])[0])
        return row if row >= 0 else None

    def __len__(self) -> int:
        return len(self.sorted)


@dataclass(frozen=True, slots=True)
class _SpilledMatrix:
    """A sparse matrix pickled as the files of its arrays (see ``Alike.spill_to``)."""

    format: str  # "csr" or "csc"
    shape: tuple[int, int]
    paths: tuple[str, str, str]  # its data, indices and index pointers (.npy)
    canonical: bool  # its indices sorted, without duplicates

    def load(self) -> Any:
        from scipy import sparse

        kind = sparse.csr_matrix if self.format == "csr" else sparse.csc_matrix
        data, indices, pointers = (np.load(path, mmap_mode="r") for path in self.paths)
        matrix = kind((data, indices, pointers), shape=self.shape, copy=False)
        if self.canonical:  # known: scipy would otherwise scan it to tell
            matrix.has_sorted_indices = True
            matrix.has_canonical_format = True
        return matrix


@dataclass(frozen=True, slots=True)
class _SpilledArray:
    path: str

    def load(self) -> np.ndarray:
        return np.load(self.path, mmap_mode="r")


@dataclass(frozen=True, slots=True)
class _SpilledRows:
    order: _SpilledArray
    sorted: _SpilledArray

    def load(self) -> Rows:
        rows = Rows.__new__(Rows)
        rows.order, rows.sorted = self.order.load(), self.sorted.load()
        return rows


def _spilled(directory: str, name: str, array: np.ndarray) -> _SpilledArray:
    path = os.path.join(directory, f"{name}.npy")
    np.save(path, array)
    return _SpilledArray(path)


_MATRICES = ("vectors", "postings", "categories")
# Arrays of numbers or of fixed-width text: the papers' ids and the terms as text arrays, so
# that a million ids are not a million objects to make again from the pickle (0.1 s holding
# the interpreter's lock).
_ARRAYS = ("embeddings", "embedded", "ids", "terms")


class Alike:
    """The vectors of an archive's papers, built once and read by every request."""

    def __init__(
        self,
        papers: Sequence[PaperText],
        *,
        category_weight: float = CATEGORY_WEIGHT,
        embeddings: Mapping[str, Sequence[float]] | None = None,
        embedding_weight: float = EMBEDDING_WEIGHT,
    ) -> None:
        from scipy import sparse
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.ids = text_array([p.id for p in papers])
        self.rows = Rows(self.ids)
        self.category_weight = category_weight
        vectorizer = TfidfVectorizer(
            token_pattern=TOKENS,
            stop_words="english",
            sublinear_tf=True,
            min_df=2 if len(papers) > 50 else 1,
            max_df=0.5 if len(papers) > 50 else 1.0,
            dtype=np.float32,
        )
        try:
            vectors = vectorizer.fit_transform([_document(p) for p in papers])
            self.terms = text_array(vectorizer.get_feature_names_out().tolist())
        except ValueError:  # no paper, or not one word: nothing is alike
            vectors = sparse.csr_matrix((len(papers), 0), dtype=np.float32)
            self.terms = text_array([])
        self.vectors = sparse.csr_matrix(vectors)
        self.vectors.sum_duplicates()  # in order: read as it is after a pickle (``spill_to``)
        self.postings = sparse.csc_matrix(self.vectors)
        codes = sorted({c for p in papers for c in p.categories})
        column = {c: i for i, c in enumerate(codes)}
        cells = [(row, column[c]) for row, p in enumerate(papers) for c in set(p.categories)]
        categories = sparse.csr_matrix(
            (np.ones(len(cells), dtype=np.float32), ([r for r, _ in cells], [c for _, c in cells])),
            shape=(len(papers), len(codes)),
        )
        self.categories = _normalized(categories)
        self.embedding_weight = embedding_weight
        self.embeddings: np.ndarray | None = None
        self.embedded = np.zeros(len(papers), dtype=bool)
        if embeddings:
            self._set_embeddings(embeddings)

    def __len__(self) -> int:
        return len(self.ids)

    def spill_to(self, directory: str | None) -> None:
        """Pickle the matrices and arrays as files in ``directory`` (``.npy``), which the
        process that reads the pickle maps into memory, then removes: a child process builds
        the vectors, and the site's process, reading a gigabyte of them back from the pickle
        (at a million papers), held the interpreter's lock for half a second while its
        requests waited. Without room for the files, they go in the pickle (and with
        ``directory`` None, always)."""
        self._spill = directory

    def __getstate__(self) -> dict[str, object]:
        state = {name: value for name, value in vars(self).items() if name != "_spill"}
        directory = getattr(self, "_spill", None)
        if directory is None:
            return state
        try:
            for name in _MATRICES:
                matrix = state[name]
                paths = []
                for part in ("data", "indices", "indptr"):
                    paths.append(os.path.join(directory, f"{name}.{part}.npy"))
                    np.save(paths[-1], getattr(matrix, part))
                canonical = bool(matrix.has_canonical_format)
                state[name] = _SpilledMatrix(matrix.format, matrix.shape, tuple(paths), canonical)
            for name in _ARRAYS:
                if state[name] is not None:
                    state[name] = _spilled(directory, name, state[name])
            rows = self.rows
            state["rows"] = _SpilledRows(
                _spilled(directory, "rows.order", rows.order),
                _spilled(directory, "rows.sorted", rows.sorted),
            )
        except OSError:  # no room: in the pickle after all
            return {name: value for name, value in vars(self).items() if name != "_spill"}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            if isinstance(value, (_SpilledMatrix, _SpilledArray, _SpilledRows)):
                state[name] = value.load()
        vars(self).update(state)

    def _set_embeddings(self, embeddings: Mapping[str, Sequence[float]]) -> None:
        width = len(next(iter(embeddings.values())))
        matrix = np.zeros((len(self.ids), width), dtype=np.float32)
        known = list(embeddings)
        for paper_id, row in zip(known, self.rows.find(known).tolist(), strict=True):
            vector = embeddings[paper_id]
            if row >= 0 and len(vector) == width:
                matrix[row] = vector
                self.embedded[row] = True
        norms = np.linalg.norm(matrix, axis=1)
        norms[norms == 0] = 1.0
        self.embeddings = matrix / norms[:, None]

    def related(self, paper_id: str, limit: int = 5) -> list[tuple[str, float]]:
        """Up to ``limit`` other papers most like ``paper_id``, with scores in [0, 1], best
        first (ties by id); [] for a paper this archive does not know."""
        row = self.rows.get(paper_id)
        if row is None or limit <= 0:
            return []
        query = self.vectors.getrow(row)
        if query.nnz > QUERY_TERMS:
            strongest = np.argpartition(-query.data, QUERY_TERMS)[:QUERY_TERMS]
            terms, weights = query.indices[strongest], query.data[strongest]
        else:
            terms, weights = query.indices, query.data
        lexical = np.asarray(self.postings[:, terms] @ weights).ravel()
        shared = np.asarray(self.categories @ self.categories.getrow(row).T.toarray()).ravel()
        scores = (1 - self.category_weight) * lexical + self.category_weight * shared
        if self.embeddings is not None and self.embedded[row]:
            semantic = np.clip(self.embeddings @ self.embeddings[row], 0.0, 1.0)
            blended = (1 - self.embedding_weight) * scores + self.embedding_weight * semantic
            scores = np.where(self.embedded, blended, scores)
        scores[row] = -1.0
        # Only papers sharing a word or a category (or close by embedding) are related.
        hits = np.flatnonzero(scores > 0)
        if len(hits) > limit:
            hits = hits[np.argpartition(-scores[hits], limit - 1)[:limit]]
        best = sorted(hits.tolist(), key=lambda r: (-scores[r], self.ids[r]))
        return [(str(self.ids[r]), round(float(scores[r]), 4)) for r in best]

    def for_you(
        self, starred: Iterable[str], candidates: Sequence[str], learn: Learn | None = None
    ) -> ForYou:
        """The candidates ranked by a linear SVM trained on the starred papers against the
        candidates and a fixed sample of the archive; ids it does not know are ignored.
        ``learn`` runs the learning (``svm_scores``, or a call of it in another process)."""
        starred = list(starred)
        rows = self.rows.of([*starred, *candidates])
        known_stars = list(dict.fromkeys(s for s in starred if s in rows))
        ignored = sum(1 for s in starred if s not in rows)
        ignored += sum(1 for c in candidates if c not in rows)
        listed = list(dict.fromkeys(c for c in candidates if c in rows))
        if not known_stars or not listed or self.vectors.shape[1] == 0:
            return ForYou([(c, 0.0) for c in listed], [], ignored)
        positive = [rows[s] for s in known_stars]
        stars = set(positive)
        negative = [rows[c] for c in listed if rows[c] not in stars]
        step = max(1, len(self.ids) // BACKGROUND)
        negative += [r for r in range(0, len(self.ids), step) if r not in stars]
        negative = list(dict.fromkeys(negative))
        if not negative:
            return ForYou([(c, 0.0) for c in listed], [], ignored)
        train = self.vectors[positive + negative]
        labels = np.array([1] * len(positive) + [0] * len(negative))
        shown = self.vectors[[rows[c] for c in listed]]
        scores, weights = (learn or svm_scores)(train, labels, shown)
        order = sorted(range(len(listed)), key=lambda i: (-scores[i], i))
        present = np.flatnonzero(np.asarray(self.vectors[positive].sum(axis=0)).ravel() > 0)
        best = present[np.argsort(-weights[present], kind="stable")][:FOR_YOU_TERMS]
        terms = [str(self.terms[t]) for t in best if weights[t] > 0]
        ranked = [(listed[i], round(float(scores[i]), 4)) for i in order]
        return ForYou(ranked, terms, ignored)

    def topics(self, ids: Sequence[str], cluster: Cluster | None = None) -> list[Topic]:
        """The papers ``ids`` grouped by k-means over their vectors, the largest group first,
        each labelled by the terms that set it apart; the same papers give the same topics.
        Papers the archive does not know yet form a last group without label. ``cluster``
        runs the k-means (``kmeans_labels``, or a call of it in another process)."""
        rows = self.rows.of(ids)
        known = sorted({i for i in ids if i in rows})
        unknown = [i for i in dict.fromkeys(ids) if i not in rows]
        groups: list[Topic] = []
        if known:
            matrix = self.vectors[[rows[i] for i in known]]
            count = max(1, min(10, round(math.sqrt(len(known) / 2))))
            if count == 1 or matrix.shape[1] == 0:
                labels = np.zeros(len(known), dtype=int)
            else:
                labels = (cluster or kmeans_labels)(matrix, count)
            overall = np.asarray(matrix.mean(axis=0)).ravel()
            place = {paper_id: n for n, paper_id in enumerate(dict.fromkeys(ids))}
            for cluster in sorted(set(labels.tolist())):
                members = np.flatnonzero(labels == cluster)
                mean = np.asarray(matrix[members].mean(axis=0)).ravel()
                lift = mean - overall if count > 1 else mean
                best = np.argsort(-lift, kind="stable")[:TOPIC_TERMS]
                label = [str(self.terms[t]) for t in best if mean[t] > 0]
                members_ids = sorted((known[m] for m in members), key=place.__getitem__)
                groups.append(Topic(label, members_ids))
            groups.sort(key=lambda t: (-len(t.ids), t.label))
        if unknown:
            groups.append(Topic([], unknown))
        return groups
