"""benchmarks/standin_realism.py: its measures, on tiny inputs (the real field-check sample is not needed)."""

from __future__ import annotations

import numpy as np
import pytest
import standin_realism as realism


def test_a_missing_field_check_folder_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_DATA_MIRROR", raising=False)
    with pytest.raises(SystemExit, match="no SVHN field-check sample at .*--fieldcheck DIR"):
        realism.main(["--fieldcheck", str(tmp_path)])
    with pytest.raises(SystemExit, match="COURSE_DATA_MIRROR"):
        realism.main([])


def test_total_variation_is_0_for_the_same_histogram_and_1_for_disjoint_ones():
    bins = np.linspace(0, 1, 11)
    a = np.random.default_rng(0).uniform(0, 0.5, 1000)
    assert realism.total_variation(a, a.copy(), bins) == 0
    assert realism.total_variation(a, a + 0.5, bins) == pytest.approx(1)


def test_geometry_of_one_annotated_photo():
    entry = {"label": [1, 2], "left": [10, 30], "top": [5, 5], "width": [10, 12], "height": [20, 20]}
    geo = realism.geometry([entry], [(100, 40)])
    assert geo["length"].tolist() == [2] and geo["photo width"].tolist() == [100]
    np.testing.assert_allclose(geo["relative height"], [0.5, 0.5])
    np.testing.assert_allclose(geo["aspect ratio"], [0.5, 0.6])
    np.testing.assert_allclose(geo["gap / digit height"], [0.5])  # 30 - (10 + 10) = 10 pixels, digits 20 high


def test_colour_statistics_of_grey_and_saturated_images():
    grey = np.full((2, 32, 32, 3), 128, np.uint8)
    red = np.zeros((2, 32, 32, 3), np.uint8)
    red[..., 0] = 200
    assert realism.colour_stats(grey)["saturation"] == 0 and realism.colour_stats(grey)["sharpness"] == 0
    assert realism.colour_stats(red)["saturation"] == pytest.approx(255) and realism.colour_stats(red)["red"] == 200
