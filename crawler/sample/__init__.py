"""The bundled sample: real arXiv responses (CC0 metadata), gzip-compressed.

See SOURCES.md beside this file for where each response was recorded.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def sample_files() -> list[Path]:
    """The sample's files, in the order they are imported (oldest sources first)."""
    return sorted(HERE.glob("*.xml.gz"))
