// The live digit reader's page: camera, draw and upload tabs talking to the local server.
// One request at a time per tab: the next frame or drawing is sent only when the previous answer is back.
"use strict";

const $ = (id) => document.getElementById(id);
let readers = {};

// ---------- tabs and status ----------
function showTab(name) {
  for (const button of document.querySelectorAll("nav button")) {
    const selected = button.dataset.panel === name;
    button.setAttribute("aria-selected", String(selected));
    $("panel-" + button.dataset.panel).hidden = !selected;
  }
  if (name !== "camera") camera.pause();
}
for (const button of document.querySelectorAll("nav button")) button.addEventListener("click", () => showTab(button.dataset.panel));

function describe(reader, what) {
  if (!reader) return "";
  if (!reader.ready) return `<span class="standin">${what}: model missing. ${reader.message}</span>`;
  const data = reader.standin ? `<span class="standin">${reader.trained_on}</span>` : reader.trained_on;
  return `${what}: notebook ${reader.notebook} (${reader.profile} profile), trained on ${data}.`;
}

async function loadStatus() {
  try {
    const response = await fetch("/api/status");
    readers = (await response.json()).readers;
  } catch (err) {
    $("status").textContent = "The server does not answer: is `python -m helpers app` still running?";
    return;
  }
  $("camera-model").innerHTML = describe(readers.house, "House numbers");
  $("upload-model").innerHTML = describe(readers.house, "House numbers");
  updateDrawModel();
  const ready = Object.entries(readers).filter(([, r]) => r.ready).map(([n]) => n);
  $("status").textContent = `Readers ready: ${ready.length ? ready.join(", ") : "none"}. ` +
    "Pictures are read on this computer and not stored, except snapshots you save (runs/app/).";
}

function showMessage(id, text, isError = false) {
  const el = $(id);
  el.hidden = !text;
  el.textContent = text || "";
  el.classList.toggle("error", isError);
}

// POST a blob to an endpoint; returns {ok, data, ms}. Errors come back as {ok: false, data: {error}}.
async function send(url, blob) {
  const start = performance.now();
  try {
    const response = await fetch(url, { method: "POST", body: blob, headers: { "Content-Type": blob.type || "application/octet-stream" } });
    const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
    return { ok: response.ok, status: response.status, data, ms: performance.now() - start };
  } catch (err) {
    return { ok: false, status: 0, data: { error: "the server does not answer: is `python -m helpers app` still running?" }, ms: 0 };
  }
}

function drawBox(ctx, result, scale, threshold) {
  const W = ctx.canvas.width, H = ctx.canvas.height;
  // the box, clipped to the picture (an unsure locator can point partly outside it)
  let [x, y, w, h] = result.box.map((v) => v * scale);
  const x0 = Math.min(Math.max(x, 0), W - 1), y0 = Math.min(Math.max(y, 0), H - 1);
  w = Math.max(1, Math.min(x + w, W) - x0); h = Math.max(1, Math.min(y + h, H) - y0);
  const sure = result.confidence >= threshold;
  const line = Math.max(2, Math.round(W / 200));
  ctx.lineWidth = line;
  ctx.strokeStyle = sure ? "#ff3b30" : "#ffcc00";
  ctx.setLineDash(sure ? [] : [8, 6]);
  ctx.strokeRect(x0, y0, w, h);
  ctx.setLineDash([]);
  // the reading above the box (below it when the box touches the top), always inside the picture
  const label = sure ? `${result.number || "?"} (${result.confidence.toFixed(2)})` : `? (${result.confidence.toFixed(2)})`;
  const size = Math.max(16, Math.round(W / 22));
  ctx.font = `bold ${size}px system-ui, sans-serif`;
  const width = ctx.measureText(label).width + 10;
  const left = Math.min(Math.max(0, x0), Math.max(0, W - width));
  const top = y0 - size - 8 >= 0 ? y0 - size - 8 : Math.min(y0 + h + 2, H - size - 8);
  ctx.fillStyle = "rgba(0, 0, 0, 0.6)";
  ctx.fillRect(left, top, width, size + 8);
  ctx.fillStyle = sure ? "#ffffff" : "#ffcc00";
  ctx.textBaseline = "top";
  ctx.fillText(label, left + 5, top + 4);
}

// ---------- camera ----------
const camera = {
  stream: null, running: false, frozen: false, times: [], lastBlob: null, lastResult: null,
  grab: document.createElement("canvas"),

  async start() {
    showMessage("camera-message", "");
    if (!readers.house || !readers.house.ready) {
      showMessage("camera-message", "The house-number models are missing: " + (readers.house ? readers.house.message : "") +
        " The draw tab may still work.", true);
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      showMessage("camera-message", "This browser gives no camera to this page (it needs a recent browser, and " +
        "http://127.0.0.1 or https). Use the Upload tab to read a photo instead.", true);
      return;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
    } catch (err) {
      const why = err.name === "NotAllowedError" ? "permission to use the camera was refused" :
        err.name === "NotFoundError" ? "no camera was found" : `the camera could not be opened (${err.name})`;
      showMessage("camera-message", `No camera: ${why}. Allow the camera in the browser's address bar and press ` +
        "Start camera again, or use the Upload tab to read a photo.", true);
      return;
    }
    const video = $("video");
    video.srcObject = this.stream;
    await video.play().catch(() => {});
    this.running = true; this.frozen = false; this.times = [];
    $("camera-freeze").disabled = false; $("camera-freeze").textContent = "Freeze";
    $("camera-snapshot").disabled = true;
    $("camera-start").textContent = "Camera on";
    $("camera-start").disabled = true;
    this.loop();
  },

  pause() { if (this.running && !this.frozen) this.toggleFreeze(); },

  toggleFreeze() {
    const video = $("video");
    this.frozen = !this.frozen;
    $("camera-freeze").textContent = this.frozen ? "Resume" : "Freeze";
    $("camera-snapshot").disabled = !this.frozen || !this.lastBlob;
    if (this.frozen) video.pause(); else { video.play(); this.times = []; this.loop(); }
  },

  async loop() {
    const video = $("video");
    while (this.running && !this.frozen) {
      if (!video.videoWidth) { await new Promise((r) => setTimeout(r, 50)); continue; }
      this.grab.width = video.videoWidth; this.grab.height = video.videoHeight;
      this.grab.getContext("2d").drawImage(video, 0, 0);
      const blob = await new Promise((r) => this.grab.toBlob(r, "image/jpeg", 0.85));
      const answer = await send("/api/read/house", blob);
      if (this.frozen) break;
      if (answer.ok) {
        this.lastBlob = blob; this.lastResult = answer.data;
        this.show(answer);
      } else if (answer.status === 429) {
        await new Promise((r) => setTimeout(r, 30));   // busy: try the next frame shortly
      } else {
        showMessage("camera-message", answer.data.error || "the server could not read the frame", true);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  },

  show(answer) {
    const result = answer.data;
    const now = performance.now();
    this.times.push(now);
    while (this.times.length > 1 && now - this.times[0] > 3000) this.times.shift();
    const fps = this.times.length > 1 ? (this.times.length - 1) / ((now - this.times[0]) / 1000) : 0;
    const threshold = parseFloat($("camera-threshold").value);
    $("camera-reading").textContent = result.confidence >= threshold ? result.number || "–" : "?";
    $("camera-confidence").textContent = `confidence ${result.confidence.toFixed(2)}`;
    $("camera-latency").textContent = `${Math.round(answer.ms)} ms`;
    $("camera-server").textContent = `${Math.round(result.server_ms)} ms`;
    $("camera-fps").textContent = fps ? fps.toFixed(1) : "–";
    const overlay = $("overlay");
    overlay.width = result.width; overlay.height = result.height;
    const ctx = overlay.getContext("2d");
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    drawBox(ctx, result, 1, threshold);
    overlay.dataset.frames = String((parseInt(overlay.dataset.frames || "0", 10)) + 1);
  },

  async snapshot() {
    if (!this.lastBlob) return;
    const answer = await send("/api/snapshot", this.lastBlob);
    showMessage("camera-message", answer.ok ? `Saved ${answer.data.saved}` : answer.data.error, !answer.ok);
  },
};
$("camera-start").addEventListener("click", () => camera.start());
$("camera-freeze").addEventListener("click", () => camera.toggleFreeze());
$("camera-snapshot").addEventListener("click", () => camera.snapshot());
$("camera-threshold").addEventListener("input", (e) => { $("camera-threshold-value").textContent = Number(e.target.value).toFixed(2); });

// ---------- draw ----------
const draw = { mode: "digit", drawing: false, busy: false, pending: false, last: null };
const pad = $("draw-canvas");
const padCtx = pad.getContext("2d");

function clearPad() {
  padCtx.fillStyle = "#000";
  padCtx.fillRect(0, 0, pad.width, pad.height);
  $("draw-reading").textContent = "–"; $("draw-confidence").textContent = ""; $("draw-latency").textContent = "–";
  renderBars(null);
}

function setMode(mode) {
  draw.mode = mode;
  if (mode === "digit") { pad.width = 280; pad.height = 280; } else { pad.width = 640; pad.height = 200; }
  clearPad();
  updateDrawModel();
}

function updateDrawModel() {
  const reader = readers[draw.mode];
  $("draw-model").innerHTML = describe(reader, draw.mode === "digit" ? "One digit" : "A number");
  $("bars").hidden = draw.mode !== "digit";
  showMessage("draw-message", reader && !reader.ready ? reader.message : "", true);
}

function renderBars(probabilities) {
  const bars = $("bars");
  bars.innerHTML = "";
  const top = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
  for (let d = 0; d < 10; d++) {
    const p = probabilities ? probabilities[d] : 0;
    bars.insertAdjacentHTML("beforeend",
      `<span>${d}</span><div><div class="bar${d === top ? " top" : ""}" style="width:${(p * 100).toFixed(1)}%"></div></div><span>${(p * 100).toFixed(1)}%</span>`);
  }
}

function position(event) {
  const rect = pad.getBoundingClientRect();
  return [(event.clientX - rect.left) * pad.width / rect.width, (event.clientY - rect.top) * pad.height / rect.height];
}

pad.addEventListener("pointerdown", (event) => {
  draw.drawing = true; draw.last = position(event);
  pad.setPointerCapture(event.pointerId);
  stroke(event);
});
pad.addEventListener("pointermove", (event) => { if (draw.drawing) stroke(event); });
for (const type of ["pointerup", "pointercancel"]) pad.addEventListener(type, () => { draw.drawing = false; requestRead(); });

function stroke(event) {
  const [x, y] = position(event);
  padCtx.strokeStyle = "#fff"; padCtx.lineCap = "round"; padCtx.lineJoin = "round";
  padCtx.lineWidth = draw.mode === "digit" ? 20 : 14;
  padCtx.beginPath(); padCtx.moveTo(...draw.last); padCtx.lineTo(x, y); padCtx.stroke();
  draw.last = [x, y];
  requestRead();
}

function requestRead() {
  if (draw.busy) { draw.pending = true; return; }
  readDrawing();
}

async function readDrawing() {
  const reader = readers[draw.mode];
  if (!reader || !reader.ready) return;
  draw.busy = true; draw.pending = false;
  const mode = draw.mode;
  const blob = await new Promise((r) => pad.toBlob(r, "image/png"));
  const answer = await send(`/api/read/${mode}`, blob);
  draw.busy = false;
  if (mode === draw.mode) {
    if (answer.ok) {
      const result = answer.data;
      $("draw-latency").textContent = `${Math.round(answer.ms)} ms`;
      if (result.empty) { $("draw-reading").textContent = "–"; $("draw-confidence").textContent = ""; renderBars(null); }
      else if (mode === "digit") {
        $("draw-reading").textContent = String(result.digit);
        $("draw-confidence").textContent = `confidence ${result.confidence.toFixed(2)}`;
        renderBars(result.probabilities);
      } else {
        $("draw-reading").textContent = result.number || "?";
        $("draw-confidence").textContent = `confidence ${result.confidence.toFixed(2)}`;
      }
      showMessage("draw-message", "");
    } else if (answer.status !== 429) {
      showMessage("draw-message", answer.data.error, true);
    }
  }
  if (draw.pending) readDrawing();
}
$("draw-clear").addEventListener("click", clearPad);
for (const radio of document.querySelectorAll('input[name="draw-mode"]')) radio.addEventListener("change", (e) => setMode(e.target.value));

// ---------- upload ----------
async function readUpload(file) {
  showMessage("upload-message", "");
  if (!readers.house || !readers.house.ready) { showMessage("upload-message", readers.house ? readers.house.message : "", true); return; }
  $("upload-reading").textContent = "…";
  const answer = await send("/api/read/house", file);
  if (!answer.ok) {
    $("upload-reading").textContent = "–";
    showMessage("upload-message", answer.data.error, true);
    return;
  }
  const result = answer.data;
  $("upload-reading").textContent = result.number || "?";
  $("upload-confidence").textContent = `confidence ${result.confidence.toFixed(2)}`;
  $("upload-server").textContent = `${Math.round(result.server_ms)} ms`;
  const canvas = $("upload-canvas");
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, 900 / bitmap.width);
    canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
    const ctx = canvas.getContext("2d");
    ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    drawBox(ctx, result, canvas.width / result.width, 0);
    canvas.hidden = false;
  } catch (err) {
    canvas.hidden = true;   // the server read it, the browser cannot show it (e.g. TIFF): the reading stands
  }
}
$("upload-input").addEventListener("change", (e) => { if (e.target.files[0]) readUpload(e.target.files[0]); });
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault(); drop.classList.remove("over");
  if (e.dataTransfer.files[0]) readUpload(e.dataTransfer.files[0]);
});

setMode("digit");
loadStatus();
