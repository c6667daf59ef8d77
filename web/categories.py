"""Category expressions of list URLs: ``cs.AI``, ``cs.AI,cs.CL``, ``cs.AI+cs.LG-cs.CY``.

A comma or a plus joins categories (their papers are merged, each listed once); a minus
removes the papers that are also in that category. The first term is always included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CATEGORY = re.compile(r"^[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?$")
# arXiv's archives, old ones included: a hyphen starts a difference only before one of them.
ARCHIVES = frozenset(
    """acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn chem-ph cmp-lg
    comp-gas cond-mat cs dg-ga econ eess funct-an gr-qc hep-ex hep-lat hep-ph hep-th math
    math-ph mtrl-th nlin nucl-ex nucl-th patt-sol physics plasm-ph q-alg q-bio q-fin quant-ph
    solv-int stat supr-con""".split()  # noqa: SIM905
)
_ARCHIVE_START = re.compile(
    "(?:" + "|".join(sorted(map(re.escape, ARCHIVES), key=len, reverse=True)) + r")(?=$|[.-])"
)
MAX_TERMS = 50


class InvalidCategories(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class CategoryExpression:
    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = "+".join(self.include) if self.exclude else ",".join(self.include)
        return text + "".join(f"-{c}" for c in self.exclude)

    @property
    def label(self) -> str:
        """For headings: ``cs.AI, cs.LG − cs.CY``."""
        text = ", ".join(self.include)
        return text + "".join(f" − {c}" for c in self.exclude)


def _split_differences(chunk: str) -> list[str]:
    """``cs.AI-cs.CY`` into ``[cs.AI, cs.CY]``, keeping ``hep-th`` and ``cond-mat.mes-hall``."""
    terms: list[str] = []
    start = 0
    for i, ch in enumerate(chunk):
        if ch != "-" or i == start:
            continue
        before, after = chunk[start:i], chunk[i + 1 :]
        if CATEGORY.match(before) and _ARCHIVE_START.match(after):
            terms.append(before)
            start = i + 1
    terms.append(chunk[start:])
    return terms


def parse_categories(text: str) -> CategoryExpression:
    """Parse a category expression; raise InvalidCategories when it is malformed."""
    text = text.strip()
    if not text or len(text) > 2000:
        raise InvalidCategories("empty category expression")
    include: list[str] = []
    exclude: list[str] = []
    for chunk in re.split(r"[,+ ]+", text):
        if not chunk:
            continue
        first, *rest = _split_differences(chunk)
        for position, code in enumerate([first, *rest]):
            if not CATEGORY.match(code) or archive_of(code) not in ARCHIVES:
                raise InvalidCategories(f"not a category: {code[:40]!r}")
            (exclude if position else include).append(code)
    if not include or len(include) + len(exclude) > MAX_TERMS:
        raise InvalidCategories("a category expression lists 1 to 50 categories")
    include = list(dict.fromkeys(include))
    exclude = [c for c in dict.fromkeys(exclude) if c not in include]
    return CategoryExpression(tuple(include), tuple(exclude))


def archive_of(code: str) -> str:
    """``cs`` for ``cs.AI``, ``hep-th`` for ``hep-th``."""
    return code.split(".", 1)[0]
