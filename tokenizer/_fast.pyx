# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
"""The compiled hot loops of the tokenizer: piece matching with Viterbi decoding or sampling, and
the trainer's n-gram counting and byte tagging. Each function computes exactly what its
pure-Python counterpart in ``tokenizer.pure`` / ``tokenizer.training`` computes, float for float
and random draw for random draw; tests hold both to the same outputs.
"""

from libc.math cimport INFINITY
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc
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

cdef struct Cell:
    # One slot of the double-array trie: the child of slot s by byte c is slot base[s] + c when
    # that slot's check is s.
    int32_t base
    int32_t check
    int32_t piece_id   # -1 when no piece ends here
    int32_t unused
    double logp


cdef class Segmenter:
    """A double-array trie of the reversed pieces, walked back from each end position.

    Walking back from end ``e`` finds every piece ending at ``e``, shortest first; they are then
    taken longest first, which is the order of an Aho-Corasick scan: that order settles ties and
    the order of random draws, so both paths agree exactly.
    """

    cdef int32_t max_len
    cdef Cell *cells
    cdef Py_ssize_t n_cells

    def __cinit__(self):
        self.cells = NULL

    def __dealloc__(self):
        free(self.cells)

    def __init__(self, ids, log_probs):
        cdef list keys = sorted([(bytes(piece)[::-1], int(ids[piece]), float(log_probs[piece]))
                                 for piece in ids])
        cdef Py_ssize_t total = 1, i, depth, lcp, length, n_nodes, head, tail, c, k
        cdef bytes key, prev = b""
        cdef const uint8_t *kp
        cdef const uint8_t *pp
        cdef int32_t node, cur, max_len = 0
        for key, _, _ in keys:
            total += len(key)
            if len(key) > max_len:
                max_len = <int32_t>len(key)
        self.max_len = max_len
        # A plain trie first (children in byte order), then laid out as a double array.
        cdef int32_t *parent = <int32_t *>malloc(total * sizeof(int32_t))
        cdef uint8_t *via = <uint8_t *>malloc(total * sizeof(uint8_t))
        cdef int32_t *path = <int32_t *>malloc((max_len + 1) * sizeof(int32_t))
        cdef int32_t *term_id = <int32_t *>malloc(total * sizeof(int32_t))
        cdef double *term_logp = <double *>malloc(total * sizeof(double))
        cdef int32_t *first_child = <int32_t *>malloc((total + 1) * sizeof(int32_t))
        cdef int32_t *children = <int32_t *>malloc(total * sizeof(int32_t))
        cdef int32_t *slot_of = <int32_t *>malloc(total * sizeof(int32_t))
        cdef int32_t *queue = <int32_t *>malloc(total * sizeof(int32_t))
        cdef uint8_t *used = NULL
        cdef Py_ssize_t capacity = 0, free_from, base, top_slot
        cdef int32_t child
        cdef bint fits
        try:
            if (parent == NULL or via == NULL or path == NULL or term_id == NULL
                    or term_logp == NULL or first_child == NULL or children == NULL
                    or slot_of == NULL or queue == NULL):
                raise MemoryError()
            n_nodes = 1
            parent[0] = -1
            term_id[0] = -1
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
                    node = <int32_t>n_nodes
                    n_nodes += 1
                    parent[node] = cur
                    via[node] = kp[depth]
                    term_id[node] = -1
                    path[depth + 1] = node
                    cur = node
                term_id[cur] = piece_id
                term_logp[cur] = logp
                prev = key
            # Children lists (CSR); nodes were made in preorder, so each list is in byte order.
            for i in range(n_nodes + 1):
                first_child[i] = 0
            for i in range(1, n_nodes):
                first_child[parent[i] + 1] += 1
            for i in range(n_nodes):
                first_child[i + 1] += first_child[i]
            for i in range(n_nodes):
                slot_of[i] = first_child[i]
            for i in range(1, n_nodes):
                children[slot_of[parent[i]]] = <int32_t>i
                slot_of[parent[i]] += 1
            # Place nodes breadth first, each at the first base where all its children fit.
            capacity = 1024
            while capacity < 2 * n_nodes + 512:
                capacity *= 2
            used = <uint8_t *>calloc(capacity, 1)
            if used == NULL:
                raise MemoryError()
            self.cells = <Cell *>malloc(capacity * sizeof(Cell))
            if self.cells == NULL:
                raise MemoryError()
            self.n_cells = capacity
            for i in range(capacity):
                self.cells[i].base = 0
                self.cells[i].check = -1
                self.cells[i].piece_id = -1
                self.cells[i].unused = 0
                self.cells[i].logp = 0.0
            used[0] = 1
            slot_of[0] = 0
            self.cells[0].check = -2
            top_slot = 0
            free_from = 1
            head = 0
            tail = 1
            queue[0] = 0
            while head < tail:
                node = queue[head]
                head += 1
                k = first_child[node + 1] - first_child[node]
                if k == 0:
                    continue
                while used[free_from]:
                    free_from += 1
                base = free_from - via[children[first_child[node]]]
                if base < 1:
                    base = 1
                while True:
                    if base + 256 >= capacity:
                        self._grow_cells(&used, &capacity)
                    fits = True
                    for c in range(first_child[node], first_child[node + 1]):
                        if used[base + via[children[c]]]:
                            fits = False
                            break
                    if fits:
                        break
                    base += 1
                self.cells[slot_of[node]].base = <int32_t>base
                for c in range(first_child[node], first_child[node + 1]):
                    child = children[c]
                    i = base + via[child]
                    used[i] = 1
                    slot_of[child] = <int32_t>i
                    self.cells[i].check = slot_of[node]
                    self.cells[i].piece_id = term_id[child]
                    self.cells[i].logp = term_logp[child] if term_id[child] >= 0 else 0.0
                    if i > top_slot:
                        top_slot = i
                    queue[tail] = child
                    tail += 1
        finally:
            free(parent)
            free(via)
            free(path)
            free(term_id)
            free(term_logp)
            free(first_child)
            free(children)
            free(slot_of)
            free(queue)
            free(used)

    cdef int _grow_cells(self, uint8_t **used, Py_ssize_t *capacity) except -1:
        cdef Py_ssize_t old = capacity[0], new = old * 2, i
        cdef Cell *cells = <Cell *>realloc(self.cells, new * sizeof(Cell))
        if cells == NULL:
            raise MemoryError()
        self.cells = cells
        cdef uint8_t *grown = <uint8_t *>realloc(used[0], new)
        if grown == NULL:
            raise MemoryError()
        used[0] = grown
        for i in range(old, new):
            grown[i] = 0
            cells[i].base = 0
            cells[i].check = -1
            cells[i].piece_id = -1
            cells[i].unused = 0
            cells[i].logp = 0.0
        capacity[0] = new
        self.n_cells = new
        return 0

    cdef int _route(self, const uint8_t *text, Py_ssize_t n, double alpha, uint64_t *rng,
                    bint lines, int32_t *starts, int32_t *pids, double *scores,
                    Py_ssize_t *cand_start, int32_t *cand_node) noexcept nogil:
        """Fill starts/pids for every end position; 1 when some chunk has no segmentation."""
        cdef Py_ssize_t lo = 0, hi, e, pos, s, best_s
        cdef int32_t node, child, best_pid
        cdef const Cell *cells = self.cells
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
                    child = cells[node].base + text[pos]
                    if cells[child].check != node:
                        break
                    node = child
                    if cells[node].piece_id >= 0:
                        cand_start[count] = pos
                        cand_node[count] = node
                        count += 1
                    pos -= 1
                best = -INFINITY
                best_s = e
                best_pid = -1
                if alpha < 0:
                    c = count - 1
                    while c >= 0:
                        s = cand_start[c]
                        score = scores[s] + cells[cand_node[c]].logp
                        if score > best:
                            best = score
                            best_s = s
                            best_pid = cells[cand_node[c]].piece_id
                        c -= 1
                else:
                    c = count - 1
                    while c >= 0:
                        s = cand_start[c]
                        score = scores[s] + alpha * cells[cand_node[c]].logp
                        if best == -INFINITY:
                            best = score
                            best_s = s
                            best_pid = cells[cand_node[c]].piece_id
                        else:
                            total = cp_logsumexp(best, score)
                            best = total
                            if cp_next_unit(rng) < exp(score - total):
                                best_s = s
                                best_pid = cells[cand_node[c]].piece_id
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

cdef enum:
    MAX_ORDER = 15
    LEN_SHIFT = 56

# An n-gram of up to 15 bytes as a 128-bit number: its last 8 bytes in lo, the bytes before in
# hi, and its length in the top byte of hi (so a key is never 0, the mark of an empty slot).
cdef struct GramKey:
    uint64_t hi
    uint64_t lo


cdef inline uint64_t low_bytes(uint64_t word, int n) noexcept nogil:
    if n >= 8:
        return word
    return word & ((<uint64_t>1 << (8 * n)) - 1)


cdef inline GramKey gram_key(uint64_t window_hi, uint64_t window_lo, int k) noexcept nogil:
    """The key of the last k bytes of a 16-byte window."""
    cdef GramKey key
    if k <= 8:
        key.lo = low_bytes(window_lo, k)
        key.hi = <uint64_t>k << LEN_SHIFT
    else:
        key.lo = window_lo
        key.hi = low_bytes(window_hi, k - 8) | (<uint64_t>k << LEN_SHIFT)
    return key


cdef inline GramKey prefix_key(GramKey key) noexcept nogil:
    """The key of the n-gram without its last byte."""
    cdef uint64_t k = key.hi >> LEN_SHIFT
    cdef uint64_t body = key.hi & ((<uint64_t>1 << LEN_SHIFT) - 1)
    cdef GramKey out
    out.lo = (key.lo >> 8) | (body << 56)
    out.hi = (body >> 8) | ((k - 1) << LEN_SHIFT)
    return out


cdef inline size_t key_slot(GramKey key, int bits) noexcept nogil:
    return <size_t>(((key.lo ^ (key.hi * <uint64_t>0xC2B2AE3D27D4EB4F))
                     * <uint64_t>0x9E3779B97F4A7C15) >> (64 - bits))


cdef inline bint same_key(GramKey a, GramKey b) noexcept nogil:
    return a.hi == b.hi and a.lo == b.lo


cdef bytes key_bytes(GramKey key):
    cdef int k = <int>(key.hi >> LEN_SHIFT), i
    cdef bytearray gram = bytearray(k)
    for i in range(k):
        # byte i from the end
        if i < 8:
            gram[k - 1 - i] = (key.lo >> (8 * i)) & 0xFF
        else:
            gram[k - 1 - i] = (key.hi >> (8 * (i - 8))) & 0xFF
    return bytes(gram)


cdef GramKey bytes_key(bytes gram):
    cdef const uint8_t *text = <const uint8_t *>PyBytes_AS_STRING(gram)
    cdef Py_ssize_t i, n = PyBytes_GET_SIZE(gram)
    cdef uint64_t hi = 0, lo = 0
    for i in range(n):
        hi = (hi << 8) | (lo >> 56)
        lo = (lo << 8) | text[i]
    return gram_key(hi, lo, <int>n)


cdef inline void _push_byte(uint64_t* hi, uint64_t* lo, uint8_t byte) noexcept nogil:
    """Shift a byte into a 128-bit window of the last 16 bytes."""
    hi[0] = (hi[0] << 8) | (lo[0] >> 56)
    lo[0] = (lo[0] << 8) | byte


cdef class NgramCounter:
    """Counts of every k-gram (k = 1..order <= 15) in an open-addressing hash table."""

    cdef readonly int order
    cdef readonly int64_t total
    cdef GramKey *keys
    cdef int64_t *counts
    cdef int bits
    cdef size_t size

    def __cinit__(self, int order):
        if order < 1 or order > MAX_ORDER:
            raise ValueError(f"the compiled counter takes orders 1 to {MAX_ORDER}")
        self.order = order
        self.total = 0
        self.bits = 16
        self.size = 0
        self.keys = <GramKey *>calloc(<size_t>1 << self.bits, sizeof(GramKey))
        self.counts = <int64_t *>calloc(<size_t>1 << self.bits, sizeof(int64_t))
        if self.keys == NULL or self.counts == NULL:
            raise MemoryError()

    def __dealloc__(self):
        free(self.keys)
        free(self.counts)

    cdef int _grow(self) except -1:
        cdef size_t old_cap = <size_t>1 << self.bits, i, slot, mask
        cdef GramKey *old_keys = self.keys
        cdef int64_t *old_counts = self.counts
        cdef GramKey *keys = <GramKey *>calloc(old_cap * 2, sizeof(GramKey))
        cdef int64_t *counts = <int64_t *>calloc(old_cap * 2, sizeof(int64_t))
        if keys == NULL or counts == NULL:
            free(keys)
            free(counts)
            raise MemoryError()
        self.bits += 1
        mask = (old_cap * 2) - 1
        for i in range(old_cap):
            if old_keys[i].hi:
                slot = key_slot(old_keys[i], self.bits)
                while keys[slot].hi:
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

    cdef inline int _increment(self, GramKey key, int64_t by) except -1:
        cdef size_t mask = (<size_t>1 << self.bits) - 1
        cdef size_t slot = key_slot(key, self.bits)
        while self.keys[slot].hi:
            if same_key(self.keys[slot], key):
                self.counts[slot] += by
                return 0
            slot = (slot + 1) & mask
        self.keys[slot] = key
        self.counts[slot] = by
        self.size += 1
        if self.size * 10 > ((<size_t>1 << self.bits) * 7):
            self._grow()
        return 0

    cdef inline int64_t _get(self, GramKey key) noexcept nogil:
        cdef size_t mask = (<size_t>1 << self.bits) - 1
        cdef size_t slot = key_slot(key, self.bits)
        while self.keys[slot].hi:
            if same_key(self.keys[slot], key):
                return self.counts[slot]
            slot = (slot + 1) & mask
        return 0

    def add(self, chunks):
        """Count the k-grams of each chunk (bytes)."""
        cdef bytes chunk
        cdef const uint8_t *text
        cdef Py_ssize_t n, i
        cdef uint64_t window_hi, window_lo
        cdef int k, top
        for chunk in chunks:
            text = <const uint8_t *>PyBytes_AS_STRING(chunk)
            n = PyBytes_GET_SIZE(chunk)
            self.total += n
            window_hi = 0
            window_lo = 0
            for i in range(n):
                _push_byte(&window_hi, &window_lo, text[i])
                top = self.order if i + 1 >= self.order else <int>(i + 1)
                for k in range(1, top + 1):
                    self._increment(gram_key(window_hi, window_lo, k), 1)

    def count_level(self, chunks, int k, NgramCounter known=None):
        """Count the k-grams of the chunks whose (k-1)-byte prefix and suffix are in ``known``
        (this counter by default): a k-gram is never more frequent than those, so after
        ``prune`` no k-gram that could be kept is missed, and far fewer are held."""
        cdef bytes chunk
        cdef const uint8_t *text
        cdef Py_ssize_t n, i
        cdef uint64_t window_hi, window_lo
        cdef GramKey key
        if k < 1 or k > self.order:
            raise ValueError("no such n-gram length in this counter")
        if known is None:
            known = self
        for chunk in chunks:
            text = <const uint8_t *>PyBytes_AS_STRING(chunk)
            n = PyBytes_GET_SIZE(chunk)
            if k == 1:
                self.total += n
            window_hi = 0
            window_lo = 0
            for i in range(n):
                _push_byte(&window_hi, &window_lo, text[i])
                if i + 1 < k:
                    continue
                key = gram_key(window_hi, window_lo, k)
                if k > 2 and (known._get(prefix_key(key)) == 0
                              or known._get(gram_key(window_hi, window_lo, k - 1)) == 0):
                    continue
                self._increment(key, 1)

    def prune(self, int64_t min_count):
        """Drop the n-grams of two bytes or more seen fewer than ``min_count`` times."""
        cdef size_t i, kept = 0, slot, mask, old_cap = <size_t>1 << self.bits
        cdef int bits = 16
        cdef GramKey *keys
        cdef int64_t *counts
        for i in range(old_cap):
            if self.keys[i].hi and ((self.keys[i].hi >> LEN_SHIFT) == 1
                                    or self.counts[i] >= min_count):
                kept += 1
        while (<size_t>1 << bits) * 7 < kept * 10:
            bits += 1
        keys = <GramKey *>calloc(<size_t>1 << bits, sizeof(GramKey))
        counts = <int64_t *>calloc(<size_t>1 << bits, sizeof(int64_t))
        if keys == NULL or counts == NULL:
            free(keys)
            free(counts)
            raise MemoryError()
        mask = (<size_t>1 << bits) - 1
        for i in range(old_cap):
            if self.keys[i].hi and ((self.keys[i].hi >> LEN_SHIFT) == 1
                                    or self.counts[i] >= min_count):
                slot = key_slot(self.keys[i], bits)
                while keys[slot].hi:
                    slot = (slot + 1) & mask
                keys[slot] = self.keys[i]
                counts[slot] = self.counts[i]
        free(self.keys)
        free(self.counts)
        self.keys = keys
        self.counts = counts
        self.bits = bits
        self.size = kept

    def merge(self, NgramCounter other):
        cdef size_t i
        if other.order != self.order:
            raise ValueError("cannot merge counts of different orders")
        self.total += other.total
        self._reserve(other.bits)
        for i in range(<size_t>1 << other.bits):
            if other.keys[i].hi:
                self._increment(other.keys[i], other.counts[i])

    def __len__(self):
        return self.size

    def items(self):
        """(gram, count) pairs, in no particular order."""
        cdef size_t i
        cdef list out = []
        for i in range(<size_t>1 << self.bits):
            if self.keys[i].hi:
                out.append((key_bytes(self.keys[i]), self.counts[i]))
        return out

    def __reduce__(self):
        return (_rebuild_counter, (self.order, self.total, self.items()))

    def tagger(self, int64_t min_count, bint ensure_unicode):
        """The n-gram tagger for these counts: conditional log-probabilities of kept k-grams."""
        cdef NgramTagger tagger = NgramTagger.__new__(NgramTagger)
        cdef size_t i, kept = 0
        cdef GramKey key
        cdef int64_t count, total = self.total
        cdef int byte
        cdef int64_t byte_counts[256]
        for byte in range(256):
            byte_counts[byte] = self._get(gram_key(0, <uint64_t>byte, 1))
            if byte_counts[byte] == 0:
                byte_counts[byte] = 1
                total += 1
        for i in range(<size_t>1 << self.bits):
            key = self.keys[i]
            if key.hi and ((key.hi >> LEN_SHIFT) == 1 or self.counts[i] >= min_count):
                kept += 1
        tagger._allocate(kept + 256, self.order, ensure_unicode)
        for byte in range(256):
            tagger._put(gram_key(0, <uint64_t>byte, 1),
                        log(<double>byte_counts[byte]) - log(<double>total))
        for i in range(<size_t>1 << self.bits):
            key = self.keys[i]
            if not key.hi:
                continue
            count = self.counts[i]
            if (key.hi >> LEN_SHIFT) == 1 or count < min_count:
                continue
            tagger._put(key, log(<double>count) - log(<double>self._get(prefix_key(key))))
        return tagger


def _rebuild_counter(int order, int64_t total, list items):
    cdef NgramCounter counter = NgramCounter(order)
    cdef bytes gram
    cdef int64_t count
    cdef int bits = 16
    counter.total = total
    while (<size_t>1 << bits) * 7 < <size_t>len(items) * 10:
        bits += 1
    counter._reserve(bits)
    for gram, count in items:
        counter._increment(bytes_key(gram), count)
    return counter


cdef class NgramTagger:
    """Segments chunks with the byte n-gram model: Viterbi over per-byte states."""

    cdef int order
    cdef bint ensure_unicode
    cdef GramKey *keys
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
        self.keys = <GramKey *>calloc(<size_t>1 << self.bits, sizeof(GramKey))
        self.values = <double *>malloc((<size_t>1 << self.bits) * sizeof(double))
        if self.keys == NULL or self.values == NULL:
            raise MemoryError()
        return 0

    cdef void _put(self, GramKey key, double value) noexcept:
        cdef size_t mask = (<size_t>1 << self.bits) - 1
        cdef size_t slot = key_slot(key, self.bits)
        while self.keys[slot].hi and not same_key(self.keys[slot], key):
            slot = (slot + 1) & mask
        self.keys[slot] = key
        self.values[slot] = value

    cdef inline double _get(self, GramKey key) noexcept nogil:
        cdef size_t mask = (<size_t>1 << self.bits) - 1
        cdef size_t slot = key_slot(key, self.bits)
        while self.keys[slot].hi:
            if same_key(self.keys[slot], key):
                return self.values[slot]
            slot = (slot + 1) & mask
        return -INFINITY

    cdef void _states(self, const uint8_t *text, Py_ssize_t n, double *nodes,
                      int8_t *routes) noexcept nogil:
        """Leave the best state of each byte in routes[i * order] (i = 0..n-1).

        Mirrors tokenizer.bnlm.PureNgramTagger.tag: the argmax over previous states p of
        prev[p] + node[j] among the allowed moves (to 0 from any p; to min(p + 1, top)), the
        first best on ties, and 0 when every allowed sum is -inf.
        """
        cdef int order = self.order, top = self.order - 1, j, p, best_p, state
        cdef Py_ssize_t i
        cdef uint64_t window_hi = 0, window_lo = 0
        cdef double best, score, below, stay
        cdef double *prev
        cdef double *cur
        for i in range(n):
            window_hi = (window_hi << 8) | (window_lo >> 56)
            window_lo = (window_lo << 8) | text[i]
            cur = nodes + i * order
            for j in range(order):
                cur[j] = -INFINITY
            # A kept n-gram's suffixes are kept (they are at least as frequent), so the first
            # missing length ends the lookups.
            for j in range(order if i + 1 >= order else i + 1):
                cur[j] = self._get(gram_key(window_hi, window_lo, j + 1))
                if cur[j] == -INFINITY:
                    break
            if self.ensure_unicode and 0x80 <= text[i] < 0xC0:
                cur[0] = -INFINITY
        for i in range(1, n):
            prev = nodes + (i - 1) * order
            cur = nodes + i * order
            # Columns are filled from the top down: column j reads only cur[j] and prev.
            if top > 0:
                below = prev[top - 1] + cur[top]
                stay = prev[top] + cur[top]
                if stay > below:
                    cur[top] = stay
                    routes[i * order + top] = <int8_t>top
                elif below != -INFINITY:
                    cur[top] = below
                    routes[i * order + top] = <int8_t>(top - 1)
                else:
                    cur[top] = -INFINITY
                    routes[i * order + top] = 0
            for j in range(top - 1, 0, -1):
                score = prev[j - 1] + cur[j]
                cur[j] = score
                routes[i * order + j] = <int8_t>(j - 1 if score != -INFINITY else 0)
            best = prev[0] + cur[0]
            best_p = 0
            for p in range(1, order):
                score = prev[p] + cur[0]
                if score > best:
                    best = score
                    best_p = p
            cur[0] = best
            routes[i * order] = <int8_t>best_p
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
