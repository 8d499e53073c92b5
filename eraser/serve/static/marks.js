// Marks and brush: what a pointer does on the photo, and how marks are drawn.
// Every gesture shows at once on the marks layer (an SVG in photo pixels): a +
// or - marker at pointerdown, a rubber band while a box is dragged, the brush
// stroke as it is painted. The server's answer then redraws the marks it keeps.
import {layers, panBy, stagePoint, toPhoto, toPixel, view, zoomTo, onViewChange} from "./view.js";

const SVG = "http://www.w3.org/2000/svg";
const {overlay, marksLayer} = layers;
const MARKER_PX = 9;  // marker radius on screen, whatever the zoom
const DRAG_PX = 6;  // a pointer moving less than this is a click

export const tools = {tool: "mark", keep: false, brushPx: 30, space: false};
let kept = [];  // the server's marks, redrawn at each zoom
let pending = [];  // gestures drawn before the server answered
let closed = [];  // take-away strokes the widening (Dilate) fills again: shown until the next answer

function el(name, attrs, parent = marksLayer) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  parent.append(node);
  return node;
}

// Sizes in screen pixels set by hand (1/zoom): the layer is scaled by a CSS
// transform, which non-scaling-stroke does not undo in Chromium, so at 570 %
// a 1.5 px ring was 8.5 px wide and + and - markers were the same white disc.
function marker(x, y, include, extra = "") {
  const px = 1 / view.zoom, r = MARKER_PX * px;
  const g = el("g", {class: `${include ? "plus" : "minus"} ${extra}`, "data-x": x, "data-y": y});
  el("circle", {cx: x, cy: y, r, "stroke-width": 1.5 * px}, g);
  const d = r * 0.55;
  const path = include ? `M${x - d},${y}H${x + d}M${x},${y - d}V${y + d}` : `M${x - d},${y}H${x + d}`;
  el("path", {d: path, "stroke-width": 2 * px}, g);
  return g;
}

// A box: a dark line under a white dashed one, both sized in screen pixels by
// hand (1/zoom): at 9 % zoom on a 12 MP photo, dashes set in photo pixels were
// a third of a screen pixel, a faint grey blur a person could not see.
function rect(b, cls) {
  const at = {x: b[0], y: b[1], width: Math.max(b[2] - b[0], 0), height: Math.max(b[3] - b[1], 0)};
  const px = 1 / view.zoom;
  const g = el("g", {class: cls});
  el("rect", {...at, class: "under", "stroke-width": 3 * px}, g);
  el("rect", {...at, class: "dashes", "stroke-width": 1.5 * px, "stroke-dasharray": `${6 * px} ${4 * px}`}, g);
  return g;
}

// The marks the server keeps for this photo (points, exclusions, boxes).
export function drawMarks(marks) {
  kept = marks || []; pending = []; closed = [];
  redraw();
}

// A take-away stroke that changed nothing a person can see (the hole's widening
// closes it again): the stroke stays drawn, hatched, beside the note that says why.
export function drawClosedCut(stroke) {
  closed.push(stroke);
  redraw();
}

function redraw() {
  marksLayer.replaceChildren();
  for (const m of kept) {
    if (m.kind === "point") marker(m.point[0] + 0.5, m.point[1] + 0.5, true);
    else if (m.kind === "exclude") marker(m.point[0] + 0.5, m.point[1] + 0.5, false);
    else if (m.kind === "box") rect(m.box, "box");
  }
  for (const c of closed) {
    el("polyline", {class: "stroke keep closed", points: c.points.map((p) => p.join(",")).join(" "),
                    "stroke-width": 2 * c.radius});
  }
  document.body.dataset.closedCuts = String(closed.length);
  for (const p of pending) p.draw();
  document.body.dataset.markers = String(marksLayer.querySelectorAll(".plus, .minus").length);
  if (cursor) drawCursor(cursor);
  if (crosshair) drawCrosshair(crosshair);
}
onViewChange(redraw);

function addPending(draw) {
  const item = {draw};
  pending.push(item); redraw();
  return item;
}
export function dropPending(item) { pending = pending.filter((p) => p !== item); redraw(); }

// -- the brush cursor ----------------------------------------------------------------------
let cursor = null;
function drawCursor([x, y]) {
  marksLayer.querySelector(".cursor")?.remove();
  if (tools.tool !== "brush") return;
  el("circle", {class: "cursor", cx: x, cy: y, r: tools.brushPx / 2 / view.zoom, "stroke-width": 1.5 / view.zoom,
                "stroke-dasharray": `${3 / view.zoom} ${3 / view.zoom}`});
}

// -- the keyboard's crosshair (crosshair.js moves it) ------------------------------------------
let crosshair = null;  // [x, y] photo pixel, or null: hidden
export function setCrosshair(pixel) {
  crosshair = pixel;
  document.body.dataset.crosshair = pixel ? pixel.join(",") : "";
  redraw();
}
// Lines with a gap at the pixel, white on a dark line, sized in screen pixels (1/zoom).
function drawCrosshair([x, y]) {
  const px = 1 / view.zoom, cx = x + 0.5, cy = y + 0.5, gap = 4 * px, arm = 16 * px;
  const d = [[-1, 0], [1, 0], [0, -1], [0, 1]].map(([dx, dy]) =>
    `M${cx + dx * gap},${cy + dy * gap}L${cx + dx * (gap + arm)},${cy + dy * (gap + arm)}`).join("");
  const g = el("g", {class: "crosshair"});
  el("path", {d, class: "under", "stroke-width": 4 * px}, g);
  el("path", {d, class: "over", "stroke-width": 1.5 * px}, g);
  el("circle", {cx, cy, r: 1.2 * px, class: "over"}, g);
}

// A click made with the keyboard at `pixel`: the same mark a click there makes
// (Keep mode makes it a spot to keep, as it does a click); refused with a note while one cannot be made.
let handlers = null;
export function markAt(pixel, keep, add) {
  const note = handlers.canEdit();
  if (note) { handlers.refused(note); return; }
  keep = keep || tools.keep;
  const item = addPending(() => marker(pixel[0] + 0.5, pixel[1] + 0.5, !keep, "pending"));
  if (keep) handlers.mark({kind: "exclude", point: pixel}, item);
  else handlers.mark({kind: "point", point: pixel, add: add || handlers.addNext()}, item);
}

// -- pointer input ---------------------------------------------------------------------------
// handlers: {canEdit() -> note or "", mark(body, pendingItem), stroke(body, pendingItem), suggestionAt(event), takeSuggestion(i), refused(note)}
export function setupPointer(given) {
  handlers = given;
  const touches = new Map();
  let gesture = null;

  overlay.addEventListener("contextmenu", (event) => event.preventDefault());
  overlay.addEventListener("pointerdown", (event) => {
    overlay.setPointerCapture(event.pointerId);
    touches.set(event.pointerId, stagePoint(event));
    if (touches.size === 2) {  // a second finger: pinch and pan, and the first finger's mark (or band) is dropped
      // (a band left behind drew the pinch's box, undefined: redraw threw, and the next tap was lost)
      if (gesture) { dropPending(gesture.pendingItem); dropPending(gesture.band); }
      document.body.dataset.band = "none";
      const [a, b] = [...touches.values()];
      gesture = {kind: "pinch", distance: Math.hypot(a[0] - b[0], a[1] - b[1]), center: mid(a, b), zoom: view.zoom};
      return;
    }
    if (touches.size > 2) return;
    if (event.button === 1 || tools.space) {
      event.preventDefault();
      gesture = {kind: "pan", last: stagePoint(event)};
      document.body.classList.add("panning");
      return;
    }
    const note = handlers.canEdit();
    if (note) { handlers.refused(note); gesture = null; return; }
    const keep = event.button === 2 || event.altKey || tools.keep;
    const start = toPhoto(event.clientX, event.clientY);
    if (tools.tool === "brush") {
      const points = [start];
      const radius = tools.brushPx / 2 / view.zoom;
      const item = addPending(() => el("polyline", {class: `stroke${keep ? " keep" : ""}`, points: points.map((p) => p.join(",")).join(" "),
                                                   "stroke-width": 2 * radius}));
      gesture = {kind: "brush", points, radius, keep, pendingItem: item};
      return;
    }
    const pixel = toPixel(event.clientX, event.clientY);
    window.eraserTiming.click = performance.now();
    const item = addPending(() => marker(pixel[0] + 0.5, pixel[1] + 0.5, !keep, "pending"));
    gesture = {kind: "mark", x: event.clientX, y: event.clientY, start, pixel, keep, shift: event.shiftKey, pendingItem: item};
  });

  overlay.addEventListener("pointermove", (event) => {
    cursor = toPhoto(event.clientX, event.clientY);
    if (touches.has(event.pointerId)) touches.set(event.pointerId, stagePoint(event));
    if (!gesture) { drawCursor(cursor); return; }
    if (gesture.kind === "pinch" && touches.size >= 2) {
      const [a, b] = [...touches.values()];
      const center = mid(a, b), distance = Math.hypot(a[0] - b[0], a[1] - b[1]);
      panBy(center[0] - gesture.center[0], center[1] - gesture.center[1]);
      zoomTo(gesture.zoom * distance / gesture.distance, center[0], center[1]);
      gesture.center = center;
    } else if (gesture.kind === "pan") {
      const p = stagePoint(event);
      panBy(p[0] - gesture.last[0], p[1] - gesture.last[1]);
      gesture.last = p;
    } else if (gesture.kind === "brush") {
      gesture.points.push(toPhoto(event.clientX, event.clientY));
      redraw();
    } else if (gesture.kind === "mark" && !gesture.keep) {
      const moved = Math.hypot(event.clientX - gesture.x, event.clientY - gesture.y);
      if (moved > DRAG_PX) {
        const end = toPhoto(event.clientX, event.clientY);
        gesture.box = boxOf(gesture.start, end);
        if (!gesture.band) {
          dropPending(gesture.pendingItem);
          const dragged = gesture;  // its own box: `gesture` is another gesture by the next redraw
          gesture.band = addPending(() => rect(dragged.box, "band"));
          document.body.dataset.band = "shown";
        } else redraw();
      }
    }
    drawCursor(cursor);
  });

  const finish = (event, cancelled) => {
    touches.delete(event.pointerId);
    const g = gesture;
    if (!g) return;
    if (g.kind === "pinch") { if (touches.size === 0) gesture = null; return; }
    gesture = null;
    document.body.classList.remove("panning");
    document.body.dataset.band = "none";
    if (g.kind === "pan") return;
    if (cancelled) { dropPending(g.pendingItem || g.band); return; }
    if (g.kind === "brush") {
      handlers.stroke({points: g.points.map(([x, y]) => [round2(x), round2(y)]), radius: round2(g.radius), erase: g.keep},
                      g.pendingItem);
    } else if (g.box) {
      const b = g.box.map(Math.round);
      if (b[2] - b[0] < 2 || b[3] - b[1] < 2) { dropPending(g.band); return; }
      handlers.mark({kind: "box", box: b}, g.band);
    } else if (g.keep) {
      handlers.mark({kind: "exclude", point: g.pixel}, g.pendingItem);
    } else if (handlers.suggestionAt(event)) {
      dropPending(g.pendingItem);
      handlers.takeSuggestion(handlers.suggestionAt(event));
    } else {
      handlers.mark({kind: "point", point: g.pixel, add: g.shift || handlers.addNext()}, g.pendingItem);
    }
  };
  overlay.addEventListener("pointerup", (event) => finish(event, false));
  overlay.addEventListener("pointercancel", (event) => finish(event, true));
  overlay.addEventListener("pointerleave", () => { cursor = null; marksLayer.querySelector(".cursor")?.remove(); });

  overlay.addEventListener("wheel", (event) => {
    event.preventDefault();
    const [sx, sy] = stagePoint(event);
    const factor = Math.exp(-event.deltaY * (event.deltaMode === 1 ? 0.05 : 0.0015));
    zoomTo(view.zoom * factor, sx, sy);
  }, {passive: false});
}

const mid = (a, b) => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
const round2 = (v) => Math.round(v * 100) / 100;
const boxOf = (a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
