// eraser's page: the wiring between the toolbar, the photo and the server.
// The server keeps each photo's session (marks, result, history) per tab; the
// page keeps only what it shows, so switching photos or reloading loses nothing.
import {call, clientId, enqueue, onBusy, onQueueDrained, post, queueLength, url} from "./api.js";
import {fit, drawOverlay, setPhoto, showImage, view, zoomTo} from "./view.js";
import {drawClosedCut, drawMarks, dropPending, setupPointer, tools} from "./marks.js";
import {setupKeys} from "./keys.js";
import {crosshairOnStage, crosshairShown, setupCrosshair} from "./crosshair.js";
import {setupStrip} from "./strip.js";
import {endCompare, isComparing, setupCompare} from "./compare.js";
import {findSuggestions, forgetSuggestions, suggestionAt} from "./suggest.js";

const $ = (id) => document.getElementById(id);
let info = null, photo = null, working = "", addNext = false;
const said = new Set();  // notes already shown: each is said once
// A missing model is one fact however it is worded: the start's "for better
// masks: segmenter 'mobile-sam' is not available…" and the first click's
// "using segmenter 'point' because 'mobile-sam' is not available…" (a tryout
// read the same advice twice); the "Segmenter: point" badge carries it after.
const noteKey = (note) => { const model = /'([^']+)' is not available/.exec(note); return model ? `unavailable: ${model[1]}` : note; };
function firstTime(note) {
  if (!note || said.has(noteKey(note))) return false;
  said.add(noteKey(note));
  return true;
}
const unsaved = new Map();  // photo name -> has unsaved erases (this tab's photos)

// The status line has one fixed height; a note longer than it ends in "…":
// its whole text is the tooltip, and a click or tap opens it above the line.
function message(text, isError = false) {
  $("message").textContent = $("message").title = text || "";
  $("message").className = isError ? "error" : "";
}
$("message").addEventListener("click", () => $("message").classList.toggle("open"));

function report(error) {
  message(error.message, true);
  if (error.status === 410) { photo = null; sessionStorage.removeItem("eraser-photo"); refresh(); }
}

const guard = (fn) => async (...args) => { try { return await fn(...args); } catch (error) { report(error); } };

// -- busy state ------------------------------------------------------------------------
// A phone has no Esc key: there the busy pill itself is the way to cancel (a
// tryout tapped "Esc cancels" and nothing happened), and it says so.
const onTouch = () => matchMedia("(pointer: coarse)").matches;
const howToCancel = () => onTouch() ? "tap to cancel" : "Esc cancels";
function setWorking(what, text) {
  working = what;
  document.body.dataset.working = what;
  $("busy").hidden = !what;
  $("busy-text").textContent = text || "";
  const cancellable = what === "erase";  // the pill is a button only while there is something to cancel
  if (cancellable) { $("busy").setAttribute("role", "button"); $("busy").title = "cancel the erase"; }
  else { $("busy").removeAttribute("role"); $("busy").removeAttribute("title"); }
  refresh();
}
onBusy(() => refresh());

// A download link with nothing to download has no href: not in the Tab order,
// not pressable, and read as disabled (a link to "#" was all three wrongly).
function link(a, enabled, href) {
  a.classList.toggle("disabled", !enabled);
  if (enabled) { a.href = href; a.removeAttribute("aria-disabled"); } else { a.removeAttribute("href"); a.setAttribute("aria-disabled", "true"); }
}

function refresh() {
  const has = !!photo, erasing = working === "erase";
  document.body.classList.toggle("has-photo", has);
  document.body.dataset.photo = has ? photo.id : "";
  document.body.dataset.w = has ? photo.width : ""; document.body.dataset.h = has ? photo.height : "";
  $("stage").tabIndex = has ? 0 : -1;  // the photo is in the Tab order: arrows move a crosshair there
  for (const id of ["suggest", "new-object", "clear", "dilate", "feather", "inpainter"]) $(id).disabled = !has || erasing;
  $("compare").disabled = !canCompare() || erasing;
  // no segmenter here can segment everything: greyed, the reason its tooltip (a press answered with an error before)
  if (info && info.suggest_unavailable) { $("suggest").disabled = true; $("suggest").title = `Suggest: ${info.suggest_unavailable}`; }
  $("copy-command").disabled = !(has && photo.command) || erasing;  // one erase of the opened photo: one command
  $("command-note").hidden = !has || photo.command;
  $("undo").disabled = !(has && (photo.can_take_back || photo.can_undo)) || erasing;
  $("redo").disabled = !(has && (photo.can_bring_back || photo.can_redo)) || erasing;
  $("erase").disabled = !(has && photo.objects > 0) || erasing;
  // Nothing erased yet: nothing to download or save (the CLI says "nothing to remove").
  const erased = has && photo.can_undo;
  link($("download"), erased && !erasing, has && url(`/api/photos/${photo.id}/download`));
  $("download").title = erased ? "Download the erased photo" : "Erase something first";
  // no marks, but the command shown needs its mask file: that file is the one to download
  const erasedMask = has && !photo.objects && photo.command_mask;
  link($("mask-download"), has && (photo.objects > 0 || erasedMask),
       has && url(`/api/photos/${photo.id}/mask${erasedMask ? "?of=erase" : ""}`));
  $("mask-download").download = erasedMask ? photo.command_mask : "";
  $("save").hidden = !(has && photo.saveable);
  $("save").disabled = !erased || erasing;
  $("reload-photo").hidden = !(has && photo.disk === "changed");
  if (has) {
    $("dilate").value = photo.dilate; $("dilate-value").textContent = photo.dilate;
    $("feather").value = photo.feather; $("feather-value").textContent = photo.feather;
    unsaved.set(photo.name, photo.unsaved);
  }
  for (const figure of document.querySelectorAll("#photos figure")) {
    figure.classList.toggle("current", has && figure.dataset.name === photo.name);
    figure.classList.toggle("unsaved", !!unsaved.get(figure.dataset.name));
  }
}

function notices(state, lead) {
  const fresh = [...(state.notices || []), diskNote(state)].filter(firstTime);
  message([lead, ...fresh].filter(Boolean).join(" · "));
}

// The photo's file changed (or went) after this tab read it: said once, with Reload
// beside the note while it stands (on-disk checks: eraser/serve/on_disk.py).
function diskNote(state) {
  if (!state.disk) return "";
  return state.disk === "removed"
    ? `${state.name} was removed from the folder after it was opened here: this tab goes on with the copy it read (Download keeps it)`
    : `${state.name} changed on disk after it was opened here: erasing and Save use the copy read then; Reload reads the newer file`;
}

// The tab comes back (another tab, an external editor): ask whether the file changed meanwhile.
const checkDisk = guard(async () => {
  if (!photo || !photo.saveable || document.hidden || working) return;
  const id = photo.id;
  const {disk} = await call(`/api/photos/${id}/disk`);
  if (!photo || photo.id !== id || disk === photo.disk) return;
  photo.disk = disk; refresh();
  const note = diskNote(photo);
  if (firstTime(note)) message(note);
});

const reloadPhoto = guard(async () => {
  if (!photo || working) return;
  const {id, name} = photo;
  if (photo.unsaved && !confirm(`Read ${name} again from its file? The erases made here are lost (Save or Download keeps them).`)) return;
  await open(() => post(`/api/photos/${id}/reload`, {discard: true}), `reading ${name} again…`);
  const thumb = document.querySelector(`#photos figure[data-name="${CSS.escape(name)}"] img`);
  if (thumb) thumb.src = thumb.src.replace(/&v=\d+$/, "") + `&v=${Date.now()}`;  // its thumbnail: the new file's
  if (photo && photo.name === name) message(`read ${name} again from its file`);
});

// -- opening and switching photos ---------------------------------------------------------
async function show(state, lead) {
  const fresh = !photo || photo.id !== state.id;
  photo = state; addNext = false;
  sessionStorage.setItem("eraser-photo", state.id);
  if (fresh) { forgetSuggestions(); setPhoto(state); closeMenu(); crosshair.reset(); }
  endCompare();
  await showImage();
  await drawOverlay(state.overlay || null, state.view);
  drawMarks(state.marks);
  addThumb(state.name, state.id);
  refresh();
  notices(state, lead);
  showCurrentThumb();
}

// Photos picked one after another: only the last one picked is shown (one
// answering late must not take the page back).
let picked = 0, opening = null;  // opening: the text shown while a photo opens (a mark's end keeps it)
let missed = "";  // what was refused while the photo opened: said again once it shows
async function open(request, text) {
  if (working === "erase") return message(`wait: erasing (${howToCancel()})`);
  const ticket = ++picked;
  opening = text; setWorking("open", text);
  try {
    const state = await request();
    if (ticket === picked) await show(state); else addThumb(state.name, state.id);
  } finally {
    if (ticket === picked) {
      opening = null; setWorking("");
      // a tryout: the refusal was said, then the opened photo's notes replaced it at once
      if (missed) message([`your ${missed} while the photo opened was not applied: the photo is shown now, do it again`,
                           $("message").textContent].filter(Boolean).join(" · "));
      missed = "";
    }
  }
}

// A click, a stroke or Enter while a photo opens: the view has the next photo's
// size before its pixels arrive (or still shows the last photo), so where it
// landed means nothing. Refused, said on the photo at once and in the status line after.
function refuseWhileOpening(what) {
  missed = what;
  $("busy-text").textContent = `${opening} (your ${what} was not applied)`;
  document.body.dataset.missed = what;
  return `wait: the photo is opening; your ${what} was not applied`;
}

const openFile = guard(async (file) => {
  if (!file) return;
  if (info && file.size > info.max_upload_bytes) throw new Error(`${file.name} is larger than the upload limit`);
  try {
    await open(() => call(`/api/photos?name=${encodeURIComponent(file.name)}`, {method: "POST", body: file}), `opening ${file.name}…`);
  } catch (error) {
    if (!error.message.includes(file.name)) error.message = `${file.name}: ${error.message}`;  // which file the refusal is about
    throw error;
  }
});
const openFromFolder = guard((name) => open(() => post("/api/photos/open", {name}), `opening ${name}…`));
const openKept = guard((id) => open(() => call(`/api/photos/${id}`), "opening…"));

// Enter or Space on a focused element that is not a native button (a thumbnail, Open…).
function pressWithKeys(element, press) {
  element.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); press(); }
  });
}

function addThumb(name, id, folder = false) {
  if (document.querySelector(`#photos figure[data-name="${CSS.escape(name)}"]`)) return;
  const figure = document.createElement("figure");
  figure.dataset.name = name;
  const img = new Image();
  img.src = folder ? `/api/folder/thumb?name=${encodeURIComponent(name)}` : url(`/api/photos/${id}/image?max_side=160`);
  img.alt = img.title = img.dataset.name = name;
  const caption = document.createElement("figcaption");
  caption.textContent = name;
  figure.title = name;  // the whole name on hover: the caption cuts a long one with "…"
  figure.append(img, caption);
  figure.addEventListener("click", () => (folder ? openFromFolder(name) : openKept(id)));
  figure.tabIndex = 0; figure.setAttribute("role", "button"); figure.setAttribute("aria-label", `open ${name}`);
  pressWithKeys(figure, () => figure.click());
  $("photos").append(figure);
  $("photos").hidden = false;
}

// -- marking --------------------------------------------------------------------------------
function canEdit() {
  if (!photo) return "open a photo first";
  if (working === "erase") return `wait: erasing (${howToCancel()}); your click was not applied`;
  // the view already has the next photo's size while the old picture is still drawn
  if (opening) return refuseWhileOpening("mark");
  return "";
}

// An answer for a photo that is no longer shown (the person switched while the
// server worked) stays with that photo: it is not drawn over this one.
function elsewhere(state) {
  if (photo && state.id === photo.id) return false;
  unsaved.set(state.name, state.unsaved); refresh();
  return true;
}

async function marked(state, body = null) {
  if (elsewhere(state)) return;
  photo = state;
  if (isComparing()) await compare(false);  // a new mark is shown on the current image
  // for bench/serve_browser.py: the segmenter's own time for this answer, beside click-to-overlay
  const ms = (key) => (state.timings && state.timings[key] !== undefined ? Math.round(state.timings[key] * 1000) : "");
  document.body.dataset.segmentMs = ms("segment");
  document.body.dataset.serverMs = ms("server");
  document.body.dataset.timings = JSON.stringify(state.timings || {});  // every stage, for the bench
  await drawOverlay(state.overlay, state.view);
  drawMarks(state.marks);
  refresh();
  notices(state, state.segmenters && state.segmenters.length ? `segmented by ${state.segmenters.join(", ")}` : "");
  if (state.note) {  // e.g. a take-away the widening closes again: show the stroke and say why
    if (body && body.erase) drawClosedCut(body);
    message(state.note);
  }
  const unseen = body && body.kind ? selectionUnseen(state) : "";  // a click or a box, not a brush stroke
  document.body.dataset.unseen = unseen ? unseen.split(":")[0] : "";
  if (unseen) message([unseen, $("message").textContent].filter(Boolean).join(" · "));
}

// A selection a person cannot judge as the view stands: mostly outside it
// (zoomed in on a sensor spot, the segmenter took half the sky) or hidden
// under its markers (a small object on a 12 MP photo at Fit). Said, not
// guessed by the person after the erase.
const SMALL_ON_SCREEN = 32 * 32;  // screen pixels per object: less is a blob hardly bigger than its + marker (18 px)
function selectionUnseen(state) {
  const o = state.overlay;
  if (!o || !o.png || !state.share) return "";
  const scale = view.width / o.size[0] * view.zoom;  // overlay pixels -> screen pixels
  const x0 = view.x + o.box[0] * scale, y0 = view.y + o.box[1] * scale;
  const x1 = x0 + o.box[2] * scale, y1 = y0 + o.box[3] * scale;
  const stage = $("stage").getBoundingClientRect();
  const inside = Math.max(0, Math.min(x1, stage.width) - Math.max(x0, 0)) * Math.max(0, Math.min(y1, stage.height) - Math.max(y0, 0));
  const percent = (100 * state.share).toFixed(state.share < 0.01 ? 2 : 1);
  if (inside < 0.5 * (x1 - x0) * (y1 - y0)) {
    // with several objects marked the box spans them all: say so, or a small spot just marked reads as 13 % (tryout 9 F14)
    const what = state.objects > 1 ? `the ${state.objects} objects marked reach` : "the selection reaches";
    return `outside the view: ${what} far beyond what is shown (${percent} % of the photo); press 0 to see all of it before erasing`;
  }
  const onScreen = state.share * view.width * view.height * view.zoom * view.zoom;
  if (onScreen < SMALL_ON_SCREEN * Math.max(state.objects, 1)) {
    return `hidden under the markers: the selection is ${percent} % of the photo, about ${Math.round(onScreen)} screen pixels at this zoom; zoom in to check it`;
  }
  return "";
}

// Marks queue behind whatever the server is doing for this tab; each shows at once (pending).
function change(path, body, pendingItem, text = "segmenting…") {
  const id = photo.id;
  if (queueLength() > 0) message("queued: applied after the current step");
  return enqueue(async () => {
    // Another photo shown since it was queued: it still goes to the photo it was made on
    // and stays with it (said, not drawn here); it was dropped without a word.
    const shown = photo && photo.id === id;
    if (shown) setWorking("segment", text);
    try {
      const state = await post(`/api/photos/${id}/${path}`, body);
      await marked(state, body);
      if (!shown) message(`applied to ${state.name}, where it was made (it is there when you come back)`);
    } catch (error) {
      dropPending(pendingItem);
      if (shown) report(error); else message(error.message, true);
    }
  });
}
// "segmenting…" (a mark, a stroke, a setting) ends when the queue is empty, whatever ran
// last: it ended only with the last change, so a click then Ctrl-Z before its answer
// (the undo queued behind it) left the pill spinning and `working` set for good.
onQueueDrained(() => { if (working === "segment") setWorking(opening ? "open" : "", opening); });

const mark = (body, pendingItem) => { if (body.kind === "point") addNext = false; return change("marks", body, pendingItem); };
const stroke = (body, pendingItem) => change("strokes", body, pendingItem, "painting…");
const takeSuggestion = (index) => change("suggestions/take", {index: index - 1}, null, "marking…");

setupPointer({canEdit, mark, stroke, suggestionAt, takeSuggestion, addNext: () => addNext,
              refused: (note) => message(note)});

// -- erase, cancel, history --------------------------------------------------------------------
let eraseWanted = false;
const erase = () => {
  if (!photo || working === "erase" || eraseWanted) return;
  if (opening) return message(refuseWhileOpening("Enter (erase)"));
  eraseWanted = true;  // Enter twice: one erase
  const id = photo.id;
  enqueue(async () => {
    try {
      if (!photo || photo.id !== id) return;
      // a tryout pressed Enter (as the hint says) on a photo with no marks and saw nothing happen
      if (!photo.objects) return message(`nothing is marked: ${onTouch() ? "tap" : "click"} an object`);
      setWorking("erase", `erasing… (${howToCancel()})`);
      const state = await post(`/api/photos/${id}/erase`);
      if (elsewhere(state)) return message(`erased ${state.name}`);
      photo = state; forgetSuggestions(); endCompare();
      await showImage(); await drawOverlay(null); drawMarks(state.marks);
      notices(state, "erased");
    } catch (error) {
      if (error.data && error.data.cancelled) message("erase cancelled: the photo is as before");
      else report(error);
    } finally {
      eraseWanted = false; setWorking("");
    }
  });
};

const cancelErase = guard(async () => {
  if (!photo || working !== "erase") return false;
  message("cancelling…");
  // the pill too: a fill in one library call (the default guarded's PatchMatch) ends only when it
  // returns, seconds on 12 MP, and a pill still saying "Esc cancels" made Esc look ignored
  $("busy-text").textContent = "cancelling…";
  await post(`/api/photos/${photo.id}/cancel`);
  return true;
});
$("busy").addEventListener("click", () => { if (working === "erase") cancelErase(); });

function step(which) {
  if (!photo || working === "erase") return;
  const id = photo.id;
  enqueue(guard(async () => {
    if (!photo || photo.id !== id) return;
    // A step back over a clear brings every mark back at once: said as that
    // (a tryout's Esc cleared three marks and Ctrl-Z said "took back the last mark").
    const before = photo.marks.length;
    if (which === "undo" && photo.can_take_back) {
      await marked(await post(`/api/photos/${id}/marks/back`));
      const back = photo.marks.length - before;
      message(back > 0 ? `brought back the ${back} mark${back > 1 ? "s" : ""} ${clearedBy === "Esc" ? "Esc cleared" : "cleared"}`
                       : "took back the last mark");
      return;
    }
    if (which === "redo" && photo.can_bring_back) {  // marks taken back come back before an erase is redone
      await marked(await post(`/api/photos/${id}/marks/forward`));
      message(photo.marks.length < before ? "cleared the marks again" : "brought back the mark");
      return;
    }
    // nothing left: said, not the last step's words again (they read as if it had happened once more)
    if (!(which === "undo" ? photo.can_undo : photo.can_redo)) return message(`nothing to ${which}`);
    const state = await post(`/api/photos/${id}/${which}`);
    if (elsewhere(state)) return;
    photo = state; forgetSuggestions(); endCompare();
    // an undone erase brings back the marks it was made from: change one, erase again
    await showImage(); await drawOverlay(state.overlay || null, state.view); drawMarks(photo.marks); refresh();
    message(which === "undo" ? (photo.marks.length ? "undone: the marks are back" : "undone") : "redone");
  }));
}

let clearedBy = "";  // "Esc" or "Clear": what cleared the marks last, for the undo's words
const clear = (by = "Clear") => photo && change("clear", {}, null, "clearing…").then(() => { clearedBy = by; message("marks cleared"); });

async function escape() {
  if (working === "erase") { await cancelErase(); return; }
  // an open panel closes first: Esc never clears the marks behind it
  if (!$("help").hidden) { toggleHelp(false); return; }
  if ($("more").open) { $("more").open = false; return; }
  if ($("message").classList.contains("open")) { $("message").classList.remove("open"); return; }
  forgetSuggestions();
  if (photo && photo.objects + photo.marks.length > 0) clear("Esc");
}

let settingsTimer = null;
function settingsChanged() {
  $("dilate-value").textContent = $("dilate").value;
  $("feather-value").textContent = $("feather").value;
  clearTimeout(settingsTimer);
  settingsTimer = setTimeout(() => {
    if (!photo) return;
    change("settings", {dilate: Number($("dilate").value), feather: Number($("feather").value),
                        inpainter: $("inpainter").value}, null, "updating…");
  }, 150);
}

// Compare shows the photo as opened, without marks: with nothing erased and
// nothing marked that is the image shown (a tryout saw it look active and do nothing).
function canCompare() { return !!photo && (photo.can_undo || photo.objects > 0 || photo.marks.length > 0); }
const compare = setupCompare(() => canCompare() && working !== "erase", report);

// Save asks before it replaces an earlier save, and before it saves from pixels
// read before the photo's file changed on disk.
const save = guard(async () => {
  const id = photo.id, asked = {};
  for (;;) {
    try {
      photo = await post(`/api/photos/${id}/save`, asked);
      break;
    } catch (error) {
      if (error.status !== 409 || !(error.data.exists || error.data.stale)) throw error;
      const question = error.data.stale ? `${error.message}. Save it anyway?` : `${error.data.exists} exists. Replace it?`;
      if (!confirm(question)) throw error;
      asked[error.data.stale ? "stale" : "overwrite"] = true;
    }
  }
  refresh(); message(`saved ${photo.saved}`);
});

const suggest = guard(async (options) => {
  if (!photo || working === "erase") return;
  if (info && info.suggest_unavailable) return message(`Suggest: ${info.suggest_unavailable}`);
  setWorking("suggest", "finding objects…");
  try {
    const count = await findSuggestions(photo.id, options);
    message(count ? `${count} objects found: point at one, click to mark it` : "no objects found");
  } finally { setWorking(""); }
});
window.eraserSuggest = suggest;  // for tests: thresholds for random-weight models

// The ⋯ menu belongs to the photo it was opened on: another photo closes it
// and forgets its command (it showed the previous photo's command under a greyed button).
function closeMenu() {
  $("more").open = false;
  $("command-text").hidden = true; $("command-text").value = "";
  delete document.body.dataset.command;
}

const copyCommand = guard(async () => {
  const id = photo.id;
  const found = await call(`/api/photos/${id}/command`);
  const text = found.command;
  $("command-text").hidden = false; $("command-text").value = text;
  document.body.dataset.command = text;
  try { await navigator.clipboard.writeText(text); message("command copied"); } catch { message("the command is in the box: copy it"); }
  if (found.mask) {
    const link = document.createElement("a");
    link.href = url(`/api/photos/${id}/mask?of=erase`); link.download = found.mask_name;
    link.click();
    message(`command copied; save ${found.mask_name} beside the photo`);
  }
});

const uploadMask = guard(async (file) => {
  if (!file || !photo) return;
  const id = photo.id;
  await enqueue(async () => {
    setWorking("segment", "reading the mask…");
    try { await marked(await call(`/api/photos/${id}/mask`, {method: "POST", body: file})); } finally { setWorking(""); }
  });
});

function setTool(tool) {
  tools.tool = tool;
  document.body.classList.toggle("brushing", tool === "brush");
  $("tool-mark").setAttribute("aria-pressed", String(tool === "mark"));
  $("tool-brush").setAttribute("aria-pressed", String(tool === "brush"));
  document.body.dataset.tool = tool;
  showHint();
}
const HINTS = {
  mark: "Click: mark · Shift-click: add · right-click: keep · drag: box · wheel: zoom · ?: help",
  brush: "Drag: paint · right-drag or Keep: take away · [ ]: size · M: mark · ?: help",
  keys: "Arrows: move + (Shift: big steps) · A: mark · K: keep · Enter: erase · ?: help",
};
// a tryout: Brush mode still read "Click: mark … drag: box"; with the crosshair shown, its keys
function showHint() { $("hint").textContent = HINTS[crosshairShown() ? "keys" : tools.tool]; }
const crosshair = setupCrosshair(showHint);
function toggleKeep() {
  tools.keep = !tools.keep;
  $("keep-mode").setAttribute("aria-pressed", String(tools.keep));
  document.body.dataset.keep = tools.keep ? "yes" : "no";
}
function brushSize(direction) {
  const v = Math.max(4, Math.min(200, Math.round(tools.brushPx * (direction > 0 ? 1.25 : 0.8))));
  tools.brushPx = v; $("brush-size").value = v;
  message(`brush ${v} px`);
}
function toggleHelp(open) {
  const show = open === undefined ? $("help").hidden : open;
  $("help").hidden = !show;
  $("help-button").setAttribute("aria-expanded", String(show));
}
const newObject = () => { addNext = false; message("the next click starts a new object"); };

const showCurrentThumb = setupStrip();

// -- controls --------------------------------------------------------------------------------
$("file").addEventListener("change", (event) => openFile(event.target.files[0]));
// The empty page's dashed box opens the picker too (on a phone it was a dead end to tap).
$("drop-hint").addEventListener("click", () => $("file").click());
pressWithKeys($("open"), () => $("file").click());
$("suggest").addEventListener("click", () => suggest());
$("new-object").addEventListener("click", newObject);
$("clear").addEventListener("click", () => clear());
$("erase").addEventListener("click", erase);
$("undo").addEventListener("click", () => step("undo"));
$("redo").addEventListener("click", () => step("redo"));
$("save").addEventListener("click", save);
$("reload-photo").addEventListener("click", reloadPhoto);
window.addEventListener("focus", checkDisk);
document.addEventListener("visibilitychange", checkDisk);
// Downloaded: nothing unsaved (the server marks the image kept as it serves it;
// its next answer says the same). The dot and the question on leaving go now.
$("download").addEventListener("click", () => {
  if (!photo || !$("download").hasAttribute("href")) return;
  photo.unsaved = false;
  refresh();
});
$("dilate").addEventListener("input", settingsChanged);
$("feather").addEventListener("input", settingsChanged);
$("inpainter").addEventListener("change", (event) => { settingsChanged(); event.target.blur(); });
$("tool-mark").addEventListener("click", () => setTool("mark"));
$("tool-brush").addEventListener("click", () => setTool("brush"));
$("keep-mode").addEventListener("click", toggleKeep);
$("brush-size").addEventListener("input", (event) => { tools.brushPx = Number(event.target.value); });
$("help-button").addEventListener("click", () => toggleHelp());
$("help-close").addEventListener("click", () => toggleHelp(false));
$("copy-command").addEventListener("click", copyCommand);
$("mask-file").addEventListener("change", (event) => { uploadMask(event.target.files[0]); event.target.value = ""; });
$("zoom-fit").addEventListener("click", fit);
$("zoom-one").addEventListener("click", () => zoomTo(1));
$("zoom-in").addEventListener("click", () => zoomTo(view.zoom * 1.5));
$("zoom-out").addEventListener("click", () => zoomTo(view.zoom / 1.5));

setupKeys({crosshair: (dx, dy, big) => crosshair.move(dx, dy, big), markHere: (keep, add) => crosshair.mark(keep, add),
           erase, escape, undo: () => step("undo"), redo: () => step("redo"), suggest: () => suggest(), newObject,
           compareToggle: () => compare(!isComparing()), compareOff: () => compare(false), tool: setTool, keep: toggleKeep, brushSize,
           // + and - zoom around the crosshair while it shows (else around the centre)
           zoomIn: () => zoomTo(view.zoom * 1.5, ...crosshairOnStage()), zoomOut: () => zoomTo(view.zoom / 1.5, ...crosshairOnStage()),
           fit, one: () => zoomTo(1, ...crosshairOnStage()),
           help: () => toggleHelp()});

document.addEventListener("dragover", (event) => { event.preventDefault(); document.body.classList.add("dragging"); });
document.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
document.addEventListener("drop", (event) => {
  event.preventDefault(); document.body.classList.remove("dragging");
  openFile(event.dataTransfer.files[0]);
});

// Leaving or reloading with unsaved erases asks first (the server keeps them
// while it runs, but a closed server or a closed tab would lose them).
window.addEventListener("beforeunload", (event) => {
  if ([...unsaved.values()].some(Boolean) || working === "erase") { event.preventDefault(); event.returnValue = ""; }
});

guard(async () => {
  info = await call("/api/info");
  for (const name of ["auto", ...info.inpainters]) $("inpainter").add(new Option(name, name));
  $("segmenter-info").textContent = `Segmenter: ${info.segmenter || "none"}`;
  $("segmenter-info").title = info.hint || "";
  if (firstTime(info.hint)) message(info.hint);
  if (info.folder) {
    const {photos} = await call("/api/folder");
    for (const name of photos) addThumb(name, null, true);
  }
  const mine = await call("/api/photos/mine");
  for (const p of mine.photos) { unsaved.set(p.name, p.unsaved); addThumb(p.name, p.id); }
  // A reload restores the photo this tab had open, with its marks and history.
  const open = sessionStorage.getItem("eraser-photo");
  const wanted = new URLSearchParams(location.search).get("photo");
  if (open && mine.photos.some((p) => p.id === open)) await openKept(open);
  else if (wanted) await openFromFolder(wanted);
  refresh();
  document.body.dataset.client = clientId;
  document.body.dataset.ready = "yes";
})();
