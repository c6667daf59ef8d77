"""BytePiece, coolpapers' tokenizer: byte-level Unigram tokenization and its training.

It reads and writes the original BytePiece model format and reproduces the original's output
exactly (segmentations, and trained pieces with their counts), with a compiled extension for the
hot loops and a pure-Python path kept as the reference and fallback.

- ``Tokenizer(model, seed=None, backend=None)``: ``tokenize``, ``encode``, ``decode``,
  ``encode_with_offsets``; ``alpha >= 0`` samples segmentations exactly.
- ``Trainer(...)``: ``train(texts)`` then ``save(path)``.
- ``default_tokenizer()``: the shipped model trained on arXiv titles and abstracts.

The compiled extension (``tokenizer._fast``, built by ``pip install -e .``) is used when it is
there; ``backend="python"`` forces the pure path (the site's TOKENIZER_BACKEND setting).
Modules: ``tokenizer`` (the Tokenizer), ``pure`` (pure segmenter), ``bnlm`` (the byte n-gram
model of training), ``pruning``, ``trainer``, ``model`` (file format), ``text`` (normalisation
and chunking), ``rng`` (the random stream), ``backends``, ``default``.
"""

from tokenizer.default import default_model_path, default_tokenizer
from tokenizer.model import NotSegmentable, Vocabulary, load_vocabulary
from tokenizer.tokenizer import Encoding, Tokenizer
from tokenizer.trainer import Trainer

__all__ = [
    "Encoding",
    "NotSegmentable",
    "Tokenizer",
    "Trainer",
    "Vocabulary",
    "default_model_path",
    "default_tokenizer",
    "load_vocabulary",
]
