"""The demo pages: /demos, one page per demo, its JSON endpoint and its plots as SVG.

Each demo of `demos.CATALOGUE` (and the tokenizer demo defined here) has

- ``/demos/<slug>``: controls (a GET form), the plots and numbers, an explanation;
- ``/demos/<slug>/results``: the plots and numbers alone, which demos.js fetches and swaps in;
- ``/demos/<slug>/plot.svg?figure=``: one plot as an SVG file;
- ``/api/demos/<slug>`` (``/api/tokenize`` for the tokenizer): the numbers as JSON, exactly
  ``dataclasses.asdict`` of the demo function's result, non-finite floats as null.

Query parameters are parsed by the per-demo `Param` specs below (the functions take ``object``),
so that unknown parameters, repeated ones and wrong types are 400 errors naming the parameter;
an empty value means the default. The computations run in the thread pool, at most
`DEMO_WORKERS` at a time, so that a heavy demo never blocks the event loop.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import threading
import typing
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import NoneType, UnionType

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import demos
import demos.attention_scale as att
import demos.fourier_density as fd
import demos.length_extrapolation as le
import demos.lossless_input as li
import demos.retry_runs as rr
import demos.segmentations as seg
import demos.tied_embeddings as te
from demos import params
from demos.errors import DemoError
from tokenizer import Tokenizer, default_model_path, default_tokenizer
from web import openapi
from web.demo_pages.figures import Figure
from web.demo_pages.figures.attention_scale import attention_scale_figures
from web.demo_pages.figures.fourier_density import fourier_density_figures
from web.demo_pages.figures.length_extrapolation import length_extrapolation_figures
from web.demo_pages.figures.lossless_input import lossless_input_figures
from web.demo_pages.figures.retry import retry_figures
from web.demo_pages.figures.segmentations import segmentations_figures
from web.demo_pages.figures.tied_embeddings import tied_embeddings_figures
from web.demo_pages.figures.tokenizer import tokenizer_figures
from web.templating import templates

DEMO_WORKERS = 2  # demo computations at once; more wait their turn
PAGE_ONLY = frozenset({"lang", "theme"})  # handled by the site's preference cookies
CACHE_CONTROL = "public, max-age=3600"

# --- parameter kinds -----------------------------------------------------------------------


class Omitted:
    """An empty query value: the function's default applies."""


OMITTED = Omitted()


@dataclass(frozen=True)
class Integer:
    lo: int
    hi: int
    step: int = 1
    control: str = "number"

    def parse(self, name: str, raw: str) -> int | Omitted:
        return OMITTED if not raw.strip() else params.integer(name, raw, self.lo, self.hi)

    def schema(self) -> dict[str, object]:
        return {"type": "integer", "minimum": self.lo, "maximum": self.hi}


@dataclass(frozen=True)
class Real:
    lo: float
    hi: float
    open_lo: bool = False
    step: str = "any"
    control: str = "number"

    def parse(self, name: str, raw: str) -> float | Omitted:
        if not raw.strip():
            return OMITTED
        return params.real(name, raw, self.lo, self.hi, open_lo=self.open_lo)

    def schema(self) -> dict[str, object]:
        bound = "exclusiveMinimum" if self.open_lo else "minimum"
        return {"type": "number", bound: self.lo, "maximum": self.hi}


@dataclass(frozen=True)
class Slider(Real):
    """A real number in a small range, shown as a slider."""

    step: str = "0.01"
    control: str = "range"


@dataclass(frozen=True)
class Choice:
    options: tuple[str, ...]
    optional: bool = False  # an "auto" entry leaves the choice to the function
    control: str = "select"

    def parse(self, name: str, raw: str) -> str | Omitted:
        return OMITTED if not raw.strip() else params.choice(name, raw, self.options)

    def schema(self) -> dict[str, object]:
        return {"type": "string", "enum": list(self.options)}


@dataclass(frozen=True)
class RuleOrReal:
    """A named rule or a number (tied embeddings' sigma)."""

    rules: tuple[str, ...]
    lo: float
    hi: float
    control: str = "text"

    @property
    def options(self) -> tuple[str, ...]:
        return self.rules

    def parse(self, name: str, raw: str) -> str | float | Omitted:
        text = raw.strip().lower()
        if not text:
            return OMITTED
        if text in self.rules:
            return text
        try:
            return params.real(name, raw, self.lo, self.hi)
        except DemoError:
            raise DemoError(
                f"{name} must be one of {', '.join(self.rules)} or a number in "
                f"[{self.lo:g}, {self.hi:g}], got {raw!r}"
            ) from None

    def schema(self) -> dict[str, object]:
        return {
            "oneOf": [
                {"type": "string", "enum": list(self.rules)},
                {"type": "number", "minimum": self.lo, "maximum": self.hi},
            ]
        }


@dataclass(frozen=True)
class Text:
    max_bytes: int
    empty_is_default: bool = True
    control: str = "text"

    def parse(self, name: str, raw: str) -> str | Omitted:
        if not raw.strip() and self.empty_is_default:
            return OMITTED
        size = len(raw.encode("utf-8", errors="surrogatepass"))
        if size > self.max_bytes:
            raise DemoError(f"{name} must be at most {self.max_bytes} bytes of UTF-8, got {size}")
        return raw

    def schema(self) -> dict[str, object]:
        return {"type": "string", "maxLength": self.max_bytes}


Kind = Integer | Real | Choice | RuleOrReal | Text


@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind
    label: str
    help: str = ""
    advanced: bool = False  # shown under "More settings"
    shown_default: str | None = None  # what the form shows when the default is None
    placeholder: str = ""


SEED = Integer(0, params.MAX_SEED)

# --- the tokenizer demo --------------------------------------------------------------------

TOKENIZE_MAX_BYTES = 10 * 1024
TOKENIZE_MAX_SAMPLES = 8
TOKENIZE_ALPHA = (0.0, 100.0)
TOKENIZE_TEXT = (
    "Transformers read text as a sequence of tokens. A unigram tokenizer such as BytePiece "
    "picks the most probable segmentation, or samples one to regularise training."
)
_sampling_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _sampling_tokenizer() -> Tokenizer:
    # The shared default tokenizer must not be reseeded; sampling uses its own copy.
    return Tokenizer(default_model_path())


@dataclass(frozen=True, slots=True)
class Piece:
    """One token: its text (undecodable bytes as \\xNN), id, bytes as hex, byte span."""

    text: str
    id: int
    bytes: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Segmentation:
    tokens: int
    bytes_per_token: float | None
    pieces: list[Piece]


@dataclass(frozen=True)
class TokenizeResult:
    text: str
    alpha: float
    seed: int
    bytes: int
    characters: int
    vocab_size: int
    tokens: int
    bytes_per_token: float | None
    pieces: list[Piece]
    samples: list[Segmentation]


def _segmentation(data: bytes, ids: Sequence[int], offsets: Sequence[tuple[int, int]]):
    pieces = [
        Piece(
            text=data[start:end].decode("utf-8", errors="backslashreplace"),
            id=piece_id,
            bytes=data[start:end].hex(),
            start=start,
            end=end,
        )
        for piece_id, (start, end) in zip(ids, offsets, strict=True)
    ]
    return Segmentation(len(pieces), len(data) / len(pieces) if pieces else None, pieces)


def tokenize(
    text: object = TOKENIZE_TEXT, alpha: object = 0.3, seed: object = 0, samples: object = 4
) -> TokenizeResult:
    """The shipped tokenizer's Viterbi segmentation of `text` and `samples` sampled ones.

    Samples are drawn at `alpha` (probability proportional to P(w)^alpha) from a stream
    seeded with `seed`, so that the same parameters give the same samples.
    """
    if not isinstance(text, str):
        raise DemoError("text must be a string")
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > TOKENIZE_MAX_BYTES:
        raise DemoError(f"text must be at most {TOKENIZE_MAX_BYTES} bytes of UTF-8, got {size}")
    alpha = params.real("alpha", alpha, *TOKENIZE_ALPHA)
    seed = params.seed(seed)
    samples = params.integer("samples", samples, 0, TOKENIZE_MAX_SAMPLES)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise DemoError("text must be valid Unicode (no lone surrogates)") from None

    tokenizer = default_tokenizer()
    best = tokenizer.encode_with_offsets(text)
    viterbi = _segmentation(best.text, best.ids, best.offsets)
    drawn = []
    with _sampling_lock:
        sampler = _sampling_tokenizer()
        sampler.seed(seed)
        for _ in range(samples):
            encoding = sampler.encode_with_offsets(text, alpha=alpha)
            drawn.append(_segmentation(encoding.text, encoding.ids, encoding.offsets))
    return TokenizeResult(
        text=text,
        alpha=alpha,
        seed=seed,
        bytes=len(best.text),
        characters=len(unicodedata.normalize("NFC", text)),
        vocab_size=tokenizer.vocab_size,
        tokens=viterbi.tokens,
        bytes_per_token=viterbi.bytes_per_token,
        pieces=viterbi.pieces,
        samples=drawn,
    )


# --- the demos -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    slug: str
    title: str
    summary: str
    article: str
    function: Callable[..., object]
    params: tuple[Param, ...]
    figures: Callable[[dict], list[Figure]]
    api_path: str
    keys: tuple[str, ...]  # the documented keys of the JSON answer

    @property
    def path(self) -> str:
        return f"/demos/{self.slug}"

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def defaults(self) -> dict[str, object]:
        signature = inspect.signature(self.function)
        return {name: p.default for name, p in signature.parameters.items()}


def _catalogued(slug: str, **fields: object) -> Demo:
    info = demos.find(slug)
    assert info is not None, slug
    return Demo(
        slug=slug,
        title=info.title,
        summary=info.summary,
        article=info.url,
        function=demos.FUNCTIONS[slug],
        api_path=info.endpoint,
        **fields,  # type: ignore[arg-type]
    )


TOKENIZER = Demo(
    slug="tokenizer",
    title="BytePiece tokenizer",
    summary="Any text cut by the site's tokenizer: the most probable pieces and sampled ones.",
    article="https://kexue.fm/archives/9752",
    function=tokenize,
    params=(
        Param(
            "text",
            Text(TOKENIZE_MAX_BYTES, empty_is_default=False),
            "Text",
            f"The text to tokenize, at most {TOKENIZE_MAX_BYTES} bytes of UTF-8.",
        ),
        Param(
            "alpha",
            Real(*TOKENIZE_ALPHA),
            "Sampling α",
            "Samples have probability proportional to P(w)^α: 0 is uniform over "
            "segmentations, large values approach the Viterbi one.",
        ),
        Param("seed", SEED, "Seed", "Seed of the sampling stream."),
        Param(
            "samples",
            Integer(0, TOKENIZE_MAX_SAMPLES),
            "Samples",
            "How many sampled segmentations to show.",
        ),
    ),
    figures=tokenizer_figures,
    api_path="/api/tokenize",
    keys=("text", "alpha", "seed", "bytes", "tokens", "bytes_per_token", "pieces", "samples"),
)

DEMOS: dict[str, Demo] = {
    "tokenizer": TOKENIZER,
    "segmentations": _catalogued(
        "segmentations",
        params=(
            Param(
                "text",
                Text(4 * seg.MAX_TEXT_BYTES),
                "Text",
                f"A short text, 1 to {seg.MAX_TEXT_BYTES} bytes of UTF-8.",
            ),
            Param(
                "alpha",
                Real(*seg.ALPHA_RANGE),
                "α",
                "Segmentations are drawn with probability proportional to P(w)^α.",
            ),
            Param(
                "vocab",
                Text(4096),
                "Vocabulary",
                "Pieces with probabilities, as piece:p pairs separated by commas or as a "
                "JSON object; empty for the reference vocabulary.",
                shown_default=", ".join(f"{k}:{v:g}" for k, v in seg.DEFAULT_VOCAB.items()),
            ),
            Param(
                "algorithm",
                Choice(seg.ALGORITHMS),
                "Sampler",
                "perfect: BytePiece's exact sampler; sigmoid: its earlier pairwise duels; "
                "nbest: sampling among the n most probable segmentations.",
            ),
            Param(
                "samples",
                Integer(*seg.SAMPLES_RANGE),
                "Samples",
                "Segmentations drawn.",
                advanced=True,
            ),
            Param("seed", SEED, "Seed", advanced=True),
            Param(
                "nbest",
                Integer(1, 2 ** (seg.MAX_TEXT_BYTES - 1)),
                "n best",
                "The n of the nbest sampler.",
                advanced=True,
            ),
            Param(
                "engine",
                Choice(seg.ENGINES, optional=True),
                "Engine",
                "Where the perfect sampler runs: the project's tokenizer or numpy "
                "(default: the tokenizer when it can represent the vocabulary).",
                advanced=True,
            ),
        ),
        figures=segmentations_figures,
        keys=("rows", "count", "tv_distance", "log_z_dp", "log_z_brute", "best"),
    ),
    "tied-embeddings": _catalogued(
        "tied-embeddings",
        params=(
            Param("n", Integer(*te.N_RANGE), "Vocabulary n", "Number of tokens."),
            Param("d", Integer(*te.D_RANGE, step=2), "Width d", "Embedding width (even)."),
            Param(
                "sigma",
                RuleOrReal(te.SIGMA_RULES, *te.SIGMA_RANGE),
                "σ",
                "Standard deviation of the embedding entries: inv_sqrt_d (1/√d), "
                "log_n_over_d (log n / d) or a number.",
            ),
            Param(
                "scheme",
                Choice(te.SCHEMES),
                "Scheme",
                "tied, untied, or tied with an orthogonal projection, a half swap or a "
                "channel shuffle before the output.",
            ),
            Param(
                "batch",
                Integer(*te.BATCH_RANGE),
                "Batch",
                "Monte Carlo pairs (n·d·batch at most 2^31).",
            ),
            Param("seed", SEED, "Seed"),
        ),
        figures=tied_embeddings_figures,
        keys=("loss", "loss_stderr", "log_n", "formula", "formula_refined", "moments", "sweep"),
    ),
    "attention-scale": _catalogued(
        "attention-scale",
        params=(
            Param("n", Integer(*att.N_RANGE), "Keys n", "Number of keys the softmax runs over."),
            Param(
                "kind",
                Choice(att.KINDS),
                "Scores",
                "normal: standard normal scores; cosine: cosines of random unit vectors.",
            ),
            Param(
                "d",
                Integer(*att.D_RANGE),
                "Dimension d",
                "Dimension of the vectors (cosine scores).",
            ),
            Param(
                "trials",
                Integer(*att.TRIALS_RANGE),
                "Monte Carlo trials",
                "Queries for the exact objective curve.",
                advanced=True,
            ),
            Param("seed", SEED, "Seed", advanced=True),
        ),
        figures=attention_scale_figures,
        keys=(
            "alpha_star",
            "coefficient",
            "fit_form",
            "note",
            "grid_n",
            "grid_alpha_star",
            "curve",
        ),
    ),
    "retry": _catalogued(
        "retry",
        params=(
            Param(
                "p_fail",
                Slider(0.0, 1.0),
                "Failure probability",
                "Each call fails independently with this probability.",
            ),
            Param("tries", Integer(*rr.TRIES_RANGE), "Tries", "Attempts before giving up."),
            Param("runs", Integer(*rr.RUNS_RANGE), "Runs", "Simulated blocks."),
            Param("seed", SEED, "Seed"),
            Param(
                "sleep",
                Real(*rr.SLEEP_RANGE),
                "Sleep (s)",
                "Seconds between attempts, on a fake clock.",
                advanced=True,
            ),
        ),
        figures=retry_figures,
        keys=(
            "success_rate",
            "mean_attempts",
            "mean_sleeps",
            "success_rate_exact",
            "mean_attempts_exact",
            "mean_sleeps_exact",
        ),
    ),
    "length-extrapolation": _catalogued(
        "length-extrapolation",
        params=(
            Param("d", Integer(*le.D_RANGE, step=2), "Head size d", "RoPE rotates d/2 pairs."),
            Param("base", Real(*le.BASE_RANGE), "Base", "RoPE base (θᵢ = base^(−2i/d))."),
            Param(
                "train_len",
                Integer(*le.TRAIN_RANGE),
                "Training length",
                "Longest distance seen in training.",
            ),
            Param(
                "test_len",
                Integer(le.TRAIN_RANGE[0], le.MAX_TEST_LEN),
                "Test length",
                f"Length at inference: from train_len to {le.MAX_STRETCH}× it.",
            ),
            Param(
                "method",
                Choice(le.METHODS),
                "Method",
                "direct, position interpolation, NTK-aware, YaRN, ReRoPE, leaky ReRoPE, "
                "or log-n logit scaling.",
            ),
            Param(
                "window",
                Integer(1, le.TRAIN_RANGE[1]),
                "Window w",
                "ReRoPE's window (default train_len / 4).",
                placeholder="train_len / 4",
            ),
            Param(
                "leak",
                Real(*le.LEAK_RANGE, open_lo=True),
                "Leak k",
                "Leaky ReRoPE's slope 1/k beyond the window.",
                advanced=True,
            ),
            Param(
                "tau",
                Real(*le.TAU_RANGE, open_lo=True),
                "YaRN τ",
                "Pairs turning more than τ times in training keep their frequency.",
                advanced=True,
            ),
            Param(
                "map_len",
                Integer(*le.MAP_RANGE),
                "Map size",
                "Tokens in the relative-position map.",
                advanced=True,
            ),
        ),
        figures=length_extrapolation_figures,
        keys=(
            "theta",
            "theta_new",
            "theta_ratio",
            "turns",
            "coverage",
            "coverage_map",
            "relative_map",
            "uncovered_fraction",
            "uncovered_by_method",
        ),
    ),
    "lossless-input": _catalogued(
        "lossless-input",
        params=(
            Param("image_size", Integer(*li.IMAGE_RANGE), "Image side n", "Pixels per side."),
            Param(
                "bits",
                Real(*li.BITS_RANGE, open_lo=True),
                "Bits per sub-pixel",
                "Entropy of one colour channel of one pixel.",
            ),
            Param(
                "seq_len",
                Integer(*li.SEQ_RANGE),
                "Tokens L",
                "Length of a code for the whole image.",
            ),
            Param(
                "patch",
                Integer(*li.PATCH_RANGE),
                "Patch size p",
                "Side of a raw patch (divides n).",
            ),
            Param(
                "downsample",
                Integer(*li.PATCH_RANGE),
                "VQ downsampling f",
                "A VQ tokenizer's stride (divides n).",
                advanced=True,
            ),
            Param(
                "vocab_log2",
                Real(1.0, 1e6),
                "log₂ V",
                "A vocabulary size to test for a lossless code.",
                advanced=True,
            ),
            Param(
                "text_len",
                Integer(*li.MASK_TOKENS_RANGE),
                "Text tokens",
                "Text before the image in the mask.",
                advanced=True,
            ),
            Param(
                "image_tokens",
                Integer(*li.MASK_TOKENS_RANGE),
                "Image tokens",
                "Patches in the mask.",
                advanced=True,
            ),
            Param(
                "suffix_len",
                Integer(*li.MASK_TOKENS_RANGE),
                "Text after",
                "Text after the image in the mask.",
                advanced=True,
            ),
            Param(
                "image_attention",
                Choice(li.IMAGE_ATTENTION),
                "Within the image",
                "Whether image patches see each other both ways.",
                advanced=True,
            ),
            Param(
                "step",
                Integer(0, li.DIFFUSION_STEPS),
                "Diffusion step",
                "Noising step of the patch preview (linear schedule).",
                advanced=True,
            ),
            Param("seed", SEED, "Seed", advanced=True),
        ),
        figures=lossless_input_figures,
        keys=(
            "total_bits",
            "bits_per_token",
            "min_vocab_log2",
            "min_vocab_text",
            "patch_shape",
            "patch_tokens",
            "pixel_ar_length",
            "vq_length",
            "attention_mask",
            "mask_layout",
            "budget_table",
        ),
    ),
    "fourier-density": _catalogued(
        "fourier-density",
        params=(
            Param("target", Choice(tuple(fd.TARGETS)), "Target", "The density sampled."),
            Param("terms", Integer(*fd.TERMS_RANGE), "Terms N", "Highest frequency."),
            Param(
                "gamma",
                Real(*fd.GAMMA_RANGE),
                "Smoothness γ",
                "Weight of the penalty ∫|p′|²; small values (≤ 0.001) matter already.",
            ),
            Param("samples", Integer(*fd.SAMPLES_RANGE), "Samples", "Draws from the target."),
            Param("seed", SEED, "Seed"),
        ),
        figures=fourier_density_figures,
        keys=(
            "grid",
            "true_density",
            "fbdm_density",
            "gmm_density",
            "gmm_em_density",
            "histogram",
            "kl",
            "train_nll",
            "fbdm",
            "gmm",
        ),
    ),
}
# The tokenizer demo goes with BytePiece's own article, just before the segmentation one.
INDEX_ORDER = tuple(
    slug
    for info in demos.CATALOGUE
    for slug in (("tokenizer", info.slug) if info.slug == "segmentations" else (info.slug,))
)

# --- parsing and computing -----------------------------------------------------------------


def parse_query(
    demo: Demo, query: QueryParams, *, allowed: frozenset[str] = frozenset()
) -> dict[str, object]:
    """The keyword arguments for `demo.function` from a query string; DemoError if bad."""
    names = [p.name for p in demo.params]
    for key in query:
        if key not in names and key not in allowed:
            raise DemoError(f"unknown parameter {key[:40]!r}; this demo takes {', '.join(names)}")
    values: dict[str, object] = {}
    for param in demo.params:
        given = query.getlist(param.name)
        if len(given) > 1:
            raise DemoError(f"{param.name} is given more than once")
        if given:
            value = param.kind.parse(param.name, given[0])
            if value is not OMITTED:
                values[param.name] = value
    return values


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def jsonable(value: object) -> object:
    """`dataclasses.asdict` for JSON: dataclasses as dicts, tuples as lists and non-finite
    floats (which JSON lacks) as None. One pass, without asdict's deep copies, which cost
    more than the tokenizer demo's computation."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: jsonable(getattr(value, name)) for name in _field_names(type(value))}
    return value


def run_demo(demo: Demo, values: Mapping[str, object], with_figures: bool = False):
    """The JSON-ready numbers of one call, and its figures if asked (blocking)."""
    data = jsonable(demo.function(**values))
    assert isinstance(data, dict)
    return data, (demo.figures(data) if with_figures else [])


def _limiter(app: Starlette) -> anyio.CapacityLimiter:
    limiter = getattr(app.state, "demo_limiter", None)
    if limiter is None:
        limiter = app.state.demo_limiter = anyio.CapacityLimiter(DEMO_WORKERS)
    return limiter


async def compute(
    request: Request, demo: Demo, values: Mapping[str, object], with_figures: bool = False
) -> tuple[dict, list[Figure]]:
    async with _limiter(request.app):
        return await run_in_threadpool(run_demo, demo, values, with_figures)


def _demo(request: Request) -> Demo:
    slug = request.path_params.get("slug", "tokenizer")
    demo = DEMOS.get(slug)
    if demo is None:
        raise HTTPException(404, f"no demo called {slug[:60]!r}")
    return demo


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status)


def form_values(demo: Demo, query: QueryParams) -> dict[str, str]:
    """What each control shows: the value asked for, else the default."""
    defaults = demo.defaults()
    shown = {}
    for param in demo.params:
        if param.name in query:
            shown[param.name] = query[param.name]
            continue
        default = defaults.get(param.name)
        if default is None:
            shown[param.name] = param.shown_default or ""
        else:
            shown[param.name] = str(default)
    return shown


def api_query(query: QueryParams) -> str:
    kept = [(k, v) for k, v in query.multi_items() if k not in PAGE_ONLY]
    return str(QueryParams(kept))


# --- routes --------------------------------------------------------------------------------


async def index(request: Request) -> Response:
    listed = [DEMOS[slug] for slug in INDEX_ORDER]
    return templates.TemplateResponse(request, "demos/index.html", {"demos": listed})


async def _render(request: Request, demo: Demo, template: str) -> Response:
    data, figures, error = None, [], None
    try:
        values = parse_query(demo, request.query_params, allowed=PAGE_ONLY)
        data, figures = await compute(request, demo, values, with_figures=True)
    except DemoError as failure:
        error = str(failure)
    context = {
        "demo": demo,
        "form": form_values(demo, request.query_params),
        "query": api_query(request.query_params),
        "data": data,
        "figures": {figure.name: figure for figure in figures},
        "error": error,
    }
    status = 400 if error else 200
    return templates.TemplateResponse(request, template, context, status_code=status)


async def page(request: Request) -> Response:
    return await _render(request, _demo(request), "demos/page.html")


async def results(request: Request) -> Response:
    """The plots and numbers alone, for demos.js to swap into the page."""
    return await _render(request, _demo(request), "demos/results.html")


async def plot_svg(request: Request) -> Response:
    demo = _demo(request)
    try:
        values = parse_query(demo, request.query_params, allowed=PAGE_ONLY | {"figure"})
        _, figures = await compute(request, demo, values, with_figures=True)
    except DemoError as failure:
        return _error(str(failure))
    wanted = request.query_params.get("figure") or figures[0].name
    figure = next((f for f in figures if f.name == wanted), None)
    if figure is None:
        names = ", ".join(f.name for f in figures)
        return _error(f"figure must be one of {names}; got {wanted[:40]!r}")
    headers = {"cache-control": CACHE_CONTROL}
    return Response(str(figure.svg), media_type="image/svg+xml", headers=headers)


async def api(request: Request) -> Response:
    demo = _demo(request)
    try:
        values = parse_query(demo, request.query_params)
        data, _ = await compute(request, demo, values)
    except DemoError as failure:
        return _error(str(failure))
    return JSONResponse(data, headers={"cache-control": CACHE_CONTROL})


routes = [
    Route("/demos", index, name="demos"),
    Route("/demos/tokenizer", page, name="demo_tokenizer"),
    Route("/demos/{slug}", page, name="demo"),
    Route("/demos/{slug}/results", results, name="demo_results"),
    Route("/demos/{slug}/plot.svg", plot_svg, name="demo_plot"),
    Route("/api/tokenize", api, name="api_tokenize"),
    Route("/api/demos/{slug}", api, name="api_demo"),
]

# --- the OpenAPI description ---------------------------------------------------------------

_JSON_TYPES = {int: "integer", float: "number", str: "string", bool: "boolean"}


def _schema_of(annotation: object) -> dict[str, object]:
    """A JSON schema for a result field's type (dataclasses become objects)."""
    origin = typing.get_origin(annotation)
    if origin in (UnionType, typing.Union):
        options = [a for a in typing.get_args(annotation) if a is not NoneType]
        schema = _schema_of(options[0]) if len(options) == 1 else {}
        if NoneType in typing.get_args(annotation) and "type" in schema:
            schema = {**schema, "type": [schema["type"], "null"]}
        return schema
    if origin in (list, tuple):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        items = _schema_of(args[0]) if args and len(set(args)) == 1 else {}
        return {"type": "array", "items": items}
    if origin is dict:
        return {
            "type": "object",
            "additionalProperties": _schema_of(typing.get_args(annotation)[1]),
        }
    if dataclasses.is_dataclass(annotation):
        hints = typing.get_type_hints(annotation)
        return {
            "type": "object",
            "properties": {
                f.name: _schema_of(hints[f.name]) for f in dataclasses.fields(annotation)
            },
            "required": [f.name for f in dataclasses.fields(annotation)],
        }
    return {"type": _JSON_TYPES[annotation]} if annotation in _JSON_TYPES else {}


def _schema_name(demo: Demo) -> str:
    return "Demo" + "".join(part.title() for part in demo.slug.split("-"))


def _operation(demo: Demo) -> dict[str, object]:
    defaults = demo.defaults()
    parameters = []
    for param in demo.params:
        schema = dict(param.kind.schema())
        if defaults.get(param.name) is not None:
            schema["default"] = defaults[param.name]
        parameters.append(
            {
                "name": param.name,
                "in": "query",
                "description": param.help or param.label,
                "schema": schema,
            }
        )
    error = {"$ref": "#/components/schemas/Error"}
    return {
        "get": {
            "operationId": "demo" + _schema_name(demo).removeprefix("Demo"),
            "summary": demo.title,
            "description": f"{demo.summary} The numbers behind {demo.path}; non-finite "
            "numbers are null. An empty parameter takes its default.",
            "tags": ["demos"],
            "parameters": parameters,
            "responses": {
                "200": {
                    "description": "The demo's numbers",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{_schema_name(demo)}"}
                        }
                    },
                },
                "400": {
                    "description": "An unknown, repeated, malformed or out-of-range parameter",
                    "content": {"application/json": {"schema": error}},
                },
            },
        }
    }


def register_openapi() -> None:
    for demo in DEMOS.values():
        result = typing.get_type_hints(demo.function)["return"]
        openapi.EXTRA_SCHEMAS[_schema_name(demo)] = _schema_of(result)
        openapi.EXTRA_PATHS[demo.api_path] = _operation(demo)


register_openapi()
