"""The length-extrapolation demo's figures: coverage, frequency ratios and position maps."""

from __future__ import annotations

from web.demo_pages.figures import Figure
from web.plots import Chart, Heatmap, cell_ticks, format_number


def length_extrapolation_figures(r: dict) -> list[Figure]:
    dims, method = r["dims"], r["method"]
    coverage = Chart(
        "length-coverage",
        f"Share of test distances whose angle was trained ({method})",
        x_label="dimension pair i (θᵢ = base^(−2i/d))",
        y_label="covered share of Δ < L_test",
        y_range=(0.0, 1.05),
        height=300,
        note=f"L_train = {r['train_len']}, L_test = {r['test_len']}; "
        f"uncovered overall: {r['uncovered_fraction']:.2%}",
    )
    coverage.line(dims, r["coverage"], method)
    ratio = Chart(
        "length-theta",
        f"Frequency change θᵢ′/θᵢ and trained turns rᵢ ({method})",
        x_label="dimension pair i",
        y_label="ratio (log scale)",
        y_log=True,
        height=300,
        note=f"scale s = L_test / L_train = {format_number(r['scale'])}",
    )
    ratio.line(dims, r["theta_ratio"], "θᵢ′ / θᵢ")
    ratio.line(dims, r["turns"], "turns rᵢ in training", dash="7 4")
    ratio.hline(1.0, "one full turn / ratio 1")

    edges = r["coverage_bin_edges"]
    bins = len(edges) - 1
    step = max(1, bins // 4)
    x_ticks = [(k, format_number(edges[k])) for k in range(0, bins + 1, step)]
    rows = len(dims)
    y_ticks = cell_ticks(rows, 8)
    heat = Heatmap(
        "length-coverage-map",
        f"Trained angles per pair and distance ({method})",
        r["coverage_map"],
        x_label="relative distance Δ",
        y_label="dimension pair i",
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        value_range=(0.0, 1.0),
        value_label="share covered",
    )
    rel = r["relative_map"]
    size = len(rel)
    rel_map = Heatmap(
        "length-relative-map",
        f"Relative position fed to RoPE, {size} tokens ({method})",
        rel,
        x_label="key position j",
        y_label="query position i",
        x_ticks=cell_ticks(size, 8),
        y_ticks=cell_ticks(size, 8),
        value_label="rel(i − j)",
        cell_text=size <= 16,
        square=True,
        height=420,
        note=f"window shrunk to {r['relative_map_window']} for this small map"
        if "rerope" in method
        else None,
    )
    return [
        Figure("coverage", coverage.svg()),
        Figure("theta-ratio", ratio.svg()),
        Figure("coverage-map", heat.svg()),
        Figure("relative-map", rel_map.svg()),
    ]
