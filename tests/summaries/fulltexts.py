"""A small, realistic full text of the FlashMix test paper, stored as the extraction would."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fulltext import store
from fulltext.document import CodeLink, FullText, FullTextStatus, Reference, Section

INTRODUCTION = (
    "Long inputs are common in summarization, retrieval and code completion.\n\n"
    "However, the attention cost grows quadratically with the sequence length, which "
    "remains the main bottleneck of long-context models. Existing remedies trade accuracy "
    "for speed and fail on inputs beyond a few thousand tokens.\n\n"
    "In this paper we propose FlashMix, a mixing layer whose cost is $O(n \\log n)$."
)
RELATED = (
    "Sparse attention has been studied extensively, and prior work such as Longformer "
    "restricts each token to a local window. Linear attention methods approximate the softmax "
    "kernel with random features, unlike our exact mixing.\n\n"
    "State-space models are another line of work that scales linearly with length."
)
METHOD = (
    "We describe the mixing layer and its training objective in this section.\n\n"
    "Figure 1: The FlashMix layer, drawn as a mixing diagram.\n\n"
    "We propose to mix tokens through a fast Fourier transform followed by a learned gate."
)
METHOD_GATE = (
    "Our gate is based on a low-rank projection of the input, computed once per block.\n\n"
    "The gate keeps the layer causal when it is used for language modelling."
)
METHOD_COST = "We derive the cost of the layer and show it is dominated by the transform."
EXPERIMENTS = (
    "We evaluate FlashMix on three long-context benchmarks with inputs of up to 64k tokens.\n\n"
    "Table 1: Accuracy and speed on the three benchmarks."
)
RESULTS = (
    "Experiments show that FlashMix outperforms strong baselines by 4.2 points on average.\n\n"
    "It is also three times faster than attention at a length of 32k tokens."
)
CONCLUSION = (
    "We presented FlashMix, a fast mixing layer for long inputs that matches attention.\n\n"
    "A limitation of our study is that we only trained models of up to one billion "
    "parameters. In future work we plan to extend FlashMix to encoder-decoder models."
)
PROOFS = "The proof of the cost bound follows from the recursion of the transform."

SECTIONS = (
    Section("S1", "1", "Introduction", INTRODUCTION),
    Section("S2", "2", "Related Work", RELATED),
    Section("S3", "3", "The FlashMix layer", METHOD),
    Section("S3.SS1", "3.1", "A low-rank gate", METHOD_GATE, 2),
    Section("S3.SS2", "3.2", "Cost of mixing", METHOD_COST, 2),
    Section("S4", "4", "Experiments", EXPERIMENTS),
    Section("S4.SS1", "4.1", "Main results", RESULTS, 2),
    Section("S5", "5", "Conclusion", CONCLUSION),
    Section("A1", "A", "Proofs", PROOFS),
)
REFERENCES = (
    Reference("I. Beltagy et al. Longformer. arXiv:2004.05150", arxiv_id="2004.05150"),
    Reference("A. Gu and T. Dao. Mamba. arXiv:2312.00752", arxiv_id="2312.00752"),
    Reference("A. Vaswani et al. Attention is all you need. NeurIPS 2017."),
)
DOCUMENT = FullText(
    "html",
    SECTIONS,
    REFERENCES,
    title="FlashMix: fast mixing for long inputs",
    figures=3,
    tables=2,
)
OWN_CODE = CodeLink("https://github.com/ada/flashmix", "github.com", own=True)
CITED_CODE = CodeLink("https://github.com/other/longformer", "github.com", own=False)


async def store_full_text(
    sessions: async_sessionmaker[AsyncSession],
    paper_id: str = "2403.00001",
    version: int = 1,
    document: FullText = DOCUMENT,
    code_links: tuple[CodeLink, ...] = (CITED_CODE, OWN_CODE),
) -> None:
    async with sessions.begin() as session:
        await store.save(
            session,
            paper_id,
            version,
            FullTextStatus.OK,
            source=document.source,
            document=document,
            code_links=code_links,
        )
