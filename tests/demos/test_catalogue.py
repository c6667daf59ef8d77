import dataclasses
import inspect
import json
import subprocess
import sys

import pytest

import demos
from demos import CATALOGUE, FUNCTIONS, DemoError, find
from tests.demos.served import INJECTED, SERVED

# Small settings for each demo, used to check determinism and the shape of the results.
SMALL = {
    "tied-embeddings": {"n": 256, "d": 32, "batch": 32},
    "segmentations": {"samples": 2000},
    "attention-scale": {"n": 200, "trials": 2},
    "retry": {"runs": 500},
    "length-extrapolation": {"d": 16, "train_len": 64, "test_len": 256},
    "lossless-input": {"image_size": 16},
    "fourier-density": {"terms": 4, "samples": 1000},
}
PLAIN = (int, float, str, bool, type(None))


def assert_plain(value, where="result"):
    """Only JSON-ready builtins: no numpy scalars or arrays anywhere."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str, f"{where}: key {key!r}"
            assert_plain(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            assert_plain(item, f"{where}[{index}]")
    else:
        assert type(value) in PLAIN, f"{where} is {type(value).__name__}"


def test_catalogue_entries_are_complete_and_unique():
    slugs = [info.slug for info in CATALOGUE]
    assert len(slugs) == len(set(slugs)) == 7
    assert set(slugs) == set(FUNCTIONS)
    for info in CATALOGUE:
        assert info.title and info.summary
        assert info.url.startswith("https://kexue.fm/archives/")
        assert info.endpoint == f"/api/demos/{info.slug}"
        assert find(info.slug) is info
    assert find("nope") is None
    assert find("segmentations").related_urls


def test_submodules_stay_reachable_by_their_names():
    assert inspect.ismodule(demos.tied_embeddings)
    assert demos.tied_embeddings.tied_embeddings is FUNCTIONS["tied-embeddings"]


@pytest.mark.parametrize("slug", sorted(SMALL))
def test_results_are_plain_json_and_reproducible(slug):
    function = SERVED[slug]
    first = function(**SMALL[slug])
    assert dataclasses.is_dataclass(first)
    data = dataclasses.asdict(first)
    assert_plain(data)
    json.dumps(data, allow_nan=False)
    assert function(**SMALL[slug]) == first


@pytest.mark.parametrize("slug", sorted(FUNCTIONS))
def test_every_parameter_is_a_keyword_with_a_default(slug):
    signature = inspect.signature(SERVED[slug])
    for parameter in signature.parameters.values():
        assert parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        assert parameter.default is not inspect.Parameter.empty


@pytest.mark.parametrize("slug", sorted(FUNCTIONS))
def test_only_the_injected_objects_are_keyword_only(slug):
    parameters = inspect.signature(FUNCTIONS[slug]).parameters.values()
    keyword_only = {p.name: p.default for p in parameters if p.kind is p.KEYWORD_ONLY}
    assert keyword_only == dict.fromkeys(INJECTED.get(slug, {}))


def test_importing_demos_loads_none_of_our_other_packages():
    ours = "{'retry','tokenizer','models','crawler','search','summaries','web','cli'}"
    code = f"import demos, sys; print([m for m in sys.modules if m.split('.')[0] in {ours}])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("slug", sorted(FUNCTIONS))
def test_query_string_values_are_accepted_and_garbage_rejected(slug):
    signature = inspect.signature(SERVED[slug])
    numeric = [
        name
        for name, p in signature.parameters.items()
        if isinstance(p.default, int | float) and not isinstance(p.default, bool)
    ]
    assert numeric, slug
    name = numeric[0]
    with pytest.raises(DemoError):
        SERVED[slug](**{name: "not a number"})
    with pytest.raises(TypeError):
        SERVED[slug](unknown_parameter=1)
    assert issubclass(DemoError, ValueError)
