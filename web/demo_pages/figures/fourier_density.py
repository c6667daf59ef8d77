"""The Fourier-density demo's figures: the fitted densities, the unit series, its spectrum."""

from __future__ import annotations

from web.demo_pages.figures import Figure
from web.plots import INK, PALETTE, Chart, format_number


def fourier_density_figures(r: dict) -> list[Figure]:
    edges = r["histogram_edges"]
    density = Chart(
        "fourier-density",
        f"Density fits to {r['samples']} samples of '{r['target']}'",
        x_label="y",
        y_label="density",
        note=f"Fourier series with N = {r['terms']} ({r['fbdm']['parameters']} parameters), "
        f"mixtures of {r['gmm']['components']} Gaussians ({r['gmm']['parameters']})",
    )
    density.bars(edges[:-1], edges[1:], r["histogram"], "samples", colour="#9a9aa2")
    density.line(r["grid"], r["true_density"], "true density", colour=INK, width=1.5)
    density.line(r["grid"], r["fbdm_density"], "Fourier series", colour=PALETTE[0], width=2.5)
    density.line(r["grid"], r["gmm_density"], "mixture, gradient", colour=PALETTE[1])
    density.line(r["grid"], r["gmm_em_density"], "mixture, EM", colour=PALETTE[2], dash="6 4")
    unit = Chart(
        "fourier-unit",
        "The series on [−1, 1] before the tanh map",
        x_label="x = tanh((y − μ) / σ)",
        y_label="p(x)",
        width=480,
        height=320,
        note=f"minimum {format_number(r['fbdm']['unit_min'])}: never negative by construction",
    )
    unit.line(r["unit_grid"], r["unit_density"])
    unit.hline(0.0)
    mags = r["fbdm"]["coefficient_magnitudes"]
    spectrum = Chart(
        "fourier-spectrum",
        "Spectrum |cₙ| / c₀",
        x_label="frequency n",
        y_label="|cₙ| / c₀ (log scale)",
        y_log=True,
        width=480,
        height=320,
    )
    spectrum.line(list(range(len(mags))), mags)
    spectrum.points(list(range(len(mags))), mags, colour=PALETTE[0], radius=3.0)
    return [
        Figure("density", density.svg()),
        Figure("unit", unit.svg()),
        Figure("spectrum", spectrum.svg()),
    ]
