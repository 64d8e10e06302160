"""The app's web server: a static page and a small JSON API, on FastAPI.

Endpoints (each reading endpoint takes the picture's bytes as the request
body, any format PIL reads):

* ``GET /``: the page; ``GET /static/...``: its script and style;
* ``GET /api/status``: which readers are ready, what they were trained on, and
  which notebook to run for a missing one;
* ``POST /api/read/house``: the house number in a camera frame or photo, with
  its box;
* ``POST /api/read/digit``, ``POST /api/read/sequence``: a drawing;
* ``POST /api/snapshot``: read a frame and save it annotated under
  ``runs/app/`` (the only endpoint that writes a file).

Bodies over :data:`MAX_BODY` get 413, pictures that cannot be read 400 with the
reason, a reader whose models are missing 503 naming the notebook to run, and
a request that finds another inference running for longer than the readers'
``busy_wait`` 429. Taught in ``16_live_camera``.
"""

from __future__ import annotations

import time
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from .. import photos
from ..files import atomic_path
from ..machinery import paths
from .readers import Readers, decode_image

MAX_BODY = 10 * 1024 * 1024  # 10 MB: a large phone photo; a camera frame is about 50 KB
STATIC = Path(__file__).parent / "static"


def error(status: int, message: str) -> JSONResponse:
    """A JSON error ``{"error": message}`` with HTTP ``status``, as every endpoint of ``python -m helpers app`` answers."""
    return JSONResponse({"error": message}, status_code=status)


async def read_body(request: Request) -> bytes | JSONResponse:
    """The request body, or a 413 response as soon as it passes :data:`MAX_BODY` (never read whole).

    Used by every reading endpoint of ``python -m helpers app``.
    """
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        return error(413, f"the picture is {int(declared) / 1e6:.1f} MB; the limit is {MAX_BODY / 1e6:.0f} MB. "
                          "Send a smaller picture (scale it down or save it as JPEG).")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return error(413, f"the picture is over the {MAX_BODY / 1e6:.0f} MB limit. "
                              "Send a smaller picture (scale it down or save it as JPEG).")
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(readers: Readers | None = None, snapshots: Path | None = None) -> FastAPI:
    """The FastAPI application around ``readers`` (loaded from ``models/`` when None).

    ``snapshots`` is where ``/api/snapshot`` saves (default ``runs/app``).
    Served by ``python -m helpers app``; called through a test client in ``16_live_camera``.
    """
    readers = readers if readers is not None else Readers()
    app = FastAPI(title="Digit course: live reader", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.readers = readers
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/")
    async def page():
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    @app.get("/api/status")
    async def status():
        return {"readers": readers.status(), "max_body": MAX_BODY}

    async def picture_of(request: Request):
        """The request's picture as an RGB array, or the error response to send instead."""
        body = await read_body(request)
        if isinstance(body, JSONResponse):
            return body
        try:
            return await run_in_threadpool(decode_image, body)
        except photos.PhotoError as err:
            return error(400, f"not a picture the app can read: {err}")

    async def read(name: str, request: Request):
        reader = readers.readers[name]
        if not reader.ready:
            return error(503, reader.missing), None
        picture = await picture_of(request)
        if isinstance(picture, JSONResponse):
            return picture, None
        result = await run_in_threadpool(readers.run, name, picture)
        if result is None:
            return error(429, "busy with the previous picture; send the next one when its answer is back"), None
        return {**result, "model": reader.describe()}, picture

    @app.post("/api/read/{name}")
    async def read_any(name: str, request: Request):
        if name not in readers.readers:
            return error(404, f"no reader {name!r}; the readers are {', '.join(readers.readers)}")
        return (await read(name, request))[0]

    @app.post("/api/snapshot")
    async def snapshot(request: Request):
        response, picture = await read("house", request)
        if picture is None:
            return response
        folder = snapshots or paths.runs_dir() / "app"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = folder / f"snapshot-{stamp}-{response['number'] or 'none'}.png"
        with atomic_path(target, suffix=".png") as tmp:
            await run_in_threadpool(lambda: photos.annotate(picture, response).save(tmp, format="PNG"))
        return {**response, "saved": str(target)}

    return app
