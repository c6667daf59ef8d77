import numpy as np
import pytest

from demos.errors import DemoError
from demos.lossless_input import (
    attention_mask,
    budget_table,
    linear_alpha_bar,
    lossless_input,
    patchify,
    unpatchify,
)


def test_budget_of_a_64_pixel_image():
    result = lossless_input(image_size=64, bits=3, seq_len=1024, patch=4)
    assert result.total_bits == 36864
    assert result.bits_per_token == 36
    assert result.min_vocab_log2 == 36
    assert result.min_vocab == pytest.approx(6.872e10, rel=1e-3)
    assert result.min_vocab_text == "6.872e+10"
    short = lossless_input(image_size=64, bits=3, seq_len=256)
    assert short.bits_per_token == 144
    assert short.min_vocab == pytest.approx(2.230e43, rel=1e-3)
    assert short.min_vocab_text == "2.230e+43"


def test_sequence_lengths_of_a_256_pixel_image():
    result = lossless_input(image_size=256, downsample=4)
    assert result.pixel_ar_length == 196608
    assert result.vq_length == 4096
    assert result.vq_ratio == 48


def test_vocabularies_too_large_for_floats_are_reported_as_text():
    result = lossless_input(image_size=256, seq_len=256)
    assert result.bits_per_token == 2304
    assert result.min_vocab is None
    assert result.min_vocab_text.endswith("e+693")


def test_feasibility_against_a_given_vocabulary():
    assert lossless_input(seq_len=1024, vocab_log2=36).lossless_feasible is True
    assert lossless_input(seq_len=1024, vocab_log2=14).lossless_feasible is False
    assert lossless_input().lossless_feasible is None


def test_budget_table_matches_the_reference():
    rows = {(r.image_size, r.seq_len): r for r in budget_table(3.0)}
    expected = {
        (64, 1024): (36, 0.361, 0.389),
        (64, 256): (144, 0.0903, 0.0972),
        (256, 1024): (576, 0.0226, 0.0243),
        (256, 256): (2304, 0.0056, 0.0061),
    }
    for key, (per_token, v13, v14) in expected.items():
        row = rows[key]
        assert row.bits_per_token == per_token
        assert [r.vocab_log2 for r in row.retained] == [13, 14]
        assert row.retained[0].fraction == pytest.approx(v13, abs=6e-4)
        assert row.retained[1].fraction == pytest.approx(v14, abs=6e-4)


def test_patch_shapes_and_exact_round_trip():
    assert lossless_input(image_size=64, patch=4).patch_shape == (16, 16, 48)
    assert lossless_input(image_size=128, patch=8).patch_shape == (16, 16, 192)
    rng = np.random.default_rng(0)
    for size, patch in ((64, 4), (128, 8)):
        image = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        patches = patchify(image, patch)
        assert patches.shape == (size // patch, size // patch, 3 * patch * patch)
        assert np.array_equal(unpatchify(patches, patch), image)
    # A patch holds one p x p block, row-major.
    image = np.arange(4 * 4 * 3).reshape(4, 4, 3)
    assert patchify(image, 2)[0, 1].tolist() == image[0:2, 2:4].reshape(-1).tolist()


def test_mask_for_three_text_tokens_and_four_patches():
    mask = np.array(lossless_input(text_len=3, image_tokens=4).attention_mask)
    assert mask.shape == (7, 7)
    assert (mask[3:7, 0:7] == 1).all()
    assert np.array_equal(mask[:3, :3], np.tril(np.ones((3, 3), dtype=int)))
    assert (mask[:3, 3:] == 0).all()


def test_causal_image_block_and_trailing_text():
    layout = ["text", "image", "image", "text"]
    assert attention_mask(layout, "causal") == np.tril(np.ones((4, 4), dtype=int)).tolist()
    assert attention_mask(layout, "bidirectional") == [
        [1, 0, 0, 0],
        [1, 1, 1, 0],
        [1, 1, 1, 0],
        [1, 1, 1, 1],
    ]


def test_noised_patches_follow_the_schedule():
    assert linear_alpha_bar(0) == 1.0
    assert 0 < linear_alpha_bar(1000) < 1e-4
    clean = lossless_input(step=0).noised
    assert clean.patch_means == clean.clean_patch_means
    noisy = lossless_input(step=500, seed=1).noised
    assert noisy.signal_scale**2 + noisy.noise_scale**2 == pytest.approx(1.0)
    assert len(noisy.patch_means) == 16 and len(noisy.patch_means[0]) == 16
    assert noisy.patch_means != noisy.clean_patch_means
    assert lossless_input(step=500, seed=1) == lossless_input(step=500, seed=1)
    assert len(lossless_input(image_size=1024, patch=1).noised.patch_means) == 64


@pytest.mark.parametrize(
    "kwargs",
    [
        {"image_size": 2},
        {"image_size": 100, "patch": 8},
        {"patch": 3},
        {"downsample": 3},
        {"bits": 0},
        {"bits": 9},
        {"seq_len": 0},
        {"text_len": 33},
        {"image_attention": "sparse"},
        {"step": 1001},
        {"vocab_log2": 0},
    ],
)
def test_bad_parameters_raise_demo_error(kwargs):
    with pytest.raises(DemoError):
        lossless_input(**kwargs)
