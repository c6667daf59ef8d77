"""Category expressions: unions, differences, and hyphenated archives that are not differences."""

from __future__ import annotations

import pytest

from web.categories import InvalidCategories, parse_categories


@pytest.mark.parametrize(
    ("text", "include", "exclude", "canonical"),
    [
        ("cs.AI", ("cs.AI",), (), "cs.AI"),
        ("cs.AI,cs.CL", ("cs.AI", "cs.CL"), (), "cs.AI,cs.CL"),
        ("cs.AI+cs.LG-cs.CY", ("cs.AI", "cs.LG"), ("cs.CY",), "cs.AI+cs.LG-cs.CY"),
        ("cs.AI+cs.LG-cs.CY-econ.GN", ("cs.AI", "cs.LG"), ("cs.CY", "econ.GN"), None),
        ("hep-th", ("hep-th",), (), "hep-th"),
        ("math-ph-hep-th", ("math-ph",), ("hep-th",), None),
        ("cond-mat.mes-hall-cs.CY", ("cond-mat.mes-hall",), ("cs.CY",), None),
        ("cs.AI,cs.AI", ("cs.AI",), (), "cs.AI"),
        ("cs.AI-cs.AI", ("cs.AI",), (), "cs.AI"),
    ],
)
def test_parse(text, include, exclude, canonical):
    expression = parse_categories(text)
    assert (expression.include, expression.exclude) == (include, exclude)
    assert str(expression) == (canonical or text)
    assert parse_categories(str(expression)) == expression


@pytest.mark.parametrize("text", ["", "search", "-cs.AI", "cs..AI", "cs.AI;x", "CS.AI", "a" * 3000])
def test_malformed_expressions_are_refused(text):
    with pytest.raises(InvalidCategories):
        parse_categories(text)
