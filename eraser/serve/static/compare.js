// Compare: the photo as opened against the current image. A click or tap on
// the button, or C, toggles the original; holding either shows it only while
// held (the key by its auto-repeat, the button by a press of at least HOLD_MS;
// a test may set data-compare-hold-ms).
import {showImage} from "./view.js";

const $ = (id) => document.getElementById(id);
const HOLD_MS = 400;
let comparing = false;

export const isComparing = () => comparing;

// canCompare() -> whether a photo is open and no erase runs; report(error) shows a failure
export function setupCompare(canCompare, report) {
  let press = null;  // the button's press: when, and whether compare was on before it
  $("compare").addEventListener("pointerdown", (event) => {
    press = {at: event.timeStamp, was: comparing};
    if (!comparing) compare(true);
  });
  function released(event) {
    if (!press) return;
    const held = event.timeStamp - press.at >= Number(document.body.dataset.compareHoldMs || HOLD_MS);
    if (press.was || held) compare(false);
    press = null;
  }
  for (const type of ["pointerup", "pointercancel", "pointerleave"]) $("compare").addEventListener(type, released);

  async function compare(on) {
    if (!canCompare() || on === comparing) return;
    comparing = on;
    show();
    try { await showImage(on ? "original" : "current"); } catch (error) { report(error); }
  }
  return compare;
}

function show() {
  document.body.dataset.comparing = comparing ? "yes" : "no";
  $("compare").setAttribute("aria-pressed", comparing ? "true" : "false");
  $("overlay").style.opacity = comparing ? "0" : "1";
  $("marks").style.visibility = comparing ? "hidden" : "visible";
}

// The photo is about to show its current image (an erase, undo, another photo): compare ends.
export function endCompare() { if (comparing) { comparing = false; show(); } }
