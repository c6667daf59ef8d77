"""Text preparation shared by tokenizing and training: NFC normalisation, UTF-8, and the split of
a text into chunks that end after each run of newlines (no piece ever crosses a chunk)."""

from __future__ import annotations

import re
import unicodedata

# Byte 0x0A never occurs inside a multi-byte UTF-8 sequence, so splitting the UTF-8 bytes (or
# their latin-1 view) gives the same chunks as splitting the characters.
LINE_CHUNKS = re.compile(".*\n+|.+")

TRAINING_CHUNK_CHARS = 10000
TRAINING_NEWLINE_RUN = 100


def normalize(text: str) -> bytes:
    """The NFC-normalised UTF-8 bytes that tokens and offsets refer to."""
    return unicodedata.normalize("NFC", text).encode("utf-8")


def training_pattern(isolate_digits: bool) -> re.Pattern[str]:
    """The chunking of training text: lines capped in length, and digits alone if asked."""
    n, r = TRAINING_CHUNK_CHARS, TRAINING_NEWLINE_RUN
    if isolate_digits:
        return re.compile(rf"\d|[^\n\d]{{,{n}}}\n{{1,{r}}}|[^\n\d]{{1,{n}}}")
    return re.compile(rf".{{,{n}}}\n{{1,{r}}}|.{{1,{n}}}")


def training_chunks(text: str, pattern: re.Pattern[str]) -> list[bytes]:
    """The UTF-8 chunks of one training text."""
    return [chunk.encode("utf-8") for chunk in pattern.findall(unicodedata.normalize("NFC", text))]
