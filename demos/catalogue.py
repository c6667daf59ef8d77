"""The list of demos shown on the /demos index page, one per blog article."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoInfo:
    slug: str
    title: str
    summary: str
    url: str
    related_urls: tuple[str, ...] = ()

    @property
    def endpoint(self) -> str:
        return f"/api/demos/{self.slug}"


CATALOGUE: tuple[DemoInfo, ...] = (
    DemoInfo(
        slug="tied-embeddings",
        title="Tied output embeddings at initialisation",
        summary="Why a tied embedding starts far above log n, and four ways to fix it.",
        url="https://kexue.fm/archives/9698",
    ),
    DemoInfo(
        slug="segmentations",
        title="Perfect sampling of tokenizer segmentations",
        summary="Every segmentation of a text, its exact probability and sampled frequencies.",
        url="https://kexue.fm/archives/9811",
        related_urls=("https://kexue.fm/archives/9752", "https://kexue.fm/archives/9768"),
    ),
    DemoInfo(
        slug="attention-scale",
        title="Attention scale from gradient maximisation",
        summary="The softmax scale that maximises the gradient, against the number of keys.",
        url="https://kexue.fm/archives/9812",
    ),
    DemoInfo(
        slug="retry",
        title="Retry loops in a for statement",
        summary="Simulated flaky calls through a retry block, against the exact expectations.",
        url="https://kexue.fm/archives/9938",
    ),
    DemoInfo(
        slug="length-extrapolation",
        title="RoPE length extrapolation explorer",
        summary="Which rotation angles PI, NTK-aware, YaRN and ReRoPE leave untrained.",
        url="https://kexue.fm/archives/9948",
    ),
    DemoInfo(
        slug="lossless-input",
        title="Lossless image input: the bit budget",
        summary="How many bits image tokens must carry, and the patch sequence of a mixed model.",
        url="https://kexue.fm/archives/9984",
    ),
    DemoInfo(
        slug="fourier-density",
        title="Fourier-series density fitting",
        summary="A positive Fourier series fitted to samples, next to a Gaussian mixture.",
        url="https://kexue.fm/archives/10007",
    ),
)


def find(slug: str) -> DemoInfo | None:
    """The catalogue entry for `slug`, if any."""
    return next((info for info in CATALOGUE if info.slug == slug), None)
