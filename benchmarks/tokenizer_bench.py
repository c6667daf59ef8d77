"""Tokenizer: coolpapers' BytePiece (compiled and pure-Python paths) against SentencePiece
unigram and BPE trained to the same vocabulary size, measured in the same run.

    .venv/bin/python -m benchmarks.tokenizer_bench [--repeats 7] [--skip-pure-training]

The arXiv abstracts of the test fixtures are split by a hash of each line: a fifth is held out.
Every tokenizer is trained on the rest, then tokenizes the held-out abstracts one call per
abstract (ids out). Reported: throughput in MB/s of UTF-8 input (CPU time of the process, best
of ``--repeats`` passes, so that other load on the machine counts less; wall time alongside),
compression in bytes per token, and for training the CPU time and the peak resident memory of
a child process that does only that training (its resident memory after the imports is shown
too). SentencePiece runs lossless (identity normalisation) with byte fallback and one thread.

Training is also timed for the settings of the original BytePiece's reference model
(order 6, min_count 2, max_vocab_size 8000), for the compiled path, the pure-Python path and the
original BytePiece trainer itself (PyPI ``bytepiece``, in the ``bench`` extra; its source
distribution needs Cython at build time: ``pip install --no-build-isolation bytepiece``), each in
a child process of its own on the same training split; the models of the original and of the
compiled path are compared piece by piece (ids and counts).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokenizer import Tokenizer

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "bytepiece" / "arxiv-abstracts.txt"
RESULTS = ROOT / "benchmarks" / "results" / "tokenizer.json"

# The BytePiece settings benchmarked (the shipped model's) and the reference model's settings.
BENCH_SETTINGS = {"order": 12, "min_count": 3, "max_vocab_size": 8000}
REFERENCE_SETTINGS = {"order": 6, "min_count": 2, "max_vocab_size": 8000}
SAMPLING_ALPHA = 0.1


def split_corpus() -> tuple[list[str], list[str]]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    held_out = [line for line in lines if zlib.crc32(line.encode()) % 5 == 0]
    train = [line for line in lines if zlib.crc32(line.encode()) % 5 != 0]
    return train, held_out


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def sentencepiece_proto(train: list[str], vocab_size: int, model_type: str) -> bytes:
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(train),
        model_writer=model,
        vocab_size=vocab_size,
        model_type=model_type,
        byte_fallback=True,
        normalization_rule_name="identity",
        num_threads=1,
        max_sentence_length=1 << 16,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return model.getvalue()


# --- training, one child process per trainer --------------------------------------------------


def train_child(kind: str, vocab_size: int, out: Path) -> None:
    """Run inside a child process: train one tokenizer, write its model, print measurements."""
    train, _ = split_corpus()
    if kind.startswith("sentencepiece"):
        import sentencepiece  # noqa: F401  (imports before the baseline memory reading)
    elif kind.startswith("original"):
        import bytepiece  # the original (PyPI ``bytepiece``, the ``bench`` extra)
    else:
        from tokenizer import Trainer
    baseline = rss_mb()
    cpu, wall = time.process_time(), time.perf_counter()
    if kind.startswith("sentencepiece"):
        out.write_bytes(sentencepiece_proto(train, vocab_size, kind.split("-")[1]))
    elif kind.startswith("original"):
        settings = BENCH_SETTINGS if kind.endswith("bench") else REFERENCE_SETTINGS
        original = bytepiece.Trainer(**settings)
        original.train(train, workers=1)
        original.save(str(out))
    else:
        backend, settings = kind.split("-", 1)
        options = BENCH_SETTINGS if settings == "bench" else REFERENCE_SETTINGS
        trainer = Trainer(**options, backend=backend)
        trainer.train(train)
        trainer.save(out)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"cpu_s": cpu, "wall_s": wall, "peak_rss_mb": peak, "base_rss_mb": baseline}))


@dataclass
class Training:
    name: str
    cpu_s: float
    wall_s: float
    peak_rss_mb: float
    base_rss_mb: float


ORIGINAL_SITE = ROOT / "benchmarks" / "results" / "original-site"


def original_site() -> Path:
    """A directory with pyahocorasick built for bytes, as the original BytePiece needs it
    (``AHOCORASICK_BYTES=1``, from its source distribution), made once, for the original's
    child process only: the project's own pyahocorasick stays as installed."""
    if not list(ORIGINAL_SITE.glob("ahocorasick*.so")):
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
        command += ["--target", str(ORIGINAL_SITE), "--no-binary", "pyahocorasick"]
        command += ["pyahocorasick>=2"]
        subprocess.run(command, check=True, env={**os.environ, "AHOCORASICK_BYTES": "1"})
    return ORIGINAL_SITE


def train_in_child(kind: str, vocab_size: int, out: Path, name: str = "") -> Training:
    command = [sys.executable, "-m", "benchmarks.tokenizer_bench", "--train-child", kind]
    command += ["--vocab-size", str(vocab_size), "--out", str(out)]
    env = dict(os.environ)
    if kind.startswith("original"):
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(original_site()), str(ROOT), env.get("PYTHONPATH")])
        )
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    return Training(name=name or kind, **json.loads(done.stdout.strip().splitlines()[-1]))


def same_model(ours: Path, original: Path) -> bool:
    """Whether two trained models hold the same pieces with the same ids and counts."""
    return bool(json.loads(ours.read_text()) == json.loads(original.read_text()))


# --- tokenizing -------------------------------------------------------------------------------


@dataclass
class Tokenizing:
    name: str
    mb_per_s_cpu: float
    mb_per_s_wall: float
    bytes_per_token: float
    vocab_size: int


def measure(
    name: str, encode: Callable[[str], list[int]], texts: list[str], repeats: int, vocab: int
) -> Tokenizing:
    size = sum(len(text.encode()) for text in texts)
    best_cpu = best_wall = float("inf")
    tokens = 0
    for _ in range(repeats):
        cpu, wall = time.process_time(), time.perf_counter()
        tokens = sum(len(encode(text)) for text in texts)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return Tokenizing(name, size / best_cpu / 1e6, size / best_wall / 1e6, size / tokens, vocab)


def long_line_ratio(tokenizer: Tokenizer, texts: list[str], repeats: int) -> tuple[float, int]:
    """CPU time per byte of one ~4 MB line without newlines over that of the abstracts."""
    line = " ".join(texts * (4_000_000 // sum(len(t.encode()) + 1 for t in texts) + 1))
    short = measure("short", tokenizer.encode, texts, repeats, 0).mb_per_s_cpu
    long = measure("long", tokenizer.encode, [line], max(2, repeats // 3), 0).mb_per_s_cpu
    return short / long, len(line.encode())


def run(repeats: int, skip_pure_training: bool) -> dict:
    import sentencepiece as spm

    from tokenizer import Tokenizer

    train, held_out = split_corpus()
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    print(
        f"corpus: {len(train)} abstracts to train on, {len(held_out)} held out "
        f"({sum(len(t.encode()) for t in held_out) / 1e3:.0f} kB)",
        flush=True,
    )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)

    trainings = [train_in_child("compiled-bench", 0, out / "bytepiece.model")]
    ours = Tokenizer(out / "bytepiece.model", backend="compiled")
    vocab_size = ours.vocab_size
    print(f"BytePiece {BENCH_SETTINGS}: vocabulary {vocab_size}", flush=True)
    kinds = ["sentencepiece-unigram", "sentencepiece-bpe", "compiled-reference"]
    kinds += ["original-reference"]  # the original BytePiece trainer, the same settings
    if not skip_pure_training:
        kinds += ["python-bench", "python-reference"]
    for kind in kinds:
        trainings.append(train_in_child(kind, vocab_size, out / f"{kind}.model"))
        print(f"trained {kind}", flush=True)
    # Compression with the reference settings, against SentencePiece at that vocabulary size.
    reference = Tokenizer(out / "compiled-reference.model", backend="compiled")
    trainings.append(
        train_in_child(
            "sentencepiece-unigram",
            reference.vocab_size,
            out / "sentencepiece-unigram-reference.model",
            name="sentencepiece-unigram-reference",
        )
    )

    pure = Tokenizer(out / "bytepiece.model", backend="python")
    sampler = Tokenizer(out / "bytepiece.model", seed=0, backend="compiled")
    unigram = spm.SentencePieceProcessor(
        model_proto=(out / "sentencepiece-unigram.model").read_bytes()
    )
    bpe = spm.SentencePieceProcessor(model_proto=(out / "sentencepiece-bpe.model").read_bytes())
    runs = [
        ("BytePiece compiled", ours.encode, repeats, vocab_size),
        ("BytePiece pure Python", pure.encode, max(1, repeats // 3), vocab_size),
        ("SentencePiece unigram", unigram.encode, repeats, unigram.vocab_size()),
        ("SentencePiece BPE", bpe.encode, repeats, bpe.vocab_size()),
        (
            f"BytePiece compiled, sampling alpha={SAMPLING_ALPHA}",
            lambda t: sampler.encode(t, alpha=SAMPLING_ALPHA),
            repeats,
            vocab_size,
        ),
        (
            f"SentencePiece unigram, sampling alpha={SAMPLING_ALPHA}",
            lambda t: unigram.encode(t, enable_sampling=True, alpha=SAMPLING_ALPHA, nbest_size=-1),
            repeats,
            unigram.vocab_size(),
        ),
    ]
    unigram_reference = spm.SentencePieceProcessor(
        model_proto=(out / "sentencepiece-unigram-reference.model").read_bytes()
    )
    runs += [
        ("BytePiece compiled, reference settings", reference.encode, repeats, reference.vocab_size),
        (
            "SentencePiece unigram, reference vocabulary",
            unigram_reference.encode,
            repeats,
            unigram_reference.vocab_size(),
        ),
    ]
    tokenizing = []
    for name, encode, passes, vocab in runs:
        tokenizing.append(measure(name, encode, held_out, passes, vocab))
        print(f"measured {name}", flush=True)
    ratio, line_bytes = long_line_ratio(ours, held_out, repeats)
    same = same_model(out / "compiled-reference.model", out / "original-reference.model")
    return {
        "identical_to_original": same,
        "settings": BENCH_SETTINGS,
        "reference_settings": REFERENCE_SETTINGS,
        "held_out_bytes": sum(len(t.encode()) for t in held_out),
        "tokenizing": [asdict(t) for t in tokenizing],
        "training": [asdict(t) for t in trainings],
        "long_line": {"bytes": line_bytes, "time_per_byte_ratio": 1 / ratio},
    }


def report(results: dict) -> None:
    tok = {t["name"]: t for t in results["tokenizing"]}
    base = tok["SentencePiece unigram"]
    print(
        "\n| tokenizer | vocab | MB/s (CPU) | MB/s (wall) | bytes/token | speed vs SP unigram "
        "| compression vs SP unigram |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for t in results["tokenizing"]:
        print(
            f"| {t['name']} | {t['vocab_size']} | {t['mb_per_s_cpu']:.2f} | "
            f"{t['mb_per_s_wall']:.2f} | {t['bytes_per_token']:.3f} | "
            f"{t['mb_per_s_cpu'] / base['mb_per_s_cpu']:.2f} | "
            f"{t['bytes_per_token'] / base['bytes_per_token']:.3f} |"
        )
    train = {t["name"]: t for t in results["training"]}
    print("\n| trainer | CPU s | wall s | peak RSS MB | RSS after imports MB |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for t in results["training"]:
        print(
            f"| {t['name']} | {t['cpu_s']:.2f} | {t['wall_s']:.2f} | {t['peak_rss_mb']:.0f} | "
            f"{t['base_rss_mb']:.0f} |"
        )
    line = results["long_line"]
    print(
        f"\none {line['bytes'] / 1e6:.1f} MB line: CPU time per byte "
        f"{line['time_per_byte_ratio']:.2f}x that of the abstracts"
    )
    ours = tok["BytePiece compiled"]
    checks = [
        (
            "tokenizing at least as fast as SentencePiece unigram",
            ours["mb_per_s_cpu"] >= base["mb_per_s_cpu"],
        ),
        (
            "compression at least 5% better than SentencePiece unigram",
            ours["bytes_per_token"] >= 1.05 * base["bytes_per_token"],
        ),
    ]
    fast, original = train["compiled-reference"], train["original-reference"]
    print(
        f"\nreference settings against the original BytePiece trainer, same corpus and run: "
        f"{original['cpu_s'] / fast['cpu_s']:.1f}x less CPU, "
        f"{original['wall_s'] / fast['wall_s']:.1f}x less wall time, "
        f"peak RSS {fast['peak_rss_mb']:.0f} MB against {original['peak_rss_mb']:.0f} MB"
    )
    checks += [
        (
            "reference-settings training at least 4x faster (CPU) than the original",
            fast["cpu_s"] * 4 <= original["cpu_s"],
        ),
        (
            "reference-settings training peak memory no more than the original",
            fast["peak_rss_mb"] <= original["peak_rss_mb"],
        ),
        ("the same model as the original trainer's", results["identical_to_original"]),
    ]
    if "python-reference" in train:
        fast, slow = train["compiled-reference"], train["python-reference"]
        checks.append(
            (
                "reference-settings training 4x faster than pure Python",
                fast["cpu_s"] * 4 <= slow["cpu_s"],
            )
        )
        checks.append(
            (
                "reference-settings training peak memory no more than pure Python",
                fast["peak_rss_mb"] <= slow["peak_rss_mb"],
            )
        )
    print(f"\nload average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for name, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--skip-pure-training", action="store_true")
    parser.add_argument("--train-child", help=argparse.SUPPRESS)
    parser.add_argument("--vocab-size", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.train_child:
        train_child(args.train_child, args.vocab_size, args.out)
        return
    results = run(args.repeats, args.skip_pure_training)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    report(results)


if __name__ == "__main__":
    main()
