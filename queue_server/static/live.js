// Live pages (officer console, supervisor dashboard, province dashboard): the element marked
// data-live is drawn by the server and refreshed by htmx, morphed in place by idiomorph, whenever
// its event stream (data-stream; the event types in data-events, else an office's own) says
// something happened. Refreshes are spaced at least GAP ms apart (data-gap), the last event
// always leads to one, and htmx keeps at most one request in flight (hx-sync).
//
// A page of several parts (the province dashboard: one per office) names the event field that
// says which part changed (data-part-by) and marks each part (data-part, with its own hx-get
// triggered by "live-part", a name of its own: the event bubbles up to the whole):
// only the parts with news are redrawn; after a reconnect, or for a part not on the page, all.
//
// What the person is doing is theirs: inside [data-keep] the morph never touches a field's
// value, a box's tick, an option's selection or an open <details>; focus stays where it is.
(function () {
  "use strict";
  const GAP = 200;
  const KEPT = new Set(["value", "checked", "selected", "open"]);
  const TYPES = ["ticket.issued", "ticket.called", "ticket.recalled", "ticket.serving", "ticket.done",
                 "ticket.no_show", "ticket.no_show_undone", "ticket.transferred", "ticket.cancelled",
                 "counter.opened", "counter.paused", "counter.resumed", "counter.closed",
                 "counter.pause_pending", "counter.pause_withdrawn"];

  Idiomorph.defaults.callbacks.beforeAttributeUpdated = function (name, element) {
    return !(KEPT.has(name) && element.closest("[data-keep]"));
  };

  const target = document.querySelector("[data-live]");
  if (!target) return;
  const gap = Number(target.dataset.gap || GAP);
  const types = target.dataset.events ? target.dataset.events.split(" ") : TYPES;
  const partBy = target.dataset.partBy;
  let last = 0;
  let timer = null;
  let parts = new Set();  // the parts to redraw, or null: all of it

  function refresh() {
    timer = null;
    last = Date.now();
    const names = parts;
    parts = new Set();
    const found = names === null ? [] : [...names].map(
      name => target.querySelector(`[data-part="${CSS.escape(String(name))}"]`));
    if (names === null || found.some(element => element === null)) {
      htmx.trigger(target, "live");
    } else {
      for (const element of found) htmx.trigger(element, "live-part");
    }
  }

  function changed(event) {
    const part = partBy && event && event.data ? JSON.parse(event.data)[partBy] : undefined;
    if (part === undefined || part === null) parts = null;
    else if (parts !== null) parts.add(part);
    if (timer !== null) return;
    timer = setTimeout(refresh, Math.max(0, last + gap - Date.now()));
  }

  // Signed out meanwhile (the session ended, the password changed): go to the sign-in page
  // rather than drawing it inside this one.
  document.body.addEventListener("htmx:beforeSwap", e => {
    const url = e.detail.xhr.responseURL;
    if (url && new URL(url).pathname === "/login") {
      e.detail.shouldSwap = false;
      window.location.assign(url);
    }
  });
  // The server out of reach: say so until a drawing succeeds again.
  const offline = document.getElementById("offline");
  document.body.addEventListener("htmx:sendError", () => { if (offline) offline.hidden = false; });
  document.body.addEventListener("htmx:afterSettle", () => { if (offline) offline.hidden = true; });

  window.swqLive = { refresh: () => changed() };
  const source = new EventSource(target.dataset.stream);
  for (const type of types) source.addEventListener(type, changed);
  source.onopen = () => changed();  // after a reconnect, whatever was missed is drawn again
})();
