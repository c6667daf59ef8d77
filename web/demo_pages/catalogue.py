"""The demo pages in order, each with its parameter specs, figures and documented keys.

The catalogued demos take their title, summary, article, function and endpoint from
`demos.CATALOGUE`; the tokenizer demo is the site's own.
"""

from __future__ import annotations

from collections.abc import Callable

import demos
import demos.attention_scale as att
import demos.fourier_density as fd
import demos.length_extrapolation as le
import demos.lossless_input as li
import demos.retry_runs as rr
import demos.segmentations as seg
import demos.tied_embeddings as te
from retry import FakeClock, GaveUp, Retry
from tokenizer import Tokenizer
from web.demo_pages.demo import Demo
from web.demo_pages.figures import Figure
from web.demo_pages.figures.attention_scale import attention_scale_figures
from web.demo_pages.figures.fourier_density import fourier_density_figures
from web.demo_pages.figures.length_extrapolation import length_extrapolation_figures
from web.demo_pages.figures.lossless_input import lossless_input_figures
from web.demo_pages.figures.retry import retry_figures
from web.demo_pages.figures.segmentations import segmentations_figures
from web.demo_pages.figures.tied_embeddings import tied_embeddings_figures
from web.demo_pages.figures.tokenizer import tokenizer_figures
from web.demo_pages.params import SEED, Choice, Integer, Param, Real, RuleOrReal, Slider, Text
from web.demo_pages.tokenizer_demo import (
    TOKENIZE_ALPHA,
    TOKENIZE_MAX_BYTES,
    TOKENIZE_MAX_SAMPLES,
    tokenize,
)

# demos imports nothing of ours: the site hands the retry loop and the tokenizer to their demos.
_INJECTED = {
    "retry": demos.inject(
        rr.retry_runs, forms=rr.RetryForms(loop=Retry, clock=FakeClock, gave_up=GaveUp)
    ),
    "segmentations": demos.inject(seg.segmentations, tokenizer_factory=Tokenizer),
}


def _catalogued(
    slug: str,
    *,
    params: tuple[Param, ...],
    figures: Callable[[dict], list[Figure]],
    keys: tuple[str, ...],
    rules: tuple[str, ...] = (),
) -> Demo:
    info = demos.find(slug)
    assert info is not None, slug
    return Demo(
        slug=slug,
        title=info.title,
        summary=info.summary,
        article=info.url,
        function=_INJECTED.get(slug, demos.FUNCTIONS[slug]),
        api_path=info.endpoint,
        params=params,
        figures=figures,
        keys=keys,
        rules=rules,
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
    rules=(f"text is at most {TOKENIZE_MAX_BYTES} bytes of UTF-8.",),
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
        rules=(
            f"text must be 1 to {seg.MAX_TEXT_BYTES} bytes of UTF-8 the vocabulary can segment.",
            "engine=tokenizer runs only the perfect sampler, on probabilities summing to <= 1.",
        ),
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
        rules=("n·d·batch must be at most 2^31.",),
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
        rules=(f"test_len runs from train_len to {le.MAX_STRETCH}× train_len.",),
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
        rules=("patch and downsample must divide image_size.",),
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
