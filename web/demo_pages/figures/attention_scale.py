"""The attention-scale demo's figures: α* against n, and the objective against α."""

from __future__ import annotations

from web.demo_pages.figures import Figure
from web.plots import INK, PALETTE, Chart, format_number


def attention_scale_figures(r: dict) -> list[Figure]:
    grid_n, fit = r["grid_n"], r["grid_fit"]
    form = "√(log n)" if r["kind"] == "normal" else "log n"
    alpha = Chart(
        "attention-alpha",
        "Optimal scale α* against n (the article's mean-field approximation)",
        x_label="n, the number of keys",
        y_label="α*",
        x_log=True,
        x_range=(min(40, r["n"]) / 1.2, max(20000, r["n"]) * 1.2),
        note=f"{r['kind']} scores" + (f", d = {r['d']}" if r["kind"] == "cosine" else ""),
    )
    alpha.line(grid_n, r["grid_alpha_star"], "α* (mean-field)")
    alpha.line(grid_n, fit, f"fit {format_number(r['coefficient'])}·{form}", dash="7 4")
    if r["article_coefficient"] is not None and r["coefficient"]:
        basis = [f / r["coefficient"] for f in fit]
        alpha.line(
            grid_n,
            [r["article_coefficient"] * b for b in basis],
            f"article {format_number(r['article_coefficient'])}·{form}",
            dash="2 3",
        )
    alpha.points([r["n"]], [r["alpha_star"]], f"n = {r['n']}", colour=INK, radius=5.0)

    curve = r["curve"]
    objective = Chart(
        "attention-objective",
        f"Objective α (1 − Σ p²) against α at n = {r['n']}",
        x_label="α, the softmax scale",
        y_label="α (1 − Σ p²)",
        note="α* maximises the approximation; the exact objective peaks later",
    )
    objective.line(curve["alphas"], curve["mean_field"], "mean-field approximation")
    if curve["monte_carlo"] is not None:
        objective.line(
            curve["alphas"],
            curve["monte_carlo"],
            f"exact, Monte Carlo ({curve['monte_carlo_trials']} trials)",
        )
    objective.vline(r["alpha_star"], "α* (approximation)", colour=PALETTE[0])
    if curve["monte_carlo_alpha_star"] is not None:
        objective.vline(
            curve["monte_carlo_alpha_star"], "argmax of the exact curve", colour=PALETTE[1]
        )
    return [Figure("alpha-star", alpha.svg()), Figure("objective", objective.svg())]
