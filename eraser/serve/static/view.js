// View and zoom: the photo, its mask overlay and the marks layer share one box
// whose size is the photo's in pixels; a CSS transform (translate, scale) places
// it in the stage. So every layer stays aligned at any zoom, and a screen point
// maps back to a photo pixel through that one transform.
import {url} from "./api.js";

const $ = (id) => document.getElementById(id);
const stage = $("stage"), box = $("canvas-box");
const photoCanvas = $("photo"), overlay = $("overlay"), hover = $("hover"), marksLayer = $("marks");
export const layers = {photoCanvas, overlay, hover, marksLayer};
export const MAX_ZOOM = 16;  // screen pixels per photo pixel at most

export const view = {width: 0, height: 0, zoom: 1, x: 0, y: 0, fitted: true, detail: 0};
let photo = null, loadedSide = 0;
const changed = [];
export const onViewChange = (fn) => changed.push(fn);

export function setPhoto(state) {
  const fresh = !photo || photo.id !== state.id || photo.width !== state.width;
  photo = state;
  document.body.classList.toggle("has-alpha", Boolean(state.alpha));  // transparent parts on a checkerboard
  if (fresh) {
    loadedSide = 0;  // nothing of it drawn yet: its first image is fetched at the size shown
    view.width = state.width; view.height = state.height;
    box.style.width = `${state.width}px`; box.style.height = `${state.height}px`;
    marksLayer.setAttribute("viewBox", `0 0 ${state.width} ${state.height}`);
    fit();
  }
}

export function fitZoom() {
  const r = stage.getBoundingClientRect();
  return Math.min(r.width / view.width, r.height / view.height);
}

function apply() {
  box.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.zoom})`;
  box.style.setProperty("--checker", `${16 / view.zoom}px`);  // its squares 8 screen pixels at any zoom
  $("zoom-value").textContent = `${Math.round(view.zoom * 100)}%`;
  document.body.dataset.zoom = view.zoom.toFixed(4);
  document.body.classList.toggle("pixelated", view.zoom >= 2);
  for (const fn of changed) fn(view);
  wantDetail();
}

export function fit() {
  if (!view.width) return;
  const r = stage.getBoundingClientRect();
  view.zoom = fitZoom(); view.fitted = true;
  view.x = (r.width - view.width * view.zoom) / 2; view.y = (r.height - view.height * view.zoom) / 2;
  apply();
}

// Zoom to `zoom` keeping the photo point under stage point (sx, sy) where it is.
export function zoomTo(zoom, sx, sy) {
  if (!view.width) return;
  const r = stage.getBoundingClientRect();
  if (sx === undefined) { sx = r.width / 2; sy = r.height / 2; }
  const z = Math.min(MAX_ZOOM, Math.max(Math.min(fitZoom(), 1) / 2, zoom));
  const px = (sx - view.x) / view.zoom, py = (sy - view.y) / view.zoom;
  view.zoom = z; view.fitted = false;
  view.x = sx - px * z; view.y = sy - py * z;
  apply();
}

export function panBy(dx, dy) {
  view.x += dx; view.y += dy; view.fitted = false;
  apply();
}

// A stage point (client coordinates) as a photo point (floats) and as the
// photo pixel under it, as the CLI's --point X,Y names it.
export function toPhoto(clientX, clientY) {
  const r = overlay.getBoundingClientRect();
  return [(clientX - r.left) / r.width * view.width, (clientY - r.top) / r.height * view.height];
}
export function toPixel(clientX, clientY) {
  const [x, y] = toPhoto(clientX, clientY);
  const clamp = (v, size) => Math.min(Math.max(Math.floor(v), 0), size - 1);
  return [clamp(x, view.width), clamp(y, view.height)];
}
export const stagePoint = (event) => {
  const r = stage.getBoundingClientRect();
  return [event.clientX - r.left, event.clientY - r.top];
};

window.addEventListener("resize", () => { if (view.fitted) fit(); else apply(); });

// -- the photo --------------------------------------------------------------------------
// Images answer out of order: a zoom's sharper copy can arrive after an undo,
// an erase or another photo asked for a newer image. `wanted` counts the images
// asked for (a sharper copy of the image shown is not a new one); an image is
// drawn only while it is still the one wanted and nothing asked later is drawn.
let version = 0, wanted = 0, asked = 0, drawn = 0, stale = 0;
export function showImage(which = "current", side = 0) {
  const sharper = side > 0;  // wantDetail: the image shown, at the size it is shown
  if (!sharper) wanted += 1;
  const mine = wanted, ticket = ++asked;
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      if (mine !== wanted || ticket < drawn) {  // stale: dropped (counted for tests)
        stale += 1; document.body.dataset.staleImages = stale;
        return resolve();
      }
      drawn = ticket;
      photoCanvas.width = image.naturalWidth; photoCanvas.height = image.naturalHeight;
      photoCanvas.getContext("2d").drawImage(image, 0, 0);
      loadedSide = Math.max(image.naturalWidth, image.naturalHeight);
      version += 1; document.body.dataset.version = version;
      resolve();
    };
    image.onerror = () => reject(new Error("cannot show the photo"));
    const query = (which === "original" ? "&version=original" : "") + `&max_side=${side || detailSide()}`;
    image.src = url(`/api/photos/${photo.id}/image?v=${Date.now()}${query}`);
  });
}

// Zoomed past the view's resolution: fetch the photo at the size it is shown
// (once per image, after the zoom settles), so a sensor spot is sharp at 8x.
// Until it is drawn a small "sharpening…" shows: the blur is not the result.
let detailTimer = null, detailLoads = 0;
function wantDetail() {
  clearTimeout(detailTimer); detailTimer = null;
  if (photo && loadedSide && detailSide() > loadedSide * 1.2 && document.body.dataset.comparing !== "yes") {
    // asked again when it fires: the photo shown since then may already be that sharp
    detailTimer = setTimeout(() => {
      detailTimer = null;
      if (detailSide() > loadedSide * 1.2) {
        detailLoads += 1;
        showImage("current", detailSide()).catch(() => {}).finally(() => { detailLoads -= 1; sharpening(); });
      }
      sharpening();
    }, 250);
  }
  sharpening();
}
function sharpening() {
  const on = Boolean(detailTimer || detailLoads);
  $("sharpening").hidden = !on;
  document.body.dataset.sharpening = on ? "yes" : "no";
}
function detailSide() {
  const side = Math.max(view.width, view.height);
  return Math.max(Math.min(side, 1600), Math.min(side, Math.ceil(side * view.zoom)));
}

// -- the mask overlay ---------------------------------------------------------------------
window.eraserTiming = {click: 0, shown: 0};
// `shown`: {png, box: [x, y, w, h]}, the mask cut to the rectangle around it at
// the view's size (`size`, [w, h]), tinted by the server; only that rectangle is decoded.
export function drawOverlay(shown, size) {
  const context = overlay.getContext("2d");
  document.body.dataset.overlay = shown ? "shown" : "none";
  if (size) sizeOverlay(size[0], size[1]);
  if (!shown) { context.clearRect(0, 0, overlay.width, overlay.height); return Promise.resolve(); }
  return new Promise((resolve) => {
    const mask = new Image();
    mask.onload = () => {
      const [x, y] = shown.box;
      context.clearRect(0, 0, overlay.width, overlay.height);
      context.drawImage(mask, x, y);  // already tinted: the PNG's palette is the red, its transparency the mask
      // for tests and bench/serve_browser.py: how many overlays, and when the last one was drawn
      document.body.dataset.overlays = Number(document.body.dataset.overlays || 0) + 1;
      window.eraserTiming.shown = performance.now();
      resolve();
    };
    mask.src = `data:image/png;base64,${shown.png}`;
  });
}

export function sizeOverlay(w, h) {
  if (overlay.width !== w || overlay.height !== h) { overlay.width = hover.width = w; overlay.height = hover.height = h; }
}
