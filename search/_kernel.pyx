# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The compiled core of the index: posting lists to and from bytes, and query evaluation.

A posting list holds, for one term in one segment, each paper (``docid``, ascending) with the
term's frequency in six fields: title, abstract, authors (the words), title and abstract
stems (0 or 1), and the body (the words of the stored full text, without positions). Bytes:
per paper, the docid's difference to the previous one (varint; the first one's to the
segment's first docid), a byte with a bit per field present, then the frequency of each
present word field and of the body (varint). Read back, the body's frequency is damped to
``1 + log2(count)``, so that a word repeated through a long paper never outweighs it in the
title or abstract. Its positions list holds, per paper, the byte length of what follows,
then the positions of the term in the word fields (``field << 16 | index``), each as the
difference to the previous one (varint).

Everything here is pure computation over bytes and numpy arrays. Reading and scoring run
without the GIL, so that searches in threads run side by side with the rest of the process.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_RawFree, PyMem_RawRealloc, PyMem_Realloc
from libc.math cimport log
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t
from libc.string cimport memcpy

import numpy as np

cdef enum:
    FIELDS = 6
    WORD_FIELDS = 3
    BODY = 5
    POSITION_SHIFT = 16
    MAX_POSITION = 65535


# ------------------------------------------------------------------ byte buffers

cdef class _Buffer:
    cdef bytearray data
    cdef Py_ssize_t size

    def __cinit__(self, Py_ssize_t capacity=1024):
        self.data = bytearray(max(capacity, 16))
        self.size = 0

    cdef inline void reserve(self, Py_ssize_t extra):
        cdef Py_ssize_t need = self.size + extra
        cdef Py_ssize_t capacity = len(self.data)
        if need > capacity:
            while capacity < need:
                capacity *= 2
            self.data.extend(b"\0" * (capacity - len(self.data)))

    cdef inline void varint(self, uint32_t value):
        self.reserve(5)
        cdef uint8_t* out = <uint8_t*> (<char*> self.data) + self.size
        while value >= 0x80:
            out[0] = <uint8_t> ((value & 0x7F) | 0x80)
            out += 1
            self.size += 1
            value >>= 7
        out[0] = <uint8_t> value
        self.size += 1

    cdef inline void byte(self, uint8_t value):
        self.reserve(1)
        (<uint8_t*> (<char*> self.data))[self.size] = value
        self.size += 1

    cdef inline void raw(self, const uint8_t* source, Py_ssize_t n):
        self.reserve(n)
        memcpy((<uint8_t*> (<char*> self.data)) + self.size, source, n)
        self.size += n

    cdef bytes take(self, Py_ssize_t start, Py_ssize_t end):
        return bytes(self.data[start:end])


cdef inline uint32_t _read_varint(const uint8_t* data, Py_ssize_t* at) noexcept nogil:
    cdef uint32_t value = 0
    cdef int shift = 0
    cdef uint8_t b
    while True:
        b = data[at[0]]
        at[0] += 1
        value |= (<uint32_t> (b & 0x7F)) << shift
        if b < 0x80:
            return value
        shift += 7


cdef inline int _varint_size(uint32_t value):
    cdef int n = 1
    while value >= 0x80:
        value >>= 7
        n += 1
    return n


# ------------------------------------------------------------------ building

def invert(
    const int32_t[:] docids,
    const int32_t[:] field_ends,
    const int32_t[:] tokens,
    Py_ssize_t n_terms,
):
    """Posting lists of a batch of papers.

    ``tokens`` holds term numbers (0..n_terms-1), paper after paper and field after field;
    ``field_ends[d * 6 + f]`` is where field ``f`` of paper ``d`` ends in it (the fields in
    order: title, abstract, authors words, then title and abstract stems, distinct, then
    the body's words). Returns
    ``(docs, positions, doc_offsets, position_offsets, df, last)``: the bytes of every term's
    lists one after the other, where each starts (n_terms + 1 offsets), how many papers hold
    each term and the last of them.
    """
    cdef Py_ssize_t n_docs = docids.shape[0]
    cdef Py_ssize_t total = tokens.shape[0]
    cdef Py_ssize_t i, d, f, t, start, end, j, k
    counts_array = np.zeros(n_terms + 1, dtype=np.int64)
    cdef int64_t[:] counts = counts_array
    for i in range(total):
        counts[tokens[i] + 1] += 1
    for t in range(n_terms):
        counts[t + 1] += counts[t]
    # Occurrences grouped by term, in paper then field then position order within each.
    occurrence_doc_array = np.empty(total, dtype=np.int32)
    occurrence_at_array = np.empty(total, dtype=np.int32)
    cdef int32_t[:] occurrence_doc = occurrence_doc_array
    cdef int32_t[:] occurrence_at = occurrence_at_array  # field << 16 | index
    fill_array = counts_array[:n_terms].copy()
    cdef int64_t[:] fill = fill_array
    cdef int64_t slot
    cdef int32_t index
    start = 0
    for d in range(n_docs):
        for f in range(FIELDS):
            end = field_ends[d * FIELDS + f]
            index = 0
            for i in range(start, end):
                t = tokens[i]
                slot = fill[t]
                fill[t] += 1
                occurrence_doc[slot] = <int32_t> d
                occurrence_at[slot] = (<int32_t> f << POSITION_SHIFT) | (
                    index if index < MAX_POSITION else MAX_POSITION)
                index += 1
            start = end
    cdef _Buffer docs = _Buffer(total * 2 + 16)
    cdef _Buffer positions = _Buffer(total * 2 + 16)
    cdef _Buffer scratch = _Buffer(256)
    doc_offsets_array = np.zeros(n_terms + 1, dtype=np.int64)
    position_offsets_array = np.zeros(n_terms + 1, dtype=np.int64)
    df_array = np.zeros(n_terms, dtype=np.int64)
    last_array = np.zeros(n_terms, dtype=np.int64)
    cdef int64_t[:] doc_offsets = doc_offsets_array
    cdef int64_t[:] position_offsets = position_offsets_array
    cdef int64_t[:] df = df_array
    cdef int64_t[:] last = last_array
    cdef int32_t previous, doc, at, field, previous_at
    cdef uint32_t tf[FIELDS]
    cdef uint8_t mask
    for t in range(n_terms):
        previous = 0
        j = counts[t]
        end = counts[t + 1]
        while j < end:
            d = occurrence_doc[j]
            doc = docids[d]
            for f in range(FIELDS):
                tf[f] = 0
            scratch.size = 0
            previous_at = 0
            k = j
            while k < end and occurrence_doc[k] == d:
                at = occurrence_at[k]
                field = at >> POSITION_SHIFT
                tf[field] += 1
                if field < WORD_FIELDS:
                    scratch.varint(<uint32_t> (at - previous_at))
                    previous_at = at
                k += 1
            mask = 0
            for f in range(FIELDS):
                if tf[f]:
                    mask |= <uint8_t> (1 << f)
            docs.varint(<uint32_t> (doc - previous))
            docs.byte(mask)
            for f in range(WORD_FIELDS):
                if tf[f]:
                    docs.varint(tf[f])
            if tf[BODY]:
                docs.varint(tf[BODY])
            positions.varint(<uint32_t> scratch.size)
            positions.raw(<uint8_t*> (<char*> scratch.data), scratch.size)
            previous = doc
            df[t] += 1
            j = k
        last[t] = previous
        doc_offsets[t + 1] = docs.size
        position_offsets[t + 1] = positions.size
    return (
        bytes(docs.data[: docs.size]),
        bytes(positions.data[: positions.size]),
        doc_offsets_array,
        position_offsets_array,
        df_array,
        last_array,
    )


def concatenate(list parts, const uint8_t[:] alive=None, Py_ssize_t base=0):
    """One posting list from ``(docs, positions, part_base)`` lists in ascending docid
    ranges, each holding docids relative to its ``part_base``, the result relative to ``base``.

    Papers whose ``alive[docid]`` is 0 are left out (with ``alive`` None, all are kept).
    Returns ``(docs, positions, df, last)``, ``last`` the last docid kept (absolute).
    """
    cdef _Buffer docs = _Buffer(1024)
    cdef _Buffer positions = _Buffer(1024)
    cdef int64_t previous = base, doc, part_base
    cdef Py_ssize_t df = 0, at, pat, begin, f
    cdef uint32_t n_bytes
    cdef uint8_t mask
    cdef const uint8_t[:] d_bytes
    cdef const uint8_t[:] p_bytes
    cdef Py_ssize_t alive_n = alive.shape[0] if alive is not None else 0
    for part in parts:
        d_bytes = part[0]
        p_bytes = part[1]
        part_base = part[2]
        at = 0
        pat = 0
        doc = part_base
        while at < d_bytes.shape[0]:
            doc += <int64_t> _read_varint(&d_bytes[0], &at)
            begin = at
            mask = d_bytes[at]
            at += 1
            for f in range(WORD_FIELDS):
                if mask & (1 << f):
                    _read_varint(&d_bytes[0], &at)
            if mask & (1 << BODY):
                _read_varint(&d_bytes[0], &at)
            n_bytes = _read_varint(&p_bytes[0], &pat)
            if alive is None or (doc < alive_n and alive[doc]):
                if doc < previous:
                    raise ValueError("posting lists overlap")
                docs.varint(<uint32_t> (doc - previous))
                docs.raw(&d_bytes[begin], at - begin)
                positions.varint(n_bytes)
                if n_bytes:
                    positions.raw(&p_bytes[pat], n_bytes)
                previous = doc
                df += 1
            pat += n_bytes
    return bytes(docs.data[: docs.size]), bytes(positions.data[: positions.size]), df, previous


# ------------------------------------------------------------------ reading

def decode(const uint8_t[:] data, Py_ssize_t df, int32_t base=0):
    """``(docids int32[df], frequencies uint8[df, 6])`` of a posting list's bytes, its docids
    relative to ``base`` (the body's frequency damped: ``1 + floor(log2(count))``)."""
    docids_array = np.empty(df, dtype=np.int32)
    tf_array = np.empty((df, FIELDS), dtype=np.uint8)
    cdef Py_ssize_t n = data.shape[0]
    if df == 0:
        return docids_array, tf_array
    if n == 0:
        raise ValueError(f"posting list holds 0 papers, {df} expected")
    # Written through pointers into the new arrays: a memoryview's element costs a stride
    # multiplication per access, twice the time of the whole decoding.
    cdef int32_t[::1] docids_view = docids_array
    cdef uint8_t[:, ::1] tf_view = tf_array
    cdef int32_t* docids = &docids_view[0]
    cdef uint8_t* tf = &tf_view[0, 0]
    cdef const uint8_t* p = &data[0]
    cdef Py_ssize_t at = 0, i = 0
    cdef int32_t doc = base
    cdef uint32_t value
    cdef uint8_t mask, damped
    with nogil:
        while at < n and i < df:
            doc += <int32_t> _read_varint(p, &at)
            docids[i] = doc
            if at >= n:  # cut short after a docid
                break
            mask = p[at]
            at += 1
            tf[0] = tf[1] = tf[2] = 0
            if mask & 1:
                value = _read_varint(p, &at)
                tf[0] = <uint8_t> (value if value < 255 else 255)
            if mask & 2:
                value = _read_varint(p, &at)
                tf[1] = <uint8_t> (value if value < 255 else 255)
            if mask & 4:
                value = _read_varint(p, &at)
                tf[2] = <uint8_t> (value if value < 255 else 255)
            tf[3] = (mask >> 3) & 1
            tf[4] = (mask >> 4) & 1
            damped = 0
            if mask & (1 << BODY):
                value = _read_varint(p, &at)
                damped = 1
                while value > 1:
                    value >>= 1
                    damped += 1
            tf[5] = damped
            tf += FIELDS
            i += 1
    if i != df or at > n:
        raise ValueError(f"posting list holds {i} papers, {df} expected")
    return docids_array, tf_array


def position_offsets(const uint8_t[:] data, Py_ssize_t df):
    """Where each paper's positions start and end in a positions list (two uint32[df])."""
    if data.shape[0] >= 2**32:
        raise ValueError("a positions list of 4 GB or more")
    starts_array = np.empty(df, dtype=np.uint32)
    ends_array = np.empty(df, dtype=np.uint32)
    cdef uint32_t[:] starts = starts_array
    cdef uint32_t[:] ends = ends_array
    cdef Py_ssize_t at = 0, i
    cdef uint32_t n_bytes
    with nogil:
        for i in range(df):
            n_bytes = _read_varint(&data[0], &at)
            starts[i] = at
            at += n_bytes
            ends[i] = at
    return starts_array, ends_array


def position_entries(const uint8_t[:] data, Py_ssize_t df):
    """Where each paper's entry (the byte length of its positions, then the positions) starts
    in a positions list (uint32[df]): what ``phrase`` reads a paper's positions from."""
    if data.shape[0] >= 2**32:
        raise ValueError("a positions list of 4 GB or more")
    entries_array = np.empty(df, dtype=np.uint32)
    cdef uint32_t[:] entries = entries_array
    cdef Py_ssize_t at = 0, i, n = data.shape[0]
    cdef uint32_t n_bytes
    cdef bint short = False
    with nogil:
        for i in range(df):
            if at >= n:
                short = True
                break
            entries[i] = at
            n_bytes = _read_varint(&data[0], &at)
            at += n_bytes
    if short or at > n:
        raise ValueError(f"a positions list shorter than its {df} papers")
    return entries_array


# ------------------------------------------------------------------ scoring

cdef inline double _bm25(
    const uint8_t[:, :] tf, Py_ssize_t i, const double* weights, double norm,
) noexcept nogil:
    cdef double w = 0.0
    cdef int f
    for f in range(FIELDS):
        if tf[i, f]:
            w += weights[f] * tf[i, f]
    if w <= 0.0:
        return 0.0
    return w * 2.2 / (w + norm)  # k1 = 1.2: (k1 + 1) * tf / (tf + k1 * length norm)


cdef inline double _norm(const float[:] lengths, int32_t doc, double average) noexcept nogil:
    # k1 * (1 - b + b * length / average) with k1 = 1.2, b = 0.75
    cdef double length = lengths[doc] if doc < lengths.shape[0] else average
    return 1.2 * (0.25 + 0.75 * length / average)


def idf(Py_ssize_t df, Py_ssize_t n):
    """BM25's inverse document frequency (Lucene's form: never negative)."""
    return log(1.0 + (n - df + 0.5) / (df + 0.5))


cdef inline double _bm25_row(const uint8_t* row, const double* weights, double norm) noexcept nogil:
    # ``_bm25`` of a row of a C-contiguous frequency array (the same sums in the same order)
    cdef double w = 0.0
    cdef int f
    for f in range(FIELDS):
        if row[f]:
            w += weights[f] * row[f]
    if w <= 0.0:
        return 0.0
    return w * 2.2 / (w + norm)


cdef inline double _norm_at(
    const float* lengths, Py_ssize_t known, int32_t doc, double average
) noexcept nogil:
    # ``_norm`` over a contiguous array of ``known`` lengths
    cdef double length = lengths[doc] if doc < known else average
    return 1.2 * (0.25 + 0.75 * length / average)


def score_list(
    docids,
    const uint8_t[:, :] tf,
    weights,
    double idf_weight,
    const float[:] lengths,
    double average,
):
    """``(docids, scores)`` of the papers whose weighted frequency is not 0: ``docids``
    itself when that is all of them (most lists: a word's own list is scored in every field
    it holds), so that no copy of it is made."""
    cdef const int32_t[:] ids = docids
    cdef double w[FIELDS]
    cdef int f
    for f in range(FIELDS):
        w[f] = weights[f]
    cdef Py_ssize_t n = ids.shape[0], i, kept = 0
    out_scores_array = np.empty(n, dtype=np.float64)
    cdef double[:] out_scores = out_scores_array
    cdef double s
    cdef const uint8_t* rows
    cdef const int32_t* id_at
    cdef const float* length_at
    cdef double* score_at
    cdef Py_ssize_t known = lengths.shape[0]
    cdef bint flat = (
        n > 0
        and tf.strides[0] == FIELDS and tf.strides[1] == 1 and tf.shape[1] == FIELDS
        and ids.strides[0] == sizeof(int32_t)
        and (known == 0 or lengths.strides[0] == sizeof(float))
    )
    if flat:  # the arrays as ``decode`` makes them: read through pointers, as fast again
        rows = &tf[0, 0]
        id_at = &ids[0]
        length_at = &lengths[0] if known else NULL
        score_at = &out_scores[0]
        with nogil:
            for i in range(n):
                s = _bm25_row(rows + i * FIELDS, w, _norm_at(length_at, known, id_at[i], average))
                if s > 0.0:
                    score_at[kept] = s * idf_weight
                    kept += 1
    else:
        with nogil:
            for i in range(n):
                s = _bm25(tf, i, w, _norm(lengths, ids[i], average))
                if s > 0.0:
                    out_scores[kept] = s * idf_weight
                    kept += 1
    if kept == n:
        return docids, out_scores_array
    out_docids_array = np.empty(kept, dtype=np.int32)
    cdef int32_t[:] out_docids = out_docids_array
    kept = 0
    with nogil:
        for i in range(n):
            if _bm25(tf, i, w, _norm(lengths, ids[i], average)) > 0.0:
                out_docids[kept] = ids[i]
                kept += 1
    return out_docids_array, out_scores_array[:kept]


def union(const int32_t[:] a_docids, const double[:] a_scores,
          const int32_t[:] b_docids, const double[:] b_scores):
    """The papers of two scored lists, scores added where both hold a paper."""
    cdef Py_ssize_t na = a_docids.shape[0], nb = b_docids.shape[0], i = 0, j = 0, k = 0
    docids_array = np.empty(na + nb, dtype=np.int32)
    scores_array = np.empty(na + nb, dtype=np.float64)
    cdef int32_t[:] docids = docids_array
    cdef double[:] scores = scores_array
    with nogil:
        while i < na and j < nb:
            if a_docids[i] < b_docids[j]:
                docids[k] = a_docids[i]
                scores[k] = a_scores[i]
                i += 1
            elif a_docids[i] > b_docids[j]:
                docids[k] = b_docids[j]
                scores[k] = b_scores[j]
                j += 1
            else:
                docids[k] = a_docids[i]
                scores[k] = a_scores[i] + b_scores[j]
                i += 1
                j += 1
            k += 1
        while i < na:
            docids[k] = a_docids[i]
            scores[k] = a_scores[i]
            i += 1
            k += 1
        while j < nb:
            docids[k] = b_docids[j]
            scores[k] = b_scores[j]
            j += 1
            k += 1
    return docids_array[:k], scores_array[:k]


cdef inline Py_ssize_t _seek_ptr(
    const int32_t* docids, Py_ssize_t n, Py_ssize_t low, int32_t target,
) noexcept nogil:
    cdef Py_ssize_t step = 1, high, middle
    if low >= n or docids[low] >= target:
        return low
    high = low + 1
    while high < n and docids[high] < target:
        low = high
        step *= 2
        high = low + step
    if high > n:
        high = n
    while low + 1 < high:
        middle = (low + high) >> 1
        if docids[middle] < target:
            low = middle
        else:
            high = middle
    return high


cdef inline Py_ssize_t _seek(
    const int32_t[:] docids, Py_ssize_t low, int32_t target,
) noexcept nogil:
    """The first index at or after ``low`` whose docid is >= target (galloping search)."""
    if low >= docids.shape[0]:
        return low
    return _seek_ptr(&docids[0], docids.shape[0], low, target)


def accumulate(
    const int32_t[:] candidates,
    double[:] scores,
    uint8_t[:] hits,
    const int32_t[:] docids,
    const uint8_t[:, :] tf,
    weights,
    double idf_weight,
    const float[:] lengths,
    double average,
):
    """For each candidate paper in this list with a non-zero weighted frequency: add its
    score and set its hit. Both docid arrays ascend."""
    cdef double w[FIELDS]
    cdef int f
    for f in range(FIELDS):
        w[f] = weights[f]
    cdef Py_ssize_t n = candidates.shape[0], m = docids.shape[0], i, j = 0
    cdef double s
    with nogil:
        for i in range(n):
            j = _seek(docids, j, candidates[i])
            if j >= m:
                break
            if docids[j] == candidates[i]:
                s = _bm25(tf, j, w, _norm(lengths, docids[j], average))
                if s > 0.0:
                    scores[i] += s * idf_weight
                    hits[i] = 1


def accumulate_scored(
    const int32_t[:] candidates,
    double[:] scores,
    uint8_t[:] hits,
    const int32_t[:] docids,
    const double[:] list_scores,
):
    """``accumulate`` for a list already scored (a phrase's)."""
    cdef Py_ssize_t n = candidates.shape[0], m = docids.shape[0], i, j = 0
    with nogil:
        for i in range(n):
            j = _seek(docids, j, candidates[i])
            if j >= m:
                break
            if docids[j] == candidates[i]:
                scores[i] += list_scores[j]
                hits[i] = 1


def intersect(const int32_t[:] a, const int32_t[:] b):
    """The docids in both ascending arrays."""
    if a.shape[0] > b.shape[0]:
        a, b = b, a
    cdef Py_ssize_t n = a.shape[0], m = b.shape[0], i, j = 0, k = 0
    out_array = np.empty(n, dtype=np.int32)
    cdef int32_t[:] out = out_array
    with nogil:
        for i in range(n):
            j = _seek(b, j, a[i])
            if j >= m:
                break
            if b[j] == a[i]:
                out[k] = a[i]
                k += 1
    return out_array[:k]


cdef enum:
    MAX_PHRASE = 64


def phrase(list words, const int32_t[:] candidates, Py_ssize_t field_mask):
    """Papers among ``candidates`` where the words follow one another in a word field.

    ``words``: for each word in order, ``(docids, positions bytes, entries)`` (entries as
    ``position_entries`` gives them). Returns
    ``(docids, frequencies uint8[n, 5])``: how often the phrase occurs in each field of the
    ``field_mask``. Only the candidates' positions are read: the work goes by the candidates
    and their positions, not by the lengths of the words' lists.
    """
    cdef Py_ssize_t n_words = len(words), n = candidates.shape[0], c, w, a
    if n_words > MAX_PHRASE:
        raise ValueError(f"a phrase of more than {MAX_PHRASE} words")
    cdef const int32_t* docids[MAX_PHRASE]
    cdef Py_ssize_t lengths[MAX_PHRASE]
    cdef const uint8_t* data[MAX_PHRASE]
    cdef const uint32_t* entries[MAX_PHRASE]
    cdef Py_ssize_t sizes[MAX_PHRASE]
    cdef Py_ssize_t cursor[MAX_PHRASE]
    cdef Py_ssize_t counts[MAX_PHRASE]
    cdef Py_ssize_t follow[MAX_PHRASE]
    # Decoded positions of each word in the current paper (at most one per byte), grown
    # to the longest met.
    cdef int32_t* buffer[MAX_PHRASE]
    cdef Py_ssize_t room[MAX_PHRASE]
    cdef const int32_t[::1] view_docids
    cdef const uint8_t[::1] view_data
    cdef const uint32_t[::1] view_entries
    held = []
    for w in range(n_words):
        word_docids = np.ascontiguousarray(words[w][0], dtype=np.int32)
        word_data = words[w][1]
        word_entries = np.ascontiguousarray(words[w][2], dtype=np.uint32)
        held.append((word_docids, word_data, word_entries))
        view_docids = word_docids
        view_entries = word_entries
        lengths[w] = view_docids.shape[0]
        if lengths[w] == 0 or len(word_data) == 0:
            return np.empty(0, dtype=np.int32), np.zeros((0, FIELDS), dtype=np.uint8)
        if view_entries.shape[0] < lengths[w]:
            raise ValueError("a word's positions do not cover its papers")
        view_data = word_data
        docids[w] = &view_docids[0]
        data[w] = &view_data[0]
        sizes[w] = view_data.shape[0]
        entries[w] = &view_entries[0]
        cursor[w] = 0
        buffer[w] = NULL
        room[w] = 0
    out_docids_array = np.empty(n, dtype=np.int32)
    out_tf_array = np.zeros((n, FIELDS), dtype=np.uint8)
    cdef int32_t[:] out_docids = out_docids_array
    cdef uint8_t[:, :] out_tf = out_tf_array
    cdef Py_ssize_t kept = 0, at, stop, count, found
    cdef int32_t doc, p, target, field
    cdef uint32_t total
    cdef int32_t* grown
    cdef bint ok, failed = False, out_of_memory = False
    try:
        with nogil:
            for c in range(n):
                doc = candidates[c]
                ok = True
                for w in range(n_words):
                    cursor[w] = _seek_ptr(docids[w], lengths[w], cursor[w], doc)
                    if cursor[w] >= lengths[w] or docids[w][cursor[w]] != doc:
                        ok = False
                        break
                if not ok:
                    continue
                for w in range(n_words):
                    at = entries[w][cursor[w]]
                    if at >= sizes[w]:
                        failed = True
                        break
                    stop = at + <Py_ssize_t> _read_varint(data[w], &at)
                    if stop > sizes[w]:
                        failed = True
                        break
                    if stop - at > room[w]:
                        grown = <int32_t*> PyMem_RawRealloc(
                            buffer[w], max(stop - at, 2 * room[w], 64) * sizeof(int32_t)
                        )
                        if grown == NULL:
                            failed = True
                            out_of_memory = True
                            break
                        buffer[w] = grown
                        room[w] = max(stop - at, 2 * room[w], 64)
                    count = 0
                    total = 0
                    while at < stop:
                        total += _read_varint(data[w], &at)
                        buffer[w][count] = <int32_t> total
                        count += 1
                    counts[w] = count
                    follow[w] = 0
                if failed:
                    break
                found = 0
                for a in range(counts[0]):
                    p = buffer[0][a]
                    if not (field_mask >> (p >> POSITION_SHIFT)) & 1:
                        continue
                    ok = True
                    for w in range(1, n_words):
                        target = p + <int32_t> w
                        while follow[w] < counts[w] and buffer[w][follow[w]] < target:
                            follow[w] += 1
                        if follow[w] >= counts[w] or buffer[w][follow[w]] != target:
                            ok = False
                            break
                    if ok:
                        field = p >> POSITION_SHIFT
                        if out_tf[kept, field] < 255:
                            out_tf[kept, field] += 1
                        found += 1
                if found:
                    out_docids[kept] = doc
                    kept += 1
    finally:
        for w in range(n_words):
            PyMem_RawFree(buffer[w])
    if out_of_memory:
        raise MemoryError()
    if failed:
        raise ValueError("a word's positions lie outside its positions list")
    return out_docids_array[:kept], out_tf_array[:kept]


cdef inline bint _worse(
    double key, int32_t doc, double other_key, int32_t other_doc,
) noexcept nogil:
    """Whether (key, doc) ranks below (other_key, other_doc): lower key, then lower docid."""
    return key < other_key or (key == other_key and doc < other_doc)


cdef inline void _place(
    double* keys, int32_t* docs, double* scores, Py_ssize_t at,
    double key, int32_t doc, double score,
) noexcept nogil:
    keys[at] = key
    docs[at] = doc
    scores[at] = score


cdef inline void _move(
    double* keys, int32_t* docs, double* scores, Py_ssize_t to, Py_ssize_t source,
) noexcept nogil:
    _place(keys, docs, scores, to, keys[source], docs[source], scores[source])


def heap_size(Py_ssize_t k, Py_ssize_t candidates):
    """The room ``top`` takes for the best ``k`` of this many candidates (at least 1)."""
    return max(1, min(k, candidates))


def top(
    const int32_t[:] candidates,
    const double[:] scores,
    const uint8_t[:] keep,
    const uint8_t[:] allowed,
    const int32_t[:] days,
    int32_t day_from,
    int32_t day_until,
    Py_ssize_t k,
    bint by_date,
):
    """The number of candidates kept and allowed within the days, and the best ``k`` of them
    (best score, or newest day with ``by_date``; then the highest docid) as
    ``(count, docids, scores)``, best first. Memory: by the candidates, whatever ``k``."""
    cdef Py_ssize_t n = candidates.shape[0], i, count = 0, size = 0, j, parent, child
    cdef int32_t doc, day = 0
    cdef double key
    cdef Py_ssize_t allowed_n = allowed.shape[0], days_n = days.shape[0]
    k = heap_size(k, n)
    cdef bint use_days = by_date or day_from > -2147483648 or day_until < 2147483647
    heap_key_array = np.empty(k, dtype=np.float64)
    heap_doc_array = np.empty(k, dtype=np.int32)
    heap_score_array = np.empty(k, dtype=np.float64)
    cdef double[::1] key_view = heap_key_array
    cdef int32_t[::1] doc_view = heap_doc_array
    cdef double[::1] score_view = heap_score_array
    # A heap of the best seen, the worst at its root.
    cdef double* keys = &key_view[0]
    cdef int32_t* docs = &doc_view[0]
    cdef double* best = &score_view[0]
    with nogil:
        for i in range(n):
            if not keep[i]:
                continue
            doc = candidates[i]
            if doc >= allowed_n or not allowed[doc]:
                continue
            if use_days:
                day = days[doc] if doc < days_n else 0
                if day < day_from or day > day_until:
                    continue
            count += 1
            key = day if by_date else scores[i]
            if size < k:
                j = size
                size += 1
                while j > 0:
                    parent = (j - 1) >> 1
                    if _worse(keys[parent], docs[parent], key, doc):
                        break
                    _move(keys, docs, best, j, parent)
                    j = parent
            elif _worse(key, doc, keys[0], docs[0]):
                continue
            else:
                j = 0
                while True:
                    child = 2 * j + 1
                    if child >= size:
                        break
                    if child + 1 < size and _worse(
                        keys[child + 1], docs[child + 1], keys[child], docs[child]
                    ):
                        child += 1
                    if _worse(key, doc, keys[child], docs[child]):
                        break
                    _move(keys, docs, best, j, child)
                    j = child
            _place(keys, docs, best, j, key, doc, scores[i])
    order = np.lexsort((heap_doc_array[:size], heap_key_array[:size]))[::-1]
    return count, heap_doc_array[:size][order], heap_score_array[:size][order]


# ------------------------------------------------------------------ numbering terms

cdef inline Py_ssize_t _number(dict numbers, list terms, object word):
    found = numbers.get(word)
    if found is None:
        found = len(terms)
        numbers[word] = found
        terms.append(word)
    return <Py_ssize_t> found


cdef enum:
    UNKNOWN_STEMS = -2
    NO_STEM = -1


def _grown(array, Py_ssize_t size, fill):
    bigger = np.full(
        (max(size, 2 * len(array), 1024),) + array.shape[1:], fill, dtype=array.dtype
    )
    bigger[: len(array)] = array
    return bigger


cdef extern from "Python.h":
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)
    void* PyUnicode_DATA(object text)
    Py_ssize_t PyUnicode_GET_LENGTH(object text)
    int PyUnicode_IS_ASCII(object text)


# Each ASCII character as a word holds it: a letter lowered, a digit itself, 0 for the rest
# (``search.text.words`` of ASCII text: runs of letters and digits, lowered).
cdef uint8_t _WORD_CHAR[128]
for _code in range(128):
    _WORD_CHAR[_code] = ord(chr(_code).lower()) if chr(_code).isalnum() else 0


cdef Py_ssize_t _ascii_word_count(object text) except -1:
    if not PyUnicode_IS_ASCII(text):
        raise ValueError("a field given as text must be ASCII (else give its words)")
    cdef const uint8_t* data = <const uint8_t*> PyUnicode_DATA(text)
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i, count = 0
    cdef bint inside = False
    for i in range(n):
        if _WORD_CHAR[data[i]]:
            if not inside:
                count += 1
                inside = True
        else:
            inside = False
    return count


cdef Py_ssize_t _field_size(object field) except -1:
    return _ascii_word_count(field) if isinstance(field, str) else len(field)


cdef Py_ssize_t _number_field(
    dict numbers, list terms, object field, int32_t[:] out, Py_ssize_t k, _Buffer joined
) except -1:
    """Number the words of ``field`` (an ASCII text, or its words) into ``out`` from ``k``;
    append them to ``joined``, separated by spaces. Returns where they end in ``out``."""
    cdef const uint8_t* data
    cdef Py_ssize_t n, i = 0, start, size, j
    cdef bint first = True
    cdef uint8_t* letters
    cdef bytes encoded
    if not isinstance(field, str):
        for w in field:
            out[k] = <int32_t> _number(numbers, terms, w)
            k += 1
        encoded = " ".join(field).encode("utf-8")
        joined.raw(<const uint8_t*> PyBytes_AS_STRING(encoded), PyBytes_GET_SIZE(encoded))
        return k
    data = <const uint8_t*> PyUnicode_DATA(field)
    n = PyUnicode_GET_LENGTH(field)
    while True:
        while i < n and _WORD_CHAR[data[i]] == 0:
            i += 1
        if i >= n:
            return k
        start = i
        while i < n and _WORD_CHAR[data[i]] != 0:
            i += 1
        size = i - start
        word = PyUnicode_New(size, 127)
        letters = <uint8_t*> PyUnicode_DATA(word)
        for j in range(size):
            letters[j] = _WORD_CHAR[data[start + j]]
        if not first:
            joined.byte(32)
        first = False
        joined.raw(letters, size)
        out[k] = <int32_t> _number(numbers, terms, word)
        k += 1


def number_paper(
    vocabulary, object stem_terms, title, abstract, authors, body=None,
):
    """A paper's terms as numbers, numbering new terms in the vocabulary (``numbers``,
    ``terms``) as they come: its title, abstract and authors words, then the stem terms of
    its title words and of its abstract words (``stem_terms(word)``: up to two terms, kept by
    word number in the vocabulary's ``stems``), each once, then its body's words.

    Each field is given as its words (a list), or as its text when that is ASCII, its words
    then read here as ``search.text.words`` reads them (runs of letters and digits, lowered),
    without a string made for the text lowered nor a list of its words.

    Returns ``(int32 array, ends of the six fields, words)``: ``words`` is each word field's
    words joined by spaces and followed by a byte 0x1E (the title, abstract and authors, then
    the body's when it has any), what a paper's digest covers (``search.segments``)."""
    cdef dict numbers = vocabulary.numbers
    cdef list terms = vocabulary.terms
    if body is None:
        body = []
    cdef Py_ssize_t n = _field_size(title) + _field_size(abstract) + _field_size(authors)
    cdef Py_ssize_t body_size = _field_size(body)
    cdef Py_ssize_t k = 0, i, f, start, end
    cdef Py_ssize_t word, size
    cdef int32_t s, stamp
    cdef int j
    out_array = np.empty(3 * n + 4 + body_size, dtype=np.int32)
    cdef int32_t[:] out = out_array
    cdef _Buffer joined = _Buffer(8 * n + 8)
    ends = []
    for field in (title, abstract, authors):
        k = _number_field(numbers, terms, field, out, k, joined)
        joined.byte(0x1E)
        ends.append(k)
    size = len(terms)
    if len(vocabulary.stems) < size:
        vocabulary.stems = _grown(vocabulary.stems, size, UNKNOWN_STEMS)
    if len(vocabulary.marks) < 3 * size + 2:
        vocabulary.marks = _grown(vocabulary.marks, 3 * size + 2, 0)
    cdef int32_t[:, :] stems = vocabulary.stems
    cdef int32_t[:] marks = vocabulary.marks
    for f in range(2):
        start = 0 if f == 0 else ends[0]
        end = ends[f]
        vocabulary.stamp += 1
        stamp = vocabulary.stamp
        for i in range(start, end):
            word = out[i]
            if stems[word, 0] == UNKNOWN_STEMS:
                found = [_number(numbers, terms, t) for t in stem_terms(terms[word])]
                size = len(terms)
                if len(vocabulary.stems) < size:
                    vocabulary.stems = _grown(vocabulary.stems, size, UNKNOWN_STEMS)
                    stems = vocabulary.stems
                if len(vocabulary.marks) < 3 * size + 2:
                    vocabulary.marks = _grown(vocabulary.marks, 3 * size + 2, 0)
                    marks = vocabulary.marks
                stems[word, 0] = found[0] if len(found) > 0 else NO_STEM
                stems[word, 1] = found[1] if len(found) > 1 else NO_STEM
            for j in range(2):
                s = stems[word, j]
                if s >= 0 and marks[s] != stamp:
                    marks[s] = stamp
                    out[k] = s
                    k += 1
        ends.append(k)
    start = k
    k = _number_field(numbers, terms, body, out, k, joined)
    if k > start:
        joined.byte(0x1E)
    ends.append(k)
    return out_array[:k], tuple(ends), joined.take(0, joined.size)


# ------------------------------------------------------------------ merging many lists at once


cdef inline bytes _as_bytes(object value):
    return value if type(value) is bytes else bytes(value)


cdef bint _append_list(
    _Buffer docs,
    _Buffer positions,
    bytes d_object,
    bytes p_object,
    int64_t part_base,
    const uint8_t* alive,
    Py_ssize_t alive_n,
    int64_t* previous,
    Py_ssize_t* df,
) except False:
    """``concatenate``'s step: one part's papers appended to the buffers."""
    cdef const uint8_t* d_bytes = <const uint8_t*> PyBytes_AS_STRING(d_object)
    cdef const uint8_t* p_bytes = <const uint8_t*> PyBytes_AS_STRING(p_object)
    cdef Py_ssize_t d_size = PyBytes_GET_SIZE(d_object)
    cdef Py_ssize_t at = 0, pat = 0, begin, f
    cdef int64_t doc = part_base
    cdef uint32_t n_bytes
    cdef uint8_t mask
    while at < d_size:
        doc += <int64_t> _read_varint(d_bytes, &at)
        begin = at
        mask = d_bytes[at]
        at += 1
        for f in range(WORD_FIELDS):
            if mask & (1 << f):
                _read_varint(d_bytes, &at)
        if mask & (1 << BODY):
            _read_varint(d_bytes, &at)
        n_bytes = _read_varint(p_bytes, &pat)
        if alive == NULL or (doc < alive_n and alive[doc]):
            if doc < previous[0]:
                raise ValueError("posting lists overlap")
            docs.varint(<uint32_t> (doc - previous[0]))
            docs.raw(&d_bytes[begin], at - begin)
            positions.varint(n_bytes)
            if n_bytes:
                positions.raw(&p_bytes[pat], n_bytes)
            previous[0] = doc
            df[0] += 1
        pat += n_bytes
    return True


def merge_segment_rows(
    list rows, dict bases, const uint8_t[:] alive, Py_ssize_t base, object segment
):
    """The rows of a merged segment from the posting rows of several segments: ``rows`` are
    ``(term, segment, docs, positions)`` grouped by term (any order of segments within a
    term), ``bases`` each segment's first docid. Returns ``(term, segment, df, last docid,
    docs, positions)`` of each term that keeps a paper alive (``alive[docid]``), with docids
    relative to ``base``."""
    cdef list merged = []
    cdef Py_ssize_t i = 0, n = len(rows)
    cdef _Buffer docs = _Buffer(1 << 16)
    cdef _Buffer positions = _Buffer(1 << 16)
    cdef const uint8_t* alive_data = &alive[0] if alive.shape[0] else NULL
    cdef Py_ssize_t alive_n = alive.shape[0]
    cdef Py_ssize_t capacity = 0
    cdef int64_t* group_bases = NULL
    cdef Py_ssize_t* order = NULL
    try:
        while i < n:
            i = _merge_group(
                rows, i, n, bases, docs, positions, alive_data, alive_n, base, segment, merged,
                &group_bases, &order, &capacity,
            )
    finally:
        PyMem_Free(group_bases)
        PyMem_Free(order)
    return merged


cdef Py_ssize_t _merge_group(
    list rows,
    Py_ssize_t i,
    Py_ssize_t n,
    dict bases,
    _Buffer docs,
    _Buffer positions,
    const uint8_t* alive_data,
    Py_ssize_t alive_n,
    Py_ssize_t base,
    object segment,
    list merged,
    int64_t** bases_out,
    Py_ssize_t** order_out,
    Py_ssize_t* capacity,
) except -1:
    """``merge_segment_rows`` of the term of ``rows[i]``; returns where the next term starts."""
    cdef Py_ssize_t j, k, m, count, swap, df
    cdef int64_t previous
    cdef int64_t* group_bases
    cdef int64_t* grown_bases
    cdef Py_ssize_t* order
    cdef Py_ssize_t* grown_order
    row = rows[i]
    term = row[0]
    j = i + 1
    while j < n and rows[j][0] == term:
        j += 1
    count = j - i
    if count > capacity[0]:
        capacity[0] = max(count, 2 * capacity[0], 16)
        grown_bases = <int64_t*> PyMem_Realloc(bases_out[0], capacity[0] * sizeof(int64_t))
        if grown_bases == NULL:
            raise MemoryError()
        bases_out[0] = grown_bases
        grown_order = <Py_ssize_t*> PyMem_Realloc(order_out[0], capacity[0] * sizeof(Py_ssize_t))
        if grown_order == NULL:
            raise MemoryError()
        order_out[0] = grown_order
    group_bases = bases_out[0]
    order = order_out[0]
    for k in range(count):
        group_bases[k] = <int64_t> bases[rows[i + k][1]]
        order[k] = k
    for k in range(1, count):  # insertion sort by first docid: a handful of parts
        m = k
        while m > 0 and group_bases[order[m - 1]] > group_bases[order[m]]:
            swap = order[m - 1]
            order[m - 1] = order[m]
            order[m] = swap
            m -= 1
    docs.size = 0
    positions.size = 0
    previous = base
    df = 0
    for k in range(count):
        row = rows[i + order[k]]
        _append_list(
            docs,
            positions,
            _as_bytes(row[2]),
            _as_bytes(row[3]),
            group_bases[order[k]],
            alive_data,
            alive_n,
            &previous,
            &df,
        )
    if df:
        merged.append((
            term,
            segment,
            df,
            previous,
            PyBytes_FromStringAndSize(<char*> docs.data, docs.size),
            PyBytes_FromStringAndSize(<char*> positions.data, positions.size),
        ))
    return j


def segment_rows(
    list terms,
    list df,
    list last,
    bytes docs,
    bytes positions,
    list doc_starts,
    list doc_ends,
    list position_starts,
    list position_ends,
    object segment,
    int64_t first,
):
    """``(term, segment, df, last docid, docs, positions)`` of each list of a built segment
    (``search.segments.BuiltSegment``), its docids from ``first``."""
    cdef Py_ssize_t i, n = len(terms)
    cdef const char* d = PyBytes_AS_STRING(docs)
    cdef const char* p = PyBytes_AS_STRING(positions)
    cdef Py_ssize_t ds, de, ps, pe
    cdef list rows = [None] * n
    if not (len(df) == len(last) == len(doc_starts) == len(doc_ends) == n
            and len(position_starts) == len(position_ends) == n):
        raise ValueError("the columns of a segment differ in length")
    for i in range(n):
        ds = doc_starts[i]
        de = doc_ends[i]
        ps = position_starts[i]
        pe = position_ends[i]
        if not (0 <= ds <= de <= len(docs) and 0 <= ps <= pe <= len(positions)):
            raise ValueError("a list's bytes are outside the segment's")
        rows[i] = (
            terms[i],
            segment,
            df[i],
            first + <int64_t> last[i],
            PyBytes_FromStringAndSize(d + ds, de - ds),
            PyBytes_FromStringAndSize(p + ps, pe - ps),
        )
    return rows
