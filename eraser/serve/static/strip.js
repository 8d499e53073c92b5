// The thumbnail strip says when it holds more than it shows: a fade at each
// edge with thumbnails beyond it, and a count ("3 of 12": the photo shown, of
// all). A first-time tryout at 390x844 could not tell the strip scrolls sideways.
const $ = (id) => document.getElementById(id);

export function setupStrip() {
  const strip = $("photos"), count = $("strip-count");
  function update() {
    const over = !strip.hidden && strip.scrollWidth > strip.clientWidth + 1;
    strip.classList.toggle("overflowing", over);  // room at its end for the count: the last caption stays readable
    strip.classList.toggle("more-left", over && strip.scrollLeft > 1);
    strip.classList.toggle("more-right", over && strip.scrollLeft + strip.clientWidth < strip.scrollWidth - 1);
    const figures = [...strip.querySelectorAll("figure")];
    const current = figures.findIndex((f) => f.classList.contains("current"));
    count.hidden = !over;
    count.textContent = current >= 0 ? `${current + 1} of ${figures.length}` : `${figures.length} photos`;
  }
  strip.addEventListener("scroll", update, {passive: true});
  window.addEventListener("resize", update);
  // thumbnails added, the current one changed, the strip shown
  new MutationObserver(update).observe(strip, {childList: true, subtree: true, attributes: true, attributeFilter: ["class", "hidden"]});
  update();
  // the photo shown comes into the strip's view (picked by a reload or a name in the address)
  return () => strip.querySelector("figure.current")?.scrollIntoView({block: "nearest", inline: "nearest"});
}
