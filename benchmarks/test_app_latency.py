"""benchmarks/app_latency.py: it runs and reports on tiny models (the trained ones are not needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import app_latency

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from app_fixtures import save_tiny_models  # noqa: E402


def test_missing_models_say_which_notebook(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_MODELS_DIR", str(tmp_path))
    assert app_latency.main(["--frames", "2", "--no-http"]) == 1
    assert "14_svhn_multi_digit" in capsys.readouterr().err


def test_reports_p50_p95_and_frames_per_second_for_every_path(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_MODELS_DIR", str(tmp_path))
    save_tiny_models()
    assert app_latency.main(["--frames", "4"]) == 0
    out = capsys.readouterr().out
    assert "p50 ms" in out and "p95 ms" in out and "frames/s" in out
    for path in ("house, server", "house, HTTP round trip", "digit, server", "sequence, server"):
        line = next(line for line in out.splitlines() if line.startswith(path))
        assert int(line.split()[-6 if "house" in path else -5]) == 4, line  # frames timed
