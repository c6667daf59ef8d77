# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
"""The compiled hot loops of the tokenizer: piece matching with Viterbi decoding or sampling, and
the trainer's n-gram counting and byte tagging. Each function computes exactly what its
pure-Python counterpart in ``tokenizer.pure`` / ``tokenizer.training`` computes, float for float
and random draw for random draw; tests hold both to the same outputs.
"""

from libc.math cimport INFINITY
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint64_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.list cimport PyList_New, PyList_SET_ITEM
from cpython.ref cimport Py_INCREF

from tokenizer.model import NotSegmentable

cdef extern from *:
    """
    #include <math.h>
    #include <stdint.h>

    /* SplitMix64, the same stream as tokenizer.rng.SplitMix64. */
    static inline double cp_next_unit(uint64_t *state) {
        uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z = z ^ (z >> 31);
        return (double)(z >> 11) * (1.0 / 9007199254740992.0);
    }

    static inline double cp_logsumexp(double x, double y) {
        if (x < y) { double t = x; x = y; y = t; }
        return x + log1p(exp(y - x));
    }
    """
    double cp_next_unit(uint64_t *state) nogil
    double cp_logsumexp(double x, double y) nogil
    double exp(double x) nogil
    double log(double x) nogil

cdef enum:
    # Nodes with at least this many children get a dense 256-entry row; others are scanned.
    DENSE_MIN = 6
    NO_NODE = -1


cdef class Segmenter:
    """A trie of the reversed pieces, walked back from each end position.

    Walking back from end ``e`` finds every piece ending at ``e``, shortest first; they are then
    taken longest first, which is the order of an Aho-Corasick scan: that order settles ties and
    the order of random draws, so both paths agree exactly.
    """

    cdef int32_t n_nodes
    cdef int32_t max_len
    cdef int32_t *child_start
    cdef int32_t *child_count
    cdef int32_t *dense_row
    cdef int32_t *dense
    cdef uint8_t *edge_byte
    cdef int32_t *edge_node
    cdef int32_t *term_id
    cdef double *term_logp

    def __cinit__(self):
        self.child_start = NULL
        self.child_count = NULL
        self.dense_row = NULL
        self.dense = NULL
        self.edge_byte = NULL
        self.edge_node = NULL
        self.term_id = NULL
        self.term_logp = NULL

    def __init__(self, ids, log_probs):
        cdef list keys = sorted([(bytes(piece)[::-1], int(ids[piece]), float(log_probs[piece]))
                                 for piece in ids])
        cdef Py_ssize_t total = 1, i, depth, lcp, length
        cdef bytes key, prev = b""
        cdef const uint8_t *kp
        cdef const uint8_t *pp
        cdef int32_t node, cur, n_dense, row
        cdef int32_t max_len = 0
        for key, _, _ in keys:
            total += len(key)
            if len(key) > max_len:
                max_len = len(key)
        self.max_len = max_len
        cdef int32_t *parent = <int32_t *>malloc(total * sizeof(int32_t))
        cdef uint8_t *via = <uint8_t *>malloc(total * sizeof(uint8_t))
        cdef int32_t *path = <int32_t *>malloc((max_len + 1) * sizeof(int32_t))
        self.term_id = <int32_t *>malloc(total * sizeof(int32_t))
        self.term_logp = <double *>malloc(total * sizeof(double))
        self.child_count = <int32_t *>malloc(total * sizeof(int32_t))
        self.child_start = <int32_t *>malloc(total * sizeof(int32_t))
        self.dense_row = <int32_t *>malloc(total * sizeof(int32_t))
        self.edge_byte = <uint8_t *>malloc(total * sizeof(uint8_t))
        self.edge_node = <int32_t *>malloc(total * sizeof(int32_t))
        if (parent == NULL or via == NULL or path == NULL or self.term_id == NULL
                or self.term_logp == NULL or self.child_count == NULL
                or self.child_start == NULL or self.dense_row == NULL
                or self.edge_byte == NULL or self.edge_node == NULL):
            free(parent); free(via); free(path)
            raise MemoryError()
        try:
            # Sorted keys build the trie in preorder, each node's children in byte order.
            self.n_nodes = 1
            parent[0] = NO_NODE
            self.term_id[0] = NO_NODE
            path[0] = 0
            for key, piece_id, logp in keys:
                kp = <const uint8_t *>PyBytes_AS_STRING(key)
                pp = <const uint8_t *>PyBytes_AS_STRING(prev)
                length = PyBytes_GET_SIZE(key)
                lcp = 0
                while lcp < length and lcp < PyBytes_GET_SIZE(prev) and kp[lcp] == pp[lcp]:
                    lcp += 1
                cur = path[lcp]
                for depth in range(lcp, length):
                    node = self.n_nodes
                    self.n_nodes += 1
                    parent[node] = cur
                    via[node] = kp[depth]
                    self.term_id[node] = NO_NODE
                    path[depth + 1] = node
                    cur = node
                self.term_id[cur] = piece_id
                self.term_logp[cur] = logp
                prev = key
            for i in range(self.n_nodes):
                self.child_count[i] = 0
            for i in range(1, self.n_nodes):
                self.child_count[parent[i]] += 1
            n_dense = 0
            total = 0
            for i in range(self.n_nodes):
                self.child_start[i] = total
                total += self.child_count[i]
                if self.child_count[i] >= DENSE_MIN:
                    self.dense_row[i] = n_dense
                    n_dense += 1
                else:
                    self.dense_row[i] = NO_NODE
                self.child_count[i] = 0
            self.dense = <int32_t *>malloc((n_dense * 256 + 1) * sizeof(int32_t))
            if self.dense == NULL:
                raise MemoryError()
            for i in range(n_dense * 256):
                self.dense[i] = NO_NODE
            for i in range(1, self.n_nodes):
                node = parent[i]
                self.edge_byte[self.child_start[node] + self.child_count[node]] = via[i]
                self.edge_node[self.child_start[node] + self.child_count[node]] = i
                self.child_count[node] += 1
                row = self.dense_row[node]
                if row >= 0:
                    self.dense[row * 256 + via[i]] = i
        finally:
            free(parent)
            free(via)
            free(path)

    def __dealloc__(self):
        free(self.child_start)
        free(self.child_count)
        free(self.dense_row)
        free(self.dense)
        free(self.edge_byte)
        free(self.edge_node)
        free(self.term_id)
        free(self.term_logp)

    cdef inline int32_t _child(self, int32_t node, uint8_t byte) noexcept nogil:
        cdef int32_t row = self.dense_row[node]
        if row >= 0:
            return self.dense[row * 256 + byte]
        cdef int32_t i = self.child_start[node]
        cdef int32_t end = i + self.child_count[node]
        while i < end:
            if self.edge_byte[i] == byte:
                return self.edge_node[i]
            i += 1
        return NO_NODE

    cdef int _route(self, const uint8_t *text, Py_ssize_t n, double alpha, uint64_t *rng,
                    bint lines, int32_t *starts, int32_t *pids, double *scores,
                    Py_ssize_t *cand_start, int32_t *cand_node) noexcept nogil:
        """Fill starts/pids for every end position; 1 when some chunk has no segmentation."""
        cdef Py_ssize_t lo = 0, hi, e, pos, s, best_s
        cdef int32_t node, best_pid
        cdef int count, c
        cdef double best, score, total
        while lo < n:
            hi = n
            if lines:
                hi = lo
                while hi < n and text[hi] != 10:
                    hi += 1
                while hi < n and text[hi] == 10:
                    hi += 1
            scores[lo] = 0.0
            for e in range(lo + 1, hi + 1):
                count = 0
                node = 0
                pos = e - 1
                while pos >= lo:
                    node = self._child(node, text[pos])
                    if node < 0:
                        break
                    if self.term_id[node] >= 0:
                        cand_start[count] = pos
                        cand_node[count] = node
                        count += 1
                    pos -= 1
                best = -INFINITY
                best_s = e
                best_pid = NO_NODE
                if alpha < 0:
                    c = count - 1
                    while c >= 0:
                        s = cand_start[c]
                        score = scores[s] + self.term_logp[cand_node[c]]
                        if score > best:
                            best = score
                            best_s = s
                            best_pid = self.term_id[cand_node[c]]
                        c -= 1
                else:
                    c = count - 1
                    while c >= 0:
                        s = cand_start[c]
                        score = scores[s] + alpha * self.term_logp[cand_node[c]]
                        if best == -INFINITY:
                            best = score
                            best_s = s
                            best_pid = self.term_id[cand_node[c]]
                        else:
                            total = cp_logsumexp(best, score)
                            best = total
                            if cp_next_unit(rng) < exp(score - total):
                                best_s = s
                                best_pid = self.term_id[cand_node[c]]
                        c -= 1
                scores[e] = best
                starts[e] = <int32_t>best_s
                pids[e] = best_pid
            if scores[hi] == -INFINITY:
                return 1
            lo = hi
        return 0

    cdef object _run(self, bytes data, double alpha, object rng, bint lines, int what):
        """Segment ``data``: what = 0 ids, 1 pieces, 2 (ids, ends)."""
        cdef Py_ssize_t n = PyBytes_GET_SIZE(data)
        cdef const uint8_t *text = <const uint8_t *>PyBytes_AS_STRING(data)
        cdef uint64_t state = 0
        cdef bint sampling = alpha >= 0
        if sampling:
            state = rng.state
        if n >= 0x7FFFFFFF:
            raise ValueError("text too long for one call (2 GiB or more)")
        cdef int32_t *starts = <int32_t *>malloc((n + 1) * sizeof(int32_t))
        cdef int32_t *pids = <int32_t *>malloc((n + 1) * sizeof(int32_t))
        cdef double *scores = <double *>malloc((n + 1) * sizeof(double))
        cdef Py_ssize_t *cand_start = <Py_ssize_t *>malloc((self.max_len + 1) * sizeof(Py_ssize_t))
        cdef int32_t *cand_node = <int32_t *>malloc((self.max_len + 1) * sizeof(int32_t))
        cdef int failed
        cdef Py_ssize_t e, k, count
        cdef object item
        cdef list out, ends
        try:
            if (starts == NULL or pids == NULL or scores == NULL or cand_start == NULL
                    or cand_node == NULL):
                raise MemoryError()
            with nogil:
                failed = self._route(text, n, alpha, &state, lines, starts, pids, scores,
                                     cand_start, cand_node)
            if sampling:
                rng.state = state
            if failed:
                raise NotSegmentable("the vocabulary cannot segment this text")
            count = 0
            e = n
            while e > 0:
                count += 1
                e = starts[e]
            out = PyList_New(count)
            ends = PyList_New(count) if what == 2 else None
            e = n
            k = count
            while e > 0:
                k -= 1
                if what == 1:
                    item = PyBytes_FromStringAndSize(<const char *>text + starts[e],
                                                     e - starts[e])
                else:
                    item = pids[e]
                Py_INCREF(item)
                PyList_SET_ITEM(out, k, item)
                if what == 2:
                    item = e
                    Py_INCREF(item)
                    PyList_SET_ITEM(ends, k, item)
                e = starts[e]
            if what == 2:
                return out, ends
            return out
        finally:
            free(starts)
            free(pids)
            free(scores)
            free(cand_start)
            free(cand_node)

    def ids(self, bytes data, double alpha, rng, bint lines=True):
        return self._run(data, alpha, rng, lines, 0)

    def pieces(self, bytes data, double alpha, rng, bint lines=True):
        return self._run(data, alpha, rng, lines, 1)

    def spans(self, bytes data, double alpha, rng, bint lines=True):
        return self._run(data, alpha, rng, lines, 2)


# ---------------------------------------------------------------------------------------------
# Training: the byte n-gram model (see tokenizer.bnlm for the pure-Python twins).

cdef extern from *:
    """
    #define CP_LEN_SHIFT 56
    #define CP_GRAM_MASK ((1ULL << 56) - 1)
    static inline uint64_t cp_gram_key(uint64_t window, int k) {
        /* The last k bytes of the window (k <= 7), tagged with k so lengths never collide. */
        return (window & ((1ULL << (8 * k)) - 1)) | ((uint64_t)k << CP_LEN_SHIFT);
    }
    static inline uint64_t cp_prefix_key(uint64_t key) {
        uint64_t k = key >> CP_LEN_SHIFT;
        return ((key & CP_GRAM_MASK) >> 8) | ((k - 1) << CP_LEN_SHIFT);
    }
    static inline size_t cp_slot(uint64_t key, int bits) {
        return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> (64 - bits));
    }
    """
    uint64_t cp_gram_key(uint64_t window, int k) nogil
    uint64_t cp_prefix_key(uint64_t key) nogil
    size_t cp_slot(uint64_t key, int bits) nogil
    int CP_LEN_SHIFT


cdef class NgramCounter:
    """Counts of every k-gram (k = 1..order <= 7) in an open-addressing hash table."""

    cdef readonly int order
    cdef readonly int64_t total
    cdef uint64_t *keys
    cdef int64_t *counts
    cdef int bits
    cdef size_t size

    def __cinit__(self, int order):
        if order < 1 or order > 7:
            raise ValueError("the compiled counter takes orders 1 to 7")
        self.order = order
        self.total = 0
        self.bits = 16
        self.size = 0
        self.keys = <uint64_t *>calloc(<size_t>1 << self.bits, sizeof(uint64_t))
        self.counts = <int64_t *>calloc(<size_t>1 << self.bits, sizeof(int64_t))
        if self.keys == NULL or self.counts == NULL:
            raise MemoryError()

    def __dealloc__(self):
        free(self.keys)
        free(self.counts)

    cdef int _grow(self) except -1:
        cdef size_t old_cap = <size_t>1 << self.bits, i, slot, mask
        cdef uint64_t *old_keys = self.keys
        cdef int64_t *old_counts = self.counts
        cdef uint64_t *keys = <uint64_t *>calloc(old_cap * 2, sizeof(uint64_t))
        cdef int64_t *counts = <int64_t *>calloc(old_cap * 2, sizeof(int64_t))
        if keys == NULL or counts == NULL:
            free(keys)
            free(counts)
            raise MemoryError()
        self.bits += 1
        mask = (old_cap * 2) - 1
        for i in range(old_cap):
            if old_keys[i]:
                slot = cp_slot(old_keys[i], self.bits)
                while keys[slot]:
                    slot = (slot + 1) & mask
                keys[slot] = old_keys[i]
                counts[slot] = old_counts[i]
        self.keys = keys
        self.counts = counts
        free(old_keys)
        free(old_counts)
        return 0

    cdef int _reserve(self, int bits) except -1:
        # Inserting keys in another table's slot order into a smaller table of the same hash
        # piles them into long probe runs: grow first.
        while self.bits < bits:
            self._grow()
        return 0

    cdef inline int _increment(self, uint64_t key, int64_t by) except -1:
        cdef size_t mask = (<size_t>1 << self.bits) - 1
        cdef size_t slot = cp_slot(key, self.bits)
        while self.keys[slot]:
            if self.keys[slot] == key:
                self.counts[slot] += by
                return 0
            slot = (slot + 1) & mask
        self.keys[slot] = key
        self.counts[slot] = by
        self.size += 1
        if self.size * 10 > ((<size_t>1 << self.bits) * 7):
            self._grow()
        return 0

    cdef inline int64_t _get(self, uint64_t key) noexcept nogil:
        cdef size_t mask = (<size_t>1 << self.bits) - 1
        cdef size_t slot = cp_slot(key, self.bits)
        while self.keys[slot]:
            if self.keys[slot] == key:
                return self.counts[slot]
            slot = (slot + 1) & mask
        return 0

    def add(self, chunks):
        """Count the k-grams of each chunk (bytes)."""
        cdef bytes chunk
        cdef const uint8_t *text
        cdef Py_ssize_t n, i
        cdef uint64_t window
        cdef int k, top
        for chunk in chunks:
            text = <const uint8_t *>PyBytes_AS_STRING(chunk)
            n = PyBytes_GET_SIZE(chunk)
            self.total += n
            window = 0
            for i in range(n):
                window = (window << 8) | text[i]
                top = self.order if i + 1 >= self.order else <int>(i + 1)
                for k in range(1, top + 1):
                    self._increment(cp_gram_key(window, k), 1)

    def merge(self, NgramCounter other):
        cdef size_t i
        if other.order != self.order:
            raise ValueError("cannot merge counts of different orders")
        self.total += other.total
        self._reserve(other.bits)
        for i in range(<size_t>1 << other.bits):
            if other.keys[i]:
                self._increment(other.keys[i], other.counts[i])

    def __len__(self):
        return self.size

    def items(self):
        """(gram, count) pairs, in no particular order."""
        cdef size_t i
        cdef uint64_t key
        cdef int k, b
        cdef list out = []
        cdef bytearray gram
        for i in range(<size_t>1 << self.bits):
            key = self.keys[i]
            if key:
                k = <int>(key >> CP_LEN_SHIFT)
                gram = bytearray(k)
                for b in range(k):
                    gram[k - 1 - b] = (key >> (8 * b)) & 0xFF
                out.append((bytes(gram), self.counts[i]))
        return out

    def __reduce__(self):
        return (_rebuild_counter, (self.order, self.total, self.items()))

    def tagger(self, int64_t min_count, bint ensure_unicode):
        """The n-gram tagger for these counts: conditional log-probabilities of kept k-grams."""
        cdef NgramTagger tagger = NgramTagger.__new__(NgramTagger)
        cdef size_t i, kept = 0
        cdef uint64_t key
        cdef int64_t count, prefix_count, total = self.total
        cdef int k, byte
        cdef int64_t byte_counts[256]
        for byte in range(256):
            byte_counts[byte] = self._get(cp_gram_key(<uint64_t>byte, 1))
            if byte_counts[byte] == 0:
                byte_counts[byte] = 1
                total += 1
        for i in range(<size_t>1 << self.bits):
            key = self.keys[i]
            if key and ((key >> CP_LEN_SHIFT) == 1 or self.counts[i] >= min_count):
                kept += 1
        tagger._allocate(kept + 256, self.order, ensure_unicode)
        for byte in range(256):
            tagger._put(cp_gram_key(<uint64_t>byte, 1), log(<double>byte_counts[byte]) - log(<double>total))
        for i in range(<size_t>1 << self.bits):
            key = self.keys[i]
            if not key:
                continue
            k = <int>(key >> CP_LEN_SHIFT)
            count = self.counts[i]
            if k == 1 or count < min_count:
                continue
            prefix_count = self._get(cp_prefix_key(key))
            tagger._put(key, log(<double>count) - log(<double>prefix_count))
        return tagger


def _rebuild_counter(int order, int64_t total, list items):
    cdef NgramCounter counter = NgramCounter(order)
    cdef bytes gram
    cdef const uint8_t *text
    cdef uint64_t window
    cdef int64_t count
    cdef Py_ssize_t b
    cdef int bits = 16
    counter.total = total
    while (<size_t>1 << bits) * 7 < <size_t>len(items) * 10:
        bits += 1
    counter._reserve(bits)
    for gram, count in items:
        text = <const uint8_t *>PyBytes_AS_STRING(gram)
        window = 0
        for b in range(PyBytes_GET_SIZE(gram)):
            window = (window << 8) | text[b]
        counter._increment(cp_gram_key(window, <int>PyBytes_GET_SIZE(gram)), count)
    return counter


cdef class NgramTagger:
    """Segments chunks with the byte n-gram model: Viterbi over per-byte states."""

    cdef int order
    cdef bint ensure_unicode
    cdef uint64_t *keys
    cdef double *values
    cdef int bits

    def __cinit__(self):
        self.keys = NULL
        self.values = NULL

    def __dealloc__(self):
        free(self.keys)
        free(self.values)

    cdef int _allocate(self, size_t entries, int order, bint ensure_unicode) except -1:
        self.order = order
        self.ensure_unicode = ensure_unicode
        self.bits = 4
        while (<size_t>1 << self.bits) < entries * 2:
            self.bits += 1
        self.keys = <uint64_t *>calloc(<size_t>1 << self.bits, sizeof(uint64_t))
        self.values = <double *>malloc((<size_t>1 << self.bits) * sizeof(double))
        if self.keys == NULL or self.values == NULL:
            raise MemoryError()
        return 0

    cdef void _put(self, uint64_t key, double value) noexcept:
        cdef size_t mask = (<size_t>1 << self.bits) - 1
        cdef size_t slot = cp_slot(key, self.bits)
        while self.keys[slot] and self.keys[slot] != key:
            slot = (slot + 1) & mask
        self.keys[slot] = key
        self.values[slot] = value

    cdef inline double _get(self, uint64_t key) noexcept nogil:
        cdef size_t mask = (<size_t>1 << self.bits) - 1
        cdef size_t slot = cp_slot(key, self.bits)
        while self.keys[slot]:
            if self.keys[slot] == key:
                return self.values[slot]
            slot = (slot + 1) & mask
        return -INFINITY

    cdef void _states(self, const uint8_t *text, Py_ssize_t n, double *nodes,
                      int8_t *routes) noexcept nogil:
        """Leave the best state of each byte in routes[i * order] (i = 0..n-1)."""
        cdef int order = self.order, top = self.order - 1, j, p, best_p, state
        cdef Py_ssize_t i
        cdef uint64_t window = 0
        cdef double best, score
        cdef double *prev
        cdef double *cur
        for i in range(n):
            window = (window << 8) | text[i]
            cur = nodes + i * order
            for j in range(order):
                cur[j] = self._get(cp_gram_key(window, j + 1)) if i >= j else -INFINITY
            if self.ensure_unicode and 0x80 <= text[i] < 0xC0:
                cur[0] = -INFINITY
        for i in range(1, n):
            prev = nodes + (i - 1) * order
            cur = nodes + i * order
            for j in range(order - 1, -1, -1):
                best = -INFINITY
                best_p = -1
                for p in range(order):
                    if j == 0 or j == (p + 1 if p + 1 < top else top):
                        score = prev[p] + cur[j]
                    else:
                        score = -INFINITY
                    if best_p < 0 or score > best:
                        best = score
                        best_p = p
                cur[j] = best
                routes[i * order + j] = <int8_t>best_p
        prev = nodes + (n - 1) * order
        state = 0
        for j in range(1, order):
            if prev[j] > prev[state]:
                state = j
        i = n - 1
        while True:
            p = routes[i * order + state] if i > 0 else 0
            routes[i * order] = <int8_t>state
            if i == 0:
                break
            state = p
            i -= 1

    cdef object _tag(self, bytes chunk, dict counter):
        cdef Py_ssize_t n = PyBytes_GET_SIZE(chunk), i, start
        cdef const uint8_t *text = <const uint8_t *>PyBytes_AS_STRING(chunk)
        cdef double *nodes
        cdef int8_t *routes
        cdef list out = None if counter is not None else []
        cdef object piece, seen
        if n == 0:
            return out
        nodes = <double *>malloc(n * self.order * sizeof(double))
        routes = <int8_t *>malloc(n * self.order * sizeof(int8_t))
        try:
            if nodes == NULL or routes == NULL:
                raise MemoryError()
            with nogil:
                self._states(text, n, nodes, routes)
            start = -1
            for i in range(n + 1):
                if i == n or routes[i * self.order] == 0:
                    if start >= 0:
                        piece = PyBytes_FromStringAndSize(<const char *>text + start, i - start)
                        if counter is None:
                            out.append(piece)
                        else:
                            seen = counter.get(piece)
                            counter[piece] = 1 if seen is None else seen + 1
                    start = i
            return out
        finally:
            free(nodes)
            free(routes)

    def tag(self, bytes chunk):
        return self._tag(chunk, None)

    def count_pieces(self, chunks):
        cdef dict counter = {}
        cdef bytes chunk
        for chunk in chunks:
            self._tag(chunk, counter)
        return counter
