"""The type stub of the compiled index kernel, ``search/_kernel.pyi``, against the built module
(mypy's stubtest: every public function with the parameters and defaults it really has)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tokenizer.test_fast_stub import ROOT, stubtest


@pytest.mark.slow
def test_the_stub_matches_the_compiled_kernel(tmp_path: Path) -> None:
    result = stubtest("search._kernel", ROOT, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
