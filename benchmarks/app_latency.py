"""How fast does the live app read a camera frame? Server-side time per 640x480 frame, p50 and p95.

Not part of the tests. Loads the readers exactly as ``python -m helpers app`` does (models from
``models/``, saved by notebooks 07, 11 and 14), warms them up, then times ``--frames`` generated
camera frames (a stand-in house number on a wall, drifting like a hand-held camera) through the
house reader, and ``--frames`` drawings through each draw reader. Two ways are timed for the house
reader:

* ``server``: the app's own path (``Readers.run``: the picture already decoded), the figure the
  issue's target (150 ms p95) is about;
* ``http``: the same frames as JPEG through the real HTTP stack (uvicorn on a local port), as the
  page sends them: decoding and the round trip included.

    python benchmarks/app_latency.py [--frames 200] [--no-http]

Prints one line per path: frames, p50, p95, mean and frames per second, and the share of frames
read right (the generated frames' number is known).
"""

from __future__ import annotations

import argparse
import io
import platform
import socket
import sys
import threading
import time

import numpy as np


def summary(name: str, ms: np.ndarray, right: float | None = None) -> str:
    p50, p95 = np.percentile(ms, [50, 95])
    line = (f"{name:34} {len(ms):5d} {p50:8.1f} {p95:8.1f} {ms.mean():8.1f} {1000 / ms.mean():8.1f}")
    return line + (f" {right:8.0%}" if right is not None else "")


def cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200, help="frames (and drawings) to time (default 200)")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP round trip")
    args = parser.parse_args(argv)

    from PIL import Image

    from helpers.app import frames, readers

    app_readers = readers.Readers()  # loads and warms up, as the app does
    missing = {name: r.missing for name, r in app_readers.readers.items() if not r.ready}
    if "house" in missing:
        print(f"error: {missing['house']}", file=sys.stderr)
        return 1
    import os

    print(f"CPU: {cpu_name()}, {os.cpu_count()} cores; TensorFlow oneDNN "
          f"{os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'default')}")
    for name, state in app_readers.status().items():
        print(f"  {name:9} " + (f"{state['notebook']} ({state['profile']} profile), {state['dataset']}"
                                if state["ready"] else "missing"))
    video, number = frames.camera_frames(args.frames, digits=[1, 4, 7], seed=1)
    print(f"\n{'path':34} {'frames':>5} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} {'frames/s':>8} {'right':>8}")

    results = [app_readers.run("house", frame) for frame in video]
    server_ms = np.array([r["server_ms"] for r in results])
    right = np.mean([r["number"] == number for r in results])
    print(summary("house, server (640x480 frame)", server_ms, right))

    if not args.no_http:
        import httpx
        import uvicorn

        from helpers.app import server

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        uv = uvicorn.Server(uvicorn.Config(server.create_app(app_readers), host="127.0.0.1", port=port,
                                           log_level="warning", log_config=None))
        thread = threading.Thread(target=uv.run, daemon=True)
        thread.start()
        while not uv.started:
            time.sleep(0.05)
        bodies = []
        for frame in video:
            buffer = io.BytesIO()
            Image.fromarray(frame).save(buffer, format="JPEG", quality=85)
            bodies.append(buffer.getvalue())
        round_trip, right_http = [], []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for body in bodies:
                start = time.perf_counter()
                answer = client.post("/api/read/house", content=body, headers={"Content-Type": "image/jpeg"})
                round_trip.append((time.perf_counter() - start) * 1000)
                right_http.append(answer.json().get("number") == number)
        uv.should_exit = True
        thread.join(10)
        print(summary("house, HTTP round trip (JPEG)", np.array(round_trip), float(np.mean(right_http))))

    if app_readers.readers["digit"].ready:
        strokes = np.zeros((280, 280, 3), dtype=np.uint8)
        strokes[60:220, 130:150] = 255
        ms = np.array([app_readers.run("digit", strokes)["server_ms"] for _ in range(args.frames)])
        print(summary("digit, server (280x280 drawing)", ms))
    if app_readers.readers["sequence"].ready:
        strokes = np.zeros((200, 640, 3), dtype=np.uint8)
        for x in (150, 300, 450):
            strokes[40:160, x:x + 14] = 255
        ms = np.array([app_readers.run("sequence", strokes)["server_ms"] for _ in range(args.frames)])
        print(summary("sequence, server (640x200 drawing)", ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
