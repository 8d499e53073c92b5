// Suggestions (segment everything): a map of which suggestion lies under each
// view pixel; the one under the pointer is tinted in the hover layer, a click marks it.
import {post} from "./api.js";
import {layers} from "./view.js";

const {hover, overlay} = layers;
let suggested = null, hovered = 0, width = 0, height = 0;

export function forgetSuggestions() {
  suggested = null; hovered = 0;
  hover.getContext("2d").clearRect(0, 0, hover.width, hover.height);
  document.body.dataset.suggestions = "none"; document.body.dataset.hovered = "0";
}

export async function findSuggestions(photoId, options) {
  const found = await post(`/api/photos/${photoId}/suggestions`, {options: options || {}});
  const image = new Image();
  await new Promise((resolve, reject) => {
    image.onload = resolve; image.onerror = () => reject(new Error("cannot read the suggestions"));
    image.src = `data:image/png;base64,${found.map}`;
  });
  width = image.naturalWidth; height = image.naturalHeight;
  hover.width = width; hover.height = height;
  const s = hover.getContext("2d");
  s.drawImage(image, 0, 0);
  suggested = s.getImageData(0, 0, width, height).data;
  s.clearRect(0, 0, width, height);
  hovered = 0;
  document.body.dataset.suggestions = String(found.count);
  return found.count;
}

export function suggestionAt(event) {
  if (!suggested) return 0;
  const rect = overlay.getBoundingClientRect();
  const x = Math.floor((event.clientX - rect.left) / rect.width * width);
  const y = Math.floor((event.clientY - rect.top) / rect.height * height);
  if (x < 0 || y < 0 || x >= width || y >= height) return 0;
  const i = (y * width + x) * 4;
  return suggested[i] + 256 * suggested[i + 1];
}

function highlight(index) {
  if (index === hovered) return;
  hovered = index; document.body.dataset.hovered = String(index);
  const context = hover.getContext("2d");
  const pixels = context.createImageData(width, height), d = pixels.data;
  if (index) {
    for (let i = 0; i < d.length; i += 4) {
      if (suggested[i] + 256 * suggested[i + 1] === index) { d[i] = 80; d[i + 1] = 160; d[i + 2] = 255; d[i + 3] = 110; }
    }
  }
  context.putImageData(pixels, 0, 0);
}

overlay.addEventListener("pointermove", (event) => { if (suggested && !event.buttons) highlight(suggestionAt(event)); });
overlay.addEventListener("pointerleave", () => { if (suggested) highlight(0); });
