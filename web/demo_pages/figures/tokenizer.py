"""The tokenizer demo's figures: bytes per token, and pieces by length."""

from __future__ import annotations

from web.demo_pages.figures import Figure
from web.plots import PALETTE, BarRows, Chart, format_number


def tokenizer_figures(r: dict) -> list[Figure]:
    labels = ["Viterbi"] + [f"sample {k}" for k in range(1, len(r["samples"]) + 1)]
    values = [r["bytes_per_token"]] + [s["bytes_per_token"] for s in r["samples"]]
    figures = [
        Figure(
            "compression",
            BarRows(
                "tokenizer-compression",
                f"Bytes per token ({r['bytes']} bytes of text)",
                labels,
                x_label="bytes per token",
                note=f"samples drawn at α = {format_number(r['alpha'])}, seed {r['seed']}",
            )
            .add("bytes per token", [v or 0.0 for v in values])
            .svg(),
        )
    ]
    lengths = [len(p["bytes"]) // 2 for p in r["pieces"]]
    if lengths:
        top = max([*lengths, *(len(p["bytes"]) // 2 for s in r["samples"] for p in s["pieces"])])
        ks = list(range(1, top + 1))
        chart = Chart(
            "tokenizer-lengths",
            "Pieces by length",
            x_label="piece length (bytes)",
            y_label="pieces",
            x_range=(0.4, top + 0.6),
            height=300,
        )
        chart.columns(ks, [lengths.count(k) for k in ks], "Viterbi")
        if r["samples"]:
            mean = [
                sum(len(p["bytes"]) // 2 == k for s in r["samples"] for p in s["pieces"])
                / len(r["samples"])
                for k in ks
            ]
            chart.line(ks, mean, "samples (mean)", colour=PALETTE[1])
            chart.points(ks, mean, colour=PALETTE[1], radius=3.0)
        figures.append(Figure("lengths", chart.svg()))
    return figures
