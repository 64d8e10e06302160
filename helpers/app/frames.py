"""Camera frames without a camera: a house number on a wall, moving a little from frame to frame.

Used to measure the app's speed (``16_live_camera``, ``benchmarks/app_latency.py``)
and, written as a Y4M video, as the fake webcam of the browser test (Chromium's
``--use-file-for-fake-video-capture``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..files import atomic_path


def camera_frames(count: int = 30, digits: list[int] | None = None, size: tuple[int, int] = (480, 640),
                  seed: int = 0) -> tuple[np.ndarray, str]:
    """``count`` RGB frames ``(count, height, width, 3)`` uint8 of one house number, and the number.

    The number is a stand-in plate (:func:`helpers.standin.render_number`)
    scaled to about a third of the frame's height, on a wall of a random
    colour with a little texture; from frame to frame it drifts and the light
    changes slightly, as in a hand-held camera. Used by ``16_live_camera``.
    """
    from PIL import Image

    from .. import standin

    rng = np.random.default_rng(seed)
    plate, shown, _ = standin.render_number(rng, digits if digits is not None else [1, 4, 7])
    height, width = size
    scale = min(height * rng.uniform(0.3, 0.4) / plate.shape[0], width * 0.7 / plate.shape[1])
    plate = np.asarray(Image.fromarray(plate).resize((round(plate.shape[1] * scale), round(plate.shape[0] * scale)),
                                                     Image.BILINEAR), dtype=np.float32)
    wall = np.full((height, width, 3), rng.integers(70, 190, 3), dtype=np.float32)
    wall += rng.normal(0, 10, (height, width, 1))  # texture, the same in every frame
    frames = np.empty((count, height, width, 3), dtype=np.uint8)
    ph, pw = plate.shape[:2]
    cy, cx = (height - ph) / 2, (width - pw) / 2
    for i in range(count):
        top = int(np.clip(cy + 12 * np.sin(i / 5) + rng.normal(0, 2), 0, height - ph))
        left = int(np.clip(cx + 20 * np.cos(i / 7) + rng.normal(0, 2), 0, width - pw))
        frame = wall.copy()
        frame[top:top + ph, left:left + pw] = plate
        frame *= rng.uniform(0.9, 1.1)  # the camera's exposure changes
        frames[i] = np.clip(frame + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8)
    return frames, "".join(map(str, shown))


def write_y4m(frames: np.ndarray, path: Path, fps: int = 10) -> Path:
    """Write RGB ``frames`` as an uncompressed Y4M video (4:2:0, full-range BT.601), the fake camera's format.

    Chromium plays it as a webcam in the app's browser test (``python -m helpers app``).
    """
    count, height, width, _ = frames.shape
    if height % 2 or width % 2:
        raise ValueError(f"Y4M 4:2:0 needs even frame sizes, got {width}x{height}")
    path = Path(path)
    with atomic_path(path, suffix=".y4m") as tmp, open(tmp, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames.astype(np.float32):
            r, g, b = frame[..., 0], frame[..., 1], frame[..., 2]
            y = 0.299 * r + 0.587 * g + 0.114 * b
            u = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
            v = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
            half = [c.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3)) for c in (u, v)]
            out.write(b"FRAME\n")
            for plane in (y, *half):
                out.write(np.clip(np.round(plane), 0, 255).astype(np.uint8).tobytes())
    return path
