"""Bit budget of image tokens and the patch sequence of a mixed model (kexue.fm/archives/9984).

An n x n RGB image with h bits of entropy per sub-pixel holds 3 n^2 h bits. A lossless code of L
tokens over a vocabulary V needs L log2 V >= 3 n^2 h, which for the usual token grids means
astronomically large vocabularies: hence the article's case for feeding raw patches and
generating them by diffusion. The demo computes the budget, the sequence lengths of pixel
autoregression, VQ tokens and raw patches, patchifies an image, noises its patches, and builds the
attention mask of a text + image + text sequence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from demos import params
from demos.blas import single_blas_thread
from demos.errors import DemoError

IMAGE_ATTENTION = ("bidirectional", "causal")
IMAGE_RANGE = (4, 1024)
BITS_RANGE = (0.0, 8.0)
SEQ_RANGE = (1, 2**20)
PATCH_RANGE = (1, 64)
MASK_TOKENS_RANGE = (0, 32)
DIFFUSION_STEPS = 1000
REFERENCE_VOCAB_LOG2 = (13, 14)
BUDGET_IMAGES = (64, 256)
BUDGET_LENGTHS = (1024, 256)
MAX_PREVIEW_GRID = 64


@dataclass(frozen=True)
class Retention:
    """Share of the image's bits that the tokens carry with a vocabulary of 2^vocab_log2."""

    vocab_log2: float
    fraction: float


@dataclass(frozen=True)
class BudgetRow:
    image_size: int
    total_bits: float
    seq_len: int
    bits_per_token: float
    retained: list[Retention]


@dataclass(frozen=True)
class NoisedPatches:
    """A synthetic image patchified and noised at diffusion step t (linear beta schedule).

    Patch means over the top-left crop of at most MAX_PREVIEW_GRID x MAX_PREVIEW_GRID patches.
    """

    step: int
    alpha_bar: float
    signal_scale: float
    noise_scale: float
    patch_means: list[list[float]]
    clean_patch_means: list[list[float]]


@dataclass(frozen=True)
class LosslessInputResult:
    image_size: int
    bits: float
    seq_len: int
    patch: int
    downsample: int
    total_bits: float
    bits_per_token: float
    min_vocab_log2: float
    min_vocab_log10: float
    min_vocab: float | None
    min_vocab_text: str
    vocab_log2: float | None
    lossless_feasible: bool | None
    retained: list[Retention]
    pixel_ar_length: int
    vq_length: int
    vq_ratio: float
    patch_shape: tuple[int, int, int]
    patch_tokens: int
    patch_dim: int
    mask_layout: list[str]
    attention_mask: list[list[int]]
    budget_table: list[BudgetRow]
    noised: NoisedPatches


@single_blas_thread
def lossless_input(
    image_size: object = 64,
    bits: object = 3.0,
    seq_len: object = 1024,
    patch: object = 4,
    downsample: object = 4,
    vocab_log2: object = None,
    text_len: object = 3,
    image_tokens: object = 4,
    suffix_len: object = 0,
    image_attention: object = "bidirectional",
    step: object = 500,
    seed: object = 0,
) -> LosslessInputResult:
    """Budget for a lossless code of `seq_len` tokens, patch shapes, mask and noised patches.

    The mask is drawn for a short sequence: `text_len` text tokens, `image_tokens` image patches,
    then `suffix_len` text tokens. `vocab_log2`, if given, is tested for lossless feasibility.
    """
    image_size = params.integer("image_size", image_size, *IMAGE_RANGE)
    bits = params.real("bits", bits, *BITS_RANGE, open_lo=True)
    seq_len = params.integer("seq_len", seq_len, *SEQ_RANGE)
    patch = params.integer("patch", patch, *PATCH_RANGE)
    downsample = params.integer("downsample", downsample, *PATCH_RANGE)
    for name, size in (("patch", patch), ("downsample", downsample)):
        if image_size % size:
            raise DemoError(f"{name} ({size}) must divide image_size ({image_size})")
    if vocab_log2 is not None:
        vocab_log2 = params.real("vocab_log2", vocab_log2, 1.0, 1e6)
    text_len = params.integer("text_len", text_len, *MASK_TOKENS_RANGE)
    image_tokens = params.integer("image_tokens", image_tokens, *MASK_TOKENS_RANGE)
    suffix_len = params.integer("suffix_len", suffix_len, *MASK_TOKENS_RANGE)
    image_attention = params.choice("image_attention", image_attention, IMAGE_ATTENTION)
    step = params.integer("step", step, 0, DIFFUSION_STEPS)
    seed = params.seed(seed)

    total = total_bits(image_size, bits)
    per_token = total / seq_len
    grid = image_size // patch
    layout = ["text"] * text_len + ["image"] * image_tokens + ["text"] * suffix_len
    pixels = 3 * image_size**2
    vq = (image_size // downsample) ** 2
    return LosslessInputResult(
        image_size=image_size,
        bits=bits,
        seq_len=seq_len,
        patch=patch,
        downsample=downsample,
        total_bits=total,
        bits_per_token=per_token,
        min_vocab_log2=per_token,
        min_vocab_log10=per_token * math.log10(2),
        min_vocab=2.0**per_token if per_token < 1000 else None,
        min_vocab_text=power_of_two_text(per_token),
        vocab_log2=vocab_log2,
        lossless_feasible=None if vocab_log2 is None else vocab_log2 >= per_token,
        retained=_retention(total, seq_len),
        pixel_ar_length=pixels,
        vq_length=vq,
        vq_ratio=pixels / vq,
        patch_shape=(grid, grid, 3 * patch * patch),
        patch_tokens=grid * grid,
        patch_dim=3 * patch * patch,
        mask_layout=layout,
        attention_mask=attention_mask(layout, image_attention),
        budget_table=budget_table(bits),
        noised=_noised_preview(image_size, patch, step, seed),
    )


def total_bits(image_size: int, bits: float) -> float:
    """3 n^2 h: the information in an n x n RGB image at h bits per sub-pixel."""
    return 3 * image_size * image_size * bits


def retained_fraction(total: float, seq_len: int, vocab_log2: float) -> float:
    """Share of the image's bits that L tokens over 2^v symbols can carry, capped at 1."""
    return min(1.0, seq_len * vocab_log2 / total)


def power_of_two_text(exponent: float) -> str:
    """2^x written as a.bcde+NN without overflowing floats."""
    log10 = exponent * math.log10(2)
    whole = math.floor(log10)
    return f"{10 ** (log10 - whole):.3f}e{whole:+d}"


def budget_table(bits: float = 3.0) -> list[BudgetRow]:
    """The article's table: 64^2 and 256^2 images coded with 1024 or 256 tokens."""
    rows = []
    for size in BUDGET_IMAGES:
        total = total_bits(size, bits)
        for length in BUDGET_LENGTHS:
            rows.append(BudgetRow(size, total, length, total / length, _retention(total, length)))
    return rows


def _retention(total: float, seq_len: int) -> list[Retention]:
    return [Retention(v, retained_fraction(total, seq_len, v)) for v in REFERENCE_VOCAB_LOG2]


def patchify(image: np.ndarray, patch: int) -> np.ndarray:
    """(n, n, c) -> (n/p, n/p, p*p*c); each patch flattened row-major as (p, p, c)."""
    n, m, c = image.shape
    if n % patch or m % patch:
        raise DemoError(f"patch ({patch}) must divide the image sides {n}x{m}")
    blocks = image.reshape(n // patch, patch, m // patch, patch, c).swapaxes(1, 2)
    return blocks.reshape(n // patch, m // patch, patch * patch * c)


def unpatchify(patches: np.ndarray, patch: int) -> np.ndarray:
    """Inverse of `patchify`."""
    rows, cols, dim = patches.shape
    channels = dim // (patch * patch)
    if channels * patch * patch != dim:
        raise DemoError(f"patch dimension {dim} is not a multiple of {patch}x{patch}")
    blocks = patches.reshape(rows, cols, patch, patch, channels).swapaxes(1, 2)
    return blocks.reshape(rows * patch, cols * patch, channels)


def attention_mask(layout: list[str], image_attention: str = "bidirectional") -> list[list[int]]:
    """1 where row may attend to column: causal everywhere, except that with "bidirectional"
    the tokens of one contiguous image block all see each other."""
    size = len(layout)
    mask = np.tril(np.ones((size, size), dtype=int))
    if image_attention == "bidirectional":
        start = 0
        while start < size:
            end = start + 1
            while end < size and layout[end] == layout[start]:
                end += 1
            if layout[start] == "image":
                mask[start:end, start:end] = 1
            start = end
    return mask.tolist()


def linear_alpha_bar(step: int, steps: int = DIFFUSION_STEPS) -> float:
    """cumprod(1 - beta) of the DDPM linear schedule beta = 1e-4 .. 0.02 at `step` (0 = clean)."""
    if step == 0:
        return 1.0
    betas = np.linspace(1e-4, 0.02, steps)
    return float(np.prod(1 - betas[:step]))


def noise_patches(
    patches: np.ndarray, step: int, rng: np.random.Generator
) -> tuple[np.ndarray, float]:
    """sqrt(abar) x + sqrt(1 - abar) eps, the forward diffusion of the patches at `step`."""
    alpha_bar = linear_alpha_bar(step)
    noise = rng.standard_normal(patches.shape)
    return math.sqrt(alpha_bar) * patches + math.sqrt(1 - alpha_bar) * noise, alpha_bar


def synthetic_image(size: int) -> np.ndarray:
    """A smooth RGB test pattern in [-1, 1] (no uploads in this demo)."""
    axis = np.linspace(-1.0, 1.0, size)
    y, x = np.meshgrid(axis, axis, indexing="ij")
    red = np.cos(3 * x) * np.cos(2 * y)
    green = np.tanh(4 * (x * x + y * y) - 1.5)
    blue = np.sin(2.5 * (x + y))
    return np.stack([red, green, blue], axis=-1)


def _noised_preview(image_size: int, patch: int, step: int, seed: int) -> NoisedPatches:
    grid = min(image_size // patch, MAX_PREVIEW_GRID)
    side = grid * patch
    clean = patchify(synthetic_image(image_size)[:side, :side], patch)
    noised, alpha_bar = noise_patches(clean, step, np.random.default_rng(seed))
    return NoisedPatches(
        step=step,
        alpha_bar=alpha_bar,
        signal_scale=math.sqrt(alpha_bar),
        noise_scale=math.sqrt(1 - alpha_bar),
        patch_means=noised.mean(axis=2).tolist(),
        clean_patch_means=clean.mean(axis=2).tolist(),
    )
