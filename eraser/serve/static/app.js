// eraser's page: one photo at a time, drawn on two canvases (photo, mask overlay).
// Every action is one request to the server, which keeps the editing session.
const $ = (id) => document.getElementById(id);
const photoCanvas = $("photo"), overlay = $("overlay"), hover = $("hover");
let info = null, photo = null, mode = "new", drag = null, version = 0, busy = 0;
window.eraserTiming = {click: 0, shown: 0};

function message(text, isError = false) {
  $("message").textContent = text || "";
  $("message").className = isError ? "error" : "";
}

async function call(path, options = {}) {
  busy += 1; document.body.dataset.busy = busy;
  try {
    const response = await fetch(path, options);
    const isJson = (response.headers.get("content-type") || "").includes("json");
    const data = isJson ? await response.json() : null;
    if (!response.ok) {
      const error = new Error((data && data.error) || `${response.status} ${response.statusText}`);
      error.status = response.status; error.data = data;
      throw error;
    }
    return data;
  } finally {
    busy -= 1; document.body.dataset.busy = busy;
  }
}

const post = (path, body) => call(path, {method: "POST", headers: {"content-type": "application/json"},
                                          body: JSON.stringify(body || {})});

function guard(fn) {
  return async (...args) => {
    try { await fn(...args); } catch (error) {
      message(error.message, true);
      if (error.status === 410) { photo = null; refresh(); }
    }
  };
}

function refresh() {
  const has = !!photo;
  document.body.classList.toggle("has-photo", has);
  document.body.dataset.photo = has ? photo.id : "";
  document.body.dataset.w = has ? photo.width : ""; document.body.dataset.h = has ? photo.height : "";
  for (const id of ["suggest", "new-object", "clear", "erase", "compare"]) $(id).disabled = !has;
  $("undo").disabled = !(has && photo.can_undo);
  $("redo").disabled = !(has && photo.can_redo);
  $("erase").disabled = !(has && photo.objects > 0);
  $("download").classList.toggle("disabled", !has);
  $("download").href = has ? `/api/photos/${photo.id}/download` : "#";
  $("save").hidden = !(has && photo.saveable);
  if (has) {
    $("dilate").value = photo.dilate; $("dilate-value").textContent = photo.dilate;
    $("feather").value = photo.feather; $("feather-value").textContent = photo.feather;
  }
}

function showImage(which = "current") {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      const [w, h] = photo.view;
      photoCanvas.width = overlay.width = hover.width = w; photoCanvas.height = overlay.height = hover.height = h;
      photoCanvas.getContext("2d").drawImage(image, 0, 0, w, h);
      version += 1; document.body.dataset.version = version;
      resolve();
    };
    image.onerror = () => reject(new Error("cannot show the photo"));
    const original = which === "original" ? "&version=original" : "";
    image.src = `/api/photos/${photo.id}/image?v=${Date.now()}${original}`;
  });
}

function drawOverlay(base64) {
  const context = overlay.getContext("2d");
  context.clearRect(0, 0, overlay.width, overlay.height);
  document.body.dataset.overlay = base64 ? "shown" : "none";
  if (!base64) return Promise.resolve();
  return new Promise((resolve) => {
    const mask = new Image();
    mask.onload = () => {
      const scratch = document.createElement("canvas");
      scratch.width = overlay.width; scratch.height = overlay.height;
      const s = scratch.getContext("2d");
      s.drawImage(mask, 0, 0, overlay.width, overlay.height);
      const pixels = s.getImageData(0, 0, overlay.width, overlay.height);
      const d = pixels.data;
      for (let i = 0; i < d.length; i += 4) {  // grey mask -> translucent red
        const a = d[i];
        d[i] = 229; d[i + 1] = 72; d[i + 2] = 77; d[i + 3] = Math.round(a * 0.55);
      }
      context.putImageData(pixels, 0, 0);
      // for tests and bench/serve_browser.py: how many overlays, and when the last one was drawn
      document.body.dataset.overlays = Number(document.body.dataset.overlays || 0) + 1;
      window.eraserTiming.shown = performance.now();
      resolve();
    };
    mask.src = `data:image/png;base64,${base64}`;
  });
}

function notices(state) {
  const lines = (state.notices || []).filter(Boolean);
  const used = state.segmenters && state.segmenters.length ? `segmented by ${state.segmenters.join(", ")}` : "";
  message([used, ...lines].filter(Boolean).join(" · "));
}

async function opened(state) {
  photo = state; mode = "new"; forgetSuggestions();
  await showImage();
  await drawOverlay(null);
  refresh();
  notices(state);
  for (const img of document.querySelectorAll("#photos img")) img.classList.toggle("current", img.dataset.name === state.name);
}

const openFile = guard(async (file) => {
  if (!file) return;
  if (info && file.size > info.max_upload_bytes) throw new Error(`${file.name} is larger than the upload limit`);
  message(`opening ${file.name}…`);
  const state = await call(`/api/photos?name=${encodeURIComponent(file.name)}`, {method: "POST", body: file});
  await opened(state);
});

const openFromFolder = guard(async (name) => {
  message(`opening ${name}…`);
  await opened(await post("/api/photos/open", {name}));
});

async function marked(state) {
  photo = state;
  await drawOverlay(state.overlay);
  refresh();
  notices(state);
}

function photoPoint(event) {
  const rect = overlay.getBoundingClientRect();
  const x = (event.clientX - rect.left) / rect.width * photo.width;
  const y = (event.clientY - rect.top) / rect.height * photo.height;
  // the photo pixel under the pointer, as the CLI's --point X,Y names it
  const pixel = (v, size) => Math.min(Math.max(Math.floor(v), 0), size - 1);
  return [pixel(x, photo.width), pixel(y, photo.height)];
}

// Suggestions (segment everything): a map of which one is under each view
// pixel; the one under the pointer is outlined in the hover layer, a click marks it.
let suggested = null, hovered = 0;

function forgetSuggestions() {
  suggested = null; hovered = 0;
  hover.getContext("2d").clearRect(0, 0, hover.width, hover.height);
  document.body.dataset.suggestions = "none"; document.body.dataset.hovered = "0";
}

const suggest = guard(async (options) => {
  if (!photo) return;
  message("finding objects…");
  const found = await post(`/api/photos/${photo.id}/suggestions`, {options: options || {}});
  const image = new Image();
  await new Promise((resolve, reject) => {
    image.onload = resolve; image.onerror = () => reject(new Error("cannot read the suggestions"));
    image.src = `data:image/png;base64,${found.map}`;
  });
  const scratch = document.createElement("canvas");
  scratch.width = hover.width; scratch.height = hover.height;
  const s = scratch.getContext("2d");
  s.drawImage(image, 0, 0);
  suggested = s.getImageData(0, 0, scratch.width, scratch.height).data;
  hovered = 0;
  document.body.dataset.suggestions = String(found.count);
  message(found.count ? `${found.count} objects found: point at one, click to mark it` : "no objects found");
});
window.eraserSuggest = suggest;  // for tests: thresholds for random-weight models

function suggestionAt(event) {
  if (!suggested) return 0;
  const rect = overlay.getBoundingClientRect();
  const x = Math.floor((event.clientX - rect.left) / rect.width * hover.width);
  const y = Math.floor((event.clientY - rect.top) / rect.height * hover.height);
  if (x < 0 || y < 0 || x >= hover.width || y >= hover.height) return 0;
  const i = (y * hover.width + x) * 4;
  return suggested[i] + 256 * suggested[i + 1];
}

function highlight(index) {
  if (index === hovered) return;
  hovered = index; document.body.dataset.hovered = String(index);
  const context = hover.getContext("2d");
  const pixels = context.createImageData(hover.width, hover.height), d = pixels.data;
  if (index) {
    for (let i = 0; i < d.length; i += 4) {
      if (suggested[i] + 256 * suggested[i + 1] === index) { d[i] = 80; d[i + 1] = 160; d[i + 2] = 255; d[i + 3] = 110; }
    }
  }
  context.putImageData(pixels, 0, 0);
}

overlay.addEventListener("pointermove", (event) => { if (suggested && !drag) highlight(suggestionAt(event)); });
overlay.addEventListener("pointerleave", () => { if (suggested) highlight(0); });

const takeSuggestion = guard(async (index) => {
  message("marking…");
  await marked(await post(`/api/photos/${photo.id}/suggestions/take`, {index: index - 1}));
  mode = "new";
});

const mark = guard(async (body) => {
  message("segmenting…");
  await marked(await post(`/api/photos/${photo.id}/marks`, body));
  if (body.kind === "point" || body.kind === "refine") mode = "refine";
  if (body.kind === "box") mode = "new";
});

overlay.addEventListener("contextmenu", (event) => event.preventDefault());
overlay.addEventListener("pointerdown", (event) => {
  if (!photo) return;
  drag = {x: event.clientX, y: event.clientY, start: photoPoint(event), button: event.button, alt: event.altKey};
});
overlay.addEventListener("pointerup", (event) => {
  if (!photo || !drag) return;
  window.eraserTiming.click = performance.now();
  const moved = Math.hypot(event.clientX - drag.x, event.clientY - drag.y);
  const start = drag.start, exclude = drag.button === 2 || drag.alt;
  drag = null;
  if (moved > 6 && !exclude) {
    const end = photoPoint(event);
    mark({kind: "box", box: [Math.min(start[0], end[0]), Math.min(start[1], end[1]),
                             Math.max(start[0], end[0]), Math.max(start[1], end[1])]});
  } else if (exclude) {
    mark({kind: "exclude", point: start});
  } else if (suggestionAt(event)) {
    takeSuggestion(suggestionAt(event));
  } else {
    mark({kind: mode === "refine" ? "refine" : "point", point: start});
  }
});

const erase = guard(async () => {
  if (!photo || !photo.objects) return;
  message("erasing…");
  const state = await post(`/api/photos/${photo.id}/erase`);
  photo = state; mode = "new"; forgetSuggestions();
  await showImage(); await drawOverlay(null); refresh();
  message(["erased", ...(state.notices || [])].join(" · "));
});

const step = (which) => guard(async () => {
  if (!photo || !(which === "undo" ? photo.can_undo : photo.can_redo)) return;
  photo = await post(`/api/photos/${photo.id}/${which}`);
  mode = "new"; forgetSuggestions();
  await showImage(); await drawOverlay(null); refresh();
  message(which === "undo" ? "undone" : "redone");
});

const clear = guard(async () => {
  if (!photo) return;
  await marked(await post(`/api/photos/${photo.id}/clear`));
  mode = "new"; message("marks cleared");
});

let settingsTimer = null;
function settingsChanged() {
  $("dilate-value").textContent = $("dilate").value;
  $("feather-value").textContent = $("feather").value;
  clearTimeout(settingsTimer);
  settingsTimer = setTimeout(guard(async () => {
    if (!photo) return;
    await marked(await post(`/api/photos/${photo.id}/settings`, {
      dilate: Number($("dilate").value), feather: Number($("feather").value), inpainter: $("inpainter").value}));
  }), 150);
}

let comparing = false;
const compare = guard(async (on) => {
  if (!photo || on === comparing) return;
  comparing = on;
  document.body.dataset.comparing = on ? "yes" : "no";
  await showImage(on ? "original" : "current");
  overlay.style.visibility = on ? "hidden" : "visible";
});

const save = guard(async () => {
  try {
    photo = await post(`/api/photos/${photo.id}/save`, {});
  } catch (error) {
    if (error.status !== 409 || !confirm(`${error.data.exists} exists. Replace it?`)) throw error;
    photo = await post(`/api/photos/${photo.id}/save`, {overwrite: true});
  }
  refresh(); message(`saved ${photo.saved}`);
});

$("file").addEventListener("change", (event) => openFile(event.target.files[0]));
$("suggest").addEventListener("click", () => suggest());
$("new-object").addEventListener("click", () => { mode = "new"; message("click the next object"); });
$("clear").addEventListener("click", clear);
$("erase").addEventListener("click", erase);
$("undo").addEventListener("click", step("undo"));
$("redo").addEventListener("click", step("redo"));
$("save").addEventListener("click", save);
$("dilate").addEventListener("input", settingsChanged);
$("feather").addEventListener("input", settingsChanged);
$("inpainter").addEventListener("change", settingsChanged);
$("compare").addEventListener("pointerdown", () => compare(true));
for (const type of ["pointerup", "pointerleave"]) $("compare").addEventListener(type, () => compare(false));

document.addEventListener("keydown", (event) => {
  if (event.target.tagName === "INPUT" && event.target.type !== "range") return;
  const key = event.key.toLowerCase(), command = event.ctrlKey || event.metaKey;
  if (key === "enter") { event.preventDefault(); erase(); }
  else if (command && key === "z") { event.preventDefault(); step(event.shiftKey ? "redo" : "undo")(); }
  else if (key === "escape") { forgetSuggestions(); clear(); }
  else if (key === "s" && !command) { suggest(); }
  else if (key === "n" && !command) { mode = "new"; message("click the next object"); }
  else if (key === "c" && !command && !event.repeat) { compare(true); }
});
document.addEventListener("keyup", (event) => { if (event.key.toLowerCase() === "c") compare(false); });

document.addEventListener("dragover", (event) => { event.preventDefault(); document.body.classList.add("dragging"); });
document.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
document.addEventListener("drop", (event) => {
  event.preventDefault(); document.body.classList.remove("dragging");
  openFile(event.dataTransfer.files[0]);
});

guard(async () => {
  info = await call("/api/info");
  for (const name of ["auto", ...info.inpainters]) $("inpainter").add(new Option(name, name));
  $("segmenter-info").textContent = `Segmenter: ${info.segmenter || "none"}` + (info.hint ? ` (${info.hint})` : "");
  if (info.folder) {
    const {photos} = await call("/api/folder");
    $("photos").hidden = photos.length === 0;
    for (const name of photos) {
      const img = new Image();
      img.src = `/api/folder/thumb?name=${encodeURIComponent(name)}`;
      img.alt = img.title = img.dataset.name = name;
      img.addEventListener("click", () => openFromFolder(name));
      $("photos").append(img);
    }
  }
  const wanted = new URLSearchParams(location.search).get("photo");
  if (wanted) await openFromFolder(wanted);
  refresh();
  document.body.dataset.ready = "yes";
})();
