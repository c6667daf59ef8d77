"""Full text: each paper version read beyond its abstract.

Owns fetching a version's arXiv HTML rendering (LaTeXML), else its PDF; extracting either into
one :class:`FullText` (sections with their arXiv anchors, references, links); finding the links
to code among them; and storing the extracted document per paper version (compressed, never the
raw PDF). The summaries, search and the site read what is stored here.
"""

from fulltext.document import (
    CodeLink,
    FullText,
    FullTextStatus,
    Reference,
    Section,
)

__all__ = ["CodeLink", "FullText", "FullTextStatus", "Reference", "Section"]
