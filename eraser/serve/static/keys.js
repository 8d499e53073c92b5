// Keys: one table of shortcuts, read in the capture phase so that a focused
// control (the Fill list, a slider, a button) never eats one: typing N with the
// Fill list focused starts a new object; it does not pick another fill.
import {tools} from "./marks.js";

const ARROWS = {arrowleft: [-1, 0], arrowright: [1, 0], arrowup: [0, -1], arrowdown: [0, 1]};

// actions: {crosshair(dx, dy, big), markHere(keep, add), erase, escape, undo, redo, suggest, newObject, compareToggle, compareOff, tool, keep, brushSize, zoomIn, zoomOut, fit, one, help}
export function setupKeys(actions) {
  let compareHeld = false;  // C auto-repeated: a hold, so its release ends compare
  const table = {
    "enter": () => actions.erase(),
    "escape": () => actions.escape(),
    "s": () => actions.suggest(),
    "n": () => actions.newObject(),
    "m": () => actions.tool("mark"),
    "b": () => actions.tool("brush"),
    "x": () => actions.keep(),
    "[": () => actions.brushSize(-1),
    "]": () => actions.brushSize(1),
    "+": () => actions.zoomIn(), "=": () => actions.zoomIn(),
    "-": () => actions.zoomOut(),
    "0": () => actions.fit(),
    "1": () => actions.one(),
    "?": () => actions.help(),
  };
  let tabbed = false;  // focus was last moved with Tab (not by a pointer)
  window.addEventListener("pointerdown", () => { tabbed = false; }, true);
  window.addEventListener("keydown", (event) => {
    if (event.key === "Tab") tabbed = true;
    const target = event.target;
    if (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && !["range", "file", "checkbox"].includes(target.type))) return;
    const key = event.key.toLowerCase(), command = event.ctrlKey || event.metaKey;
    // A control reached with Tab: Enter and Space press it, as on any page (Enter on a
    // focused "?" used to erase). A button clicked with the mouse keeps focus, so after
    // a click (no Tab since) Enter still erases and Space still pans.
    const control = target.closest && target.closest("button, a[href], summary, [role=button]");
    if ((key === "enter" || key === " ") && !command && tabbed && control) return;
    // Space held pans; stopped here so a thumbnail focused by a click does not open again on every repeat
    if (key === " ") { event.preventDefault(); event.stopPropagation(); tools.space = true; document.body.classList.add("space"); return; }
    if (command && key === "z") { event.preventDefault(); (event.shiftKey ? actions.redo : actions.undo)(); return; }
    if (command && key === "y") { event.preventDefault(); actions.redo(); return; }
    if (command || event.altKey) return;
    // Arrows move the keyboard's crosshair (and focus the photo) unless a control that
    // uses arrows has focus: a slider or the Fill list keeps them. From a thumbnail just
    // opened with Enter, the arrows go to the photo. A marks under the crosshair, K keeps (crosshair.js).
    const arrow = ARROWS[key];
    if (arrow && !["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName)) {
      event.preventDefault(); event.stopPropagation();
      actions.crosshair(arrow[0], arrow[1], event.shiftKey);
      return;
    }
    if (key === "a" || key === "k") {
      event.preventDefault(); event.stopPropagation();
      if (!event.repeat) actions.markHere(key === "k", event.shiftKey);
      return;
    }
    if (key === "c") {
      event.preventDefault();
      if (event.repeat) compareHeld = true; else { compareHeld = false; actions.compareToggle(); }
      return;
    }
    const action = table[key];
    if (!action) return;
    event.preventDefault(); event.stopPropagation();
    if (key === "enter" && event.repeat) return;
    action();
  }, true);
  window.addEventListener("keyup", (event) => {
    if (event.key === " ") { tools.space = false; document.body.classList.remove("space"); }
    if (event.key.toLowerCase() === "c" && compareHeld) { compareHeld = false; actions.compareOff(); }
  }, true);
}
