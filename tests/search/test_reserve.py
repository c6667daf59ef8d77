"""The memory searches decode lists into: touched once, then taken by any thread without a
page fault for each of its pages."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from search import reserve

# In a fresh interpreter (the allocator's settings are the process's): blocks the size of a
# common word's decoded list, allocated and written in a worker thread as a search does,
# kept (as the search cache keeps them); the page faults that took, per 4 KiB page.
_FAULTS = textwrap.dedent(
    """
    import json, resource, sys, threading
    import numpy as np
    from search import reserve

    kept = reserve.keep_freed_memory() if sys.argv[1] == "kept" else False
    touched = reserve.touch(64 << 20) if kept else 0
    arrays = []

    def decode():
        for _ in range(40):  # 40 lists of 800 KiB, 32 MiB: under the 64 touched
            array = np.empty(800 << 10, dtype=np.uint8)
            array.fill(1)
            arrays.append(array)

    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    thread = threading.Thread(target=decode)
    thread.start()
    thread.join()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    print(json.dumps({"kept": kept, "touched": touched, "per_page": faults / (32 << 20 >> 12)}))
    """
)


def _faults(mode: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _FAULTS, mode], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout)


def test_lists_decoded_in_a_thread_take_memory_touched_at_the_start_without_faults() -> None:
    default = _faults("default")
    kept = _faults("kept")
    assert kept["kept"] and kept["touched"] == 64 << 20  # glibc, as on the machines we serve
    assert default["per_page"] > 0.9  # a fault for every page written
    assert kept["per_page"] < 0.05


def test_the_reserve_is_the_cache_budget_at_most_and_no_more_than_the_index_takes() -> None:
    budget, plenty = 1024 << 20, 64 << 30
    assert reserve.reserve_bytes(1_000, budget, plenty) == 1_000 * reserve.RESERVE_BYTES_PER_PAPER
    assert reserve.reserve_bytes(10_000_000, budget, plenty) == budget
    assert reserve.reserve_bytes(10_000_000, 4 * budget, plenty) == reserve.MAX_RESERVE
    assert reserve.reserve_bytes(0, budget, plenty) == 0
    assert reserve.touch(reserve.reserve_bytes(1_000, budget, plenty)) == 0  # under one block


def test_a_small_machine_reserves_a_quarter_of_its_available_memory_at_most() -> None:
    assert reserve.reserve_bytes(10_000_000, 1024 << 20, 1 << 30) == 256 << 20
    assert reserve.reserve_bytes(10_000_000, 1024 << 20, -5) == 0  # over its limit already
    available = reserve.available_memory()
    assert available is not None and available > 0  # Linux says how much it has
    assert reserve.reserve_bytes(10_000_000, 1 << 40) <= available // 4
