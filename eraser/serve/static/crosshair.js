// Marking without a mouse: with the photo focused (Tab reaches it after the
// thumbnails), the arrow keys move a crosshair, Shift+arrows in big steps; A
// marks the spot under it as a click there would, K keeps it (a - marker, as a
// right-click). A first-time tryout found no way to mark anything with keys.
import {layers, panBy, view} from "./view.js";
import {markAt, setCrosshair} from "./marks.js";

const STEP_PX = 5, BIG_STEP_PX = 50;  // screen pixels an arrow moves it (at least one photo pixel)
const MARGIN_PX = 24;  // it stays this far inside the stage: the view pans to follow it
const stage = document.getElementById("stage");
let at = null, shown = false;  // [x, y]: its photo pixel, kept while hidden (Tab to a slider and back)

export const crosshairShown = () => shown;
// Where it is on the stage, for zooming with + and - around it (a keyboard user's pointer)
export const crosshairOnStage = () => (shown ? [view.x + (at[0] + 0.5) * view.zoom, view.y + (at[1] + 0.5) * view.zoom] : []);

// onShown(): called as it shows or hides (the page's hint says its keys while it is shown)
export function setupCrosshair(onShown) {
  // focused with the keyboard (Tab): shown; by a click: not (the pointer is the person's crosshair)
  stage.addEventListener("focus", () => { if (stage.matches(":focus-visible")) show(); });
  stage.addEventListener("blur", hide);
  layers.overlay.addEventListener("pointerdown", hide);
  function show() {
    if (!view.width) return;
    if (!at) at = visibleCentre();
    shown = true; follow(); setCrosshair(at); onShown();
  }
  function hide() {
    if (!shown) return;
    shown = false; setCrosshair(null); onShown();
  }
  return {
    show,
    // a new photo: its crosshair starts at the centre of what is shown
    reset() { at = null; if (shown) show(); },
    move(dx, dy, big) {
      if (!view.width) return;
      if (!shown) { stage.focus({preventScroll: true}); show(); return; }  // the first press shows it where it is
      const step = Math.max(1, Math.round((big ? BIG_STEP_PX : STEP_PX) / view.zoom));
      at = [clamp(at[0] + dx * step, view.width), clamp(at[1] + dy * step, view.height)];
      follow();
      setCrosshair(at);
    },
    // A / K: a mark at the crosshair; pressed with it hidden, it is shown first (a stray A marks nothing)
    mark(keep, add) {
      if (!view.width) return false;
      if (!shown) { stage.focus({preventScroll: true}); show(); return false; }
      markAt(at, keep, add);
      return true;
    },
  };
}

const clamp = (v, size) => Math.min(Math.max(v, 0), size - 1);

function visibleCentre() {
  const r = stage.getBoundingClientRect();
  return [clamp(Math.floor((r.width / 2 - view.x) / view.zoom), view.width),
          clamp(Math.floor((r.height / 2 - view.y) / view.zoom), view.height)];
}

// Zoomed in, the crosshair moved past the stage's edge: pan so it stays in
// sight (along an axis where the photo is wider than the stage; at Fit it never moves).
function follow() {
  const r = stage.getBoundingClientRect();
  const shift = (s, extent, room) => (extent <= room ? 0 : s < MARGIN_PX ? MARGIN_PX - s : s > room - MARGIN_PX ? room - MARGIN_PX - s : 0);
  const dx = shift(view.x + (at[0] + 0.5) * view.zoom, view.width * view.zoom, r.width);
  const dy = shift(view.y + (at[1] + 0.5) * view.zoom, view.height * view.zoom, r.height);
  if (dx || dy) panBy(dx, dy);
}
