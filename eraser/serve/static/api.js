// The API client: every request carries this tab's client id (the server keeps
// photos per tab), and requests that change a photo run one after another, so a
// click made while the server works is applied after it, in order, never lost.

function newClientId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// sessionStorage: one id per tab, kept across reloads of that tab. A duplicated
// tab (Duplicate tab, window.open, reopening a closed tab) copies sessionStorage
// and with it the id: two live tabs then shared one set of photos, each erasing
// marks it never showed. So a tab holds a Web Lock named by its id for its
// life. A new page asks for that lock and, at the same time, asks the other
// tabs whether one of them holds it: a reload gets the lock once the old page
// is gone; a duplicate is told "held" by the live tab and takes a fresh id.
// No waiting on a clock either way.
async function claimClient(id) {
  if (!navigator.locks || !window.BroadcastChannel) return id;  // not a secure context: as before
  const channel = new BroadcastChannel("eraser-clients");
  const stop = new AbortController();
  const taken = new Promise((resolve) => {
    channel.onmessage = (event) => { if (event.data && event.data.held === id) resolve(false); };
  });
  const got = new Promise((resolve) => {
    navigator.locks.request(`eraser-client-${id}`, {signal: stop.signal}, () => {
      resolve(true);
      return new Promise(() => {});  // held until the page goes
    }).catch(() => resolve(false));
  });
  channel.postMessage({ask: id});
  const mine = await Promise.race([got, taken]);
  if (!mine) {
    stop.abort();
    channel.close();
    return claimClient(newClientId());
  }
  channel.onmessage = (event) => { if (event.data && event.data.ask === id) channel.postMessage({held: id}); };
  return id;
}

export const clientId = await claimClient(sessionStorage.getItem("eraser-client") || newClientId());
sessionStorage.setItem("eraser-client", clientId);

let pending = 0;
const listeners = [];
export function onBusy(fn) { listeners.push(fn); }
function setPending(delta) {
  pending += delta;
  document.body.dataset.busy = pending;
  for (const fn of listeners) fn(pending);
}

export class ApiError extends Error {
  constructor(message, status, data) { super(message); this.status = status; this.data = data; }
}

export async function call(path, options = {}) {
  setPending(1);
  try {
    const headers = {"x-eraser-client": clientId, ...(options.headers || {})};
    const response = await fetch(path, {...options, headers});
    const isJson = (response.headers.get("content-type") || "").includes("json");
    const data = isJson ? await response.json() : null;
    if (!response.ok) throw new ApiError((data && data.error) || `${response.status} ${response.statusText}`, response.status, data);
    return data;
  } finally {
    setPending(-1);
  }
}

export const post = (path, body) => call(path, {method: "POST", headers: {"content-type": "application/json"},
                                               body: JSON.stringify(body || {})});

// An URL the page loads without fetch (images, downloads) still names the tab.
export const url = (path) => `${path}${path.includes("?") ? "&" : "?"}client=${clientId}`;

// One queue for the changes to photos: each waits for the one before.
let chain = Promise.resolve();
let queued = 0;
const drained = [];
export function onQueueDrained(fn) { drained.push(fn); }
export function enqueue(fn) {
  queued += 1;
  const run = chain.then(fn);
  // A drained callback that throws must not reject the chain (the next change would never run).
  chain = run.catch(() => {}).finally(() => {
    queued -= 1;
    if (!queued) for (const f of drained) { try { f(); } catch (err) { console.error(err); } }
  });
  return run;
}
export const queueLength = () => queued;
