"""The type stub of the compiled tokenizer, ``tokenizer/_fast.pyi``, against the built module:
every public name, parameter and default as the extension has them (mypy's stubtest)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Cython adds these to each compiled module; they are not part of its interface.
CYTHON_NAMES = ["__reduce_cython__", "__setstate_cython__", "__test__"]


def stubtest(module: str, root: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """mypy's stubtest of ``module`` as found under ``root``."""
    allowlist = tmp_path / "allowlist.txt"
    allowlist.write_text("".join(f"{module}.{name}\n" for name in CYTHON_NAMES))
    env = {**os.environ, "PYTHONPATH": str(root)}
    command = [sys.executable, "-m", "mypy.stubtest", module, "--allowlist", str(allowlist)]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120)


def test_the_stub_matches_the_compiled_tokenizer(tmp_path: Path) -> None:
    result = stubtest("tokenizer._fast", ROOT, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_stub_that_differs_from_the_extension_is_caught(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(
        ROOT / "tokenizer",
        copy / "tokenizer",
        ignore=shutil.ignore_patterns("__pycache__", "*.gz", "*.c", "*.pyx"),
    )
    stub = copy / "tokenizer" / "_fast.pyi"
    text = stub.read_text()
    broken = text.replace("def prune(self, min_count: int)", "def prune(self, count: int)")
    assert broken != text
    stub.write_text(broken)
    result = stubtest("tokenizer._fast", copy, tmp_path)
    assert result.returncode == 1
    assert "tokenizer._fast.NgramCounter.prune" in result.stdout
