"""The lossless-input demo's figures: the attention mask, patches, sequence lengths."""

from __future__ import annotations

from web.demo_pages.figures import Figure
from web.plots import Band, BarRows, Heatmap, cell_ticks

TOKEN_COLOURS = {"text": "#1f6fd1", "image": "#e08a00"}


def lossless_input_figures(r: dict) -> list[Figure]:
    layout = r["mask_layout"]
    size = len(layout)
    figures = []
    if size:
        mask = Heatmap(
            "lossless-mask",
            f"Attention mask of {size} tokens",
            r["attention_mask"],
            x_label="attended token",
            y_label="attending token",
            x_ticks=cell_ticks(size, 12),
            y_ticks=cell_ticks(size, 12),
            categories={1: ("#3f9a6a", "may attend"), 0: ("#e6e6ec", "masked")},
            band=Band(layout, TOKEN_COLOURS),
            square=True,
            height=420,
            note="strips: token type (text / image patch)",
        )
        figures.append(Figure("mask", mask.svg()))
    noised = r["noised"]
    grid = len(noised["patch_means"])
    ticks = cell_ticks(grid, 8)
    for name, key, title in (
        ("clean", "clean_patch_means", "Clean patches"),
        ("noised", "patch_means", f"Noised at step {noised['step']}"),
    ):
        heat = Heatmap(
            f"lossless-{name}",
            f"{title} ({grid}×{grid} patches)",
            noised[key],
            x_label="patch column",
            y_label="patch row",
            x_ticks=ticks,
            y_ticks=ticks,
            value_range=(-2.0, 2.0),
            stops=("#2b2d6e", "#6b8fd6", "#f2f2f2", "#e0825a", "#7a1f1f"),
            value_label="patch mean",
            square=True,
            width=480,
            height=400,
            note=f"√ᾱ = {noised['signal_scale']:.3f}, noise {noised['noise_scale']:.3f}"
            if name == "noised"
            else "mean of each patch's sub-pixels",
        )
        figures.append(Figure(name, heat.svg()))
    lengths = BarRows(
        "lossless-lengths",
        f"Sequence length of one {r['image_size']}×{r['image_size']} image",
        [
            "pixel autoregression",
            f"VQ tokens (÷{r['downsample']})",
            f"raw patches ({r['patch']}×{r['patch']})",
            "lossless code of seq_len",
        ],
        x_label="tokens (log scale)",
        x_log=True,
    ).add("tokens", [r["pixel_ar_length"], r["vq_length"], r["patch_tokens"], r["seq_len"]])
    figures.append(Figure("lengths", lengths.svg()))
    return figures
