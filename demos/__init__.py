"""Numerical demos of blog articles: plain functions returning dataclasses of plot-ready numbers.

One module per article, each named like the function behind its endpoint (for instance
`demos.tied_embeddings.tied_embeddings`); every such function validates its parameters (bounded,
so that each call stays fast enough for a public endpoint) and raises `DemoError` for bad input.
Results hold only plain Python numbers, strings, lists and dicts, so `dataclasses.asdict` gives
JSON-ready data. `CATALOGUE` lists the demos for the index page and `FUNCTIONS` maps each slug to
its function, whose keyword arguments are the endpoint's query parameters.

demos imports nothing of coolpapers (numpy and scipy only). The two demos that run one of its
objects take it as a keyword-only argument: `retry_runs(..., forms=RetryForms(loop=Retry,
clock=FakeClock, gave_up=GaveUp))` (without it, a `DemoError`) and `segmentations(...,
tokenizer_factory=Tokenizer)` (without it, numpy samples). The composing layer binds them with
`inject(function, **dependencies)`, whose result takes the query parameters only.
"""

from collections.abc import Callable

from demos.attention_scale import attention_scale as _attention_scale
from demos.catalogue import CATALOGUE, DemoInfo, find
from demos.errors import DemoError
from demos.fourier_density import fourier_density as _fourier_density
from demos.injection import inject
from demos.length_extrapolation import length_extrapolation as _length_extrapolation
from demos.lossless_input import lossless_input as _lossless_input
from demos.retry_runs import retry_runs as _retry_runs
from demos.segmentations import segmentations as _segmentations
from demos.tied_embeddings import tied_embeddings as _tied_embeddings

FUNCTIONS: dict[str, Callable[..., object]] = {
    "tied-embeddings": _tied_embeddings,
    "segmentations": _segmentations,
    "attention-scale": _attention_scale,
    "retry": _retry_runs,
    "length-extrapolation": _length_extrapolation,
    "lossless-input": _lossless_input,
    "fourier-density": _fourier_density,
}

__all__ = ["CATALOGUE", "FUNCTIONS", "DemoError", "DemoInfo", "find", "inject"]
