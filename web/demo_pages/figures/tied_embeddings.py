"""The tied-embeddings demo's figure: initial loss against σ for each scheme."""

from __future__ import annotations

from web.demo_pages.figures import Figure
from web.plots import INK, Chart

SCHEME_LABELS = {
    "tied": "tied",
    "untied": "untied",
    "tied-orthogonal": "tied + orthogonal P",
    "tied-swap": "tied + half swap",
    "tied-shuffle": "tied + shuffle",
}


def tied_embeddings_figures(r: dict) -> list[Figure]:
    sweep = r["sweep"]
    chart = Chart(
        "tied-sweep",
        f"Initial loss against σ (n = {r['n']}, d = {r['d']})",
        x_label="σ, the standard deviation of the embedding entries",
        y_label="mean cross-entropy (nats)",
        x_log=True,
        y_log=True,
        note=f"Monte Carlo over {sweep['rows']} rows per σ; dashed: log(e^(dσ) + n − 1)",
    )
    for scheme, losses in sweep["losses"].items():
        chart.line(sweep["sigmas"], losses, SCHEME_LABELS.get(scheme, scheme))
    chart.line(
        sweep["sigmas"],
        sweep["article_curve"],
        "article's formula",
        colour=INK,
        dash="7 4",
        width=1.5,
    )
    chart.hline(sweep["log_n"], "log n (uniform)")
    chart.points(
        [r["sigma"]],
        [r["loss"]],
        f"this run ({SCHEME_LABELS[r['scheme']]})",
        colour=INK,
        radius=5.0,
    )
    return [Figure("sweep", chart.svg())]
