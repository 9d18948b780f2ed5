const DATA = JSON.parse(document.getElementById("page-data").textContent);
const LANG = DATA.lang;
const OFFICE = DATA.office;
const HISTORY = 7;
const q = (path, extra) => `${path}?${new URLSearchParams({ office: OFFICE, ...extra })}`;
const T = {
  th: { number: "หมายเลข", counter: "ช่องบริการ", go: "เชิญที่", waiting: "รอเรียกคิว",
        paused: "พักชั่วคราว", closed: "ปิด", offline: "ขาดการเชื่อมต่อ กำลังเชื่อมต่อใหม่…",
        earlier: "เรียกก่อนหน้า", queued: "จำนวนผู้รอ" },
  en: { number: "Number", counter: "Counter", go: "Please go to", waiting: "Waiting for the first call",
        paused: "Paused", closed: "Closed", offline: "Reconnecting…",
        earlier: "Called before", queued: "People waiting" },
};
// Bilingual texts take turns every FLIP_MS, so each language gets the whole line at a size the
// hall reads (board.html hides the other one).
const FLIP_MS = 6000;
const MAIN = T[LANG], OTHER = T[LANG === "th" ? "en" : "th"];

// The same board model as display/board_model.py: the board document holds every event up to
// its last_event_id, so replayed events up to there change nothing; later ones do.
const board = { calls: [], counters: new Map(), lastSeen: null, syncedTo: null,
                nameTh: "", nameEn: "" };

function resync(doc) {
  const id = doc.last_event_id ?? 0;
  if (board.lastSeen !== null && id < board.lastSeen) return false;
  board.nameTh = doc.office_name_th; board.nameEn = doc.office_name_en;
  board.calls = doc.calls.slice(0, HISTORY + 1).map(c => ({
    ticket: c.ticket_id ?? c.number, number: c.number, counter: c.counter }));
  board.counters = new Map(doc.counters.map(c => [c.code, {
    code: c.code, th: c.name || c.code, en: c.name_en || c.name || c.code,
    status: c.status, number: c.number }]));
  board.syncedTo = id;
  if (board.lastSeen === null) board.lastSeen = id;
  return true;
}

function counterOf(code) {
  if (!board.counters.has(code)) {
    board.counters.set(code, { code, th: code, en: code, status: "open", number: null });
  }
  return board.counters.get(code);
}

function apply(id, type, data) {
  if (board.lastSeen !== null && id <= board.lastSeen) return false;
  board.lastSeen = id;
  if (board.syncedTo !== null && id <= board.syncedTo) return false;
  if (type === "ticket.called" || type === "ticket.recalled") {
    board.calls = board.calls.filter(c => c.ticket !== data.ticket_id);
    board.calls.unshift({ ticket: data.ticket_id, number: data.number, counter: data.counter });
    board.calls.length = Math.min(board.calls.length, HISTORY + 1);
    for (const c of board.counters.values()) {
      if (c.number === data.number && c.code !== data.counter) c.number = null;
    }
    const c = counterOf(data.counter); c.number = data.number; c.status = "open";
    return true;
  }
  if (["ticket.done", "ticket.no_show", "ticket.cancelled", "ticket.transferred"].includes(type)) {
    const code = type === "ticket.transferred" ? data.from_counter : data.counter;
    const c = code == null ? null : board.counters.get(code);
    if (c && c.number === data.number) c.number = null;
    return false;
  }
  const states = { "counter.opened": "open", "counter.resumed": "open",
                   "counter.paused": "paused", "counter.closed": "closed" };
  if (type in states) counterOf(data.counter).status = states[type];
  return false;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// The board's language first, then the other; each child tagged for the language flip.
function pair(cls, th, en, tag = "div") {
  const box = el(tag, cls);
  const parts = [["th", th], ["en", en]];
  if (LANG === "en") parts.reverse();
  for (const [lang, text] of parts) {
    const part = el(tag === "div" ? "div" : "span", "", text);
    part.dataset.lang = lang;
    box.append(part);
  }
  return box;
}

function render() {
  document.getElementById("office-name").replaceChildren(pair("", board.nameTh, board.nameEn));
  const newest = board.calls[0];
  document.getElementById("newest-number").textContent = newest ? newest.number : "–";
  const counter = newest ? counterOf(newest.counter) : null;
  document.getElementById("newest-counter").replaceChildren(newest
    ? pair("", `${T.th.go} ${counter.th}`, `${T.en.go} ${counter.en}`)
    : pair("", T.th.waiting, T.en.waiting));
  const calls = document.getElementById("calls");
  calls.replaceChildren(pair("head", T.th.earlier, T.en.earlier));
  for (const call of board.calls.slice(1)) {
    const row = el("div", "row");
    row.append(el("span", "", call.number), el("span", "", call.counter));
    calls.append(row);
  }
  const tiles = document.getElementById("counters");
  const list = [...board.counters.values()].sort((a, b) =>
    a.code.localeCompare(b.code, undefined, { numeric: true }));
  tiles.replaceChildren(...list.map(c => {
    const tile = el("div", "tile" + (newest && c.code === newest.counter ? " active" : ""));
    tile.dataset.counter = c.code;
    const state = c.number === null && (c.status === "paused" || c.status === "closed");
    tile.append(pair("name", c.th, c.en), state
      ? pair("number state", T.th[c.status], T.en[c.status])
      : el("div", "number", c.number ?? "–"));
    return tile;
  }));
  fitCalls();
}

// The calls before the newest fill what room the layout leaves them; the rest are not shown
// rather than cut in half or spilled over the panel below.
// Measured in the panel's own coordinates, which hold when the whole board is turned.
function fitCalls() {
  const calls = document.getElementById("calls");
  const parts = [...calls.children];
  parts.forEach(p => { p.hidden = false; });
  const room = calls.clientHeight + 1;
  for (const part of parts) part.hidden = part.offsetTop + part.offsetHeight > room;
  // A hidden part frees no room above it, so one pass is enough; a head over no call goes.
  parts[0].hidden ||= !parts.slice(1).some(p => !p.hidden);
}

// The layout the admin chose for this board (Devices page) and the reading rule: a letter
// 1 cm tall per `metres_per_letter_cm` of distance, on a screen of `diagonal_in`.
let layout = DATA.layout;
function applyLayout(next) {
  layout = next;
  // "landscape"/"portrait" say how the screen hangs: a TV turned on its side whose browser
  // does not know it shows the board turned a quarter (board.html, body.rotated).
  const tall = innerHeight > innerWidth;
  const portrait = layout.orientation === "auto" ? tall : layout.orientation === "portrait";
  const rotated = portrait !== tall;
  const w = rotated ? innerHeight : innerWidth, h = rotated ? innerWidth : innerHeight;
  const pxPerCm = Math.hypot(w, h) / (layout.diagonal_in * 2.54);
  const near = 0.02 * Math.min(w, h);
  const far = Math.max(near, layout.distance_m / layout.metres_per_letter_cm
                             / layout.thai_letter_em * pxPerCm);
  const body = document.body;
  body.style.setProperty("--far", `${far}px`);
  body.style.setProperty("--near", `${near}px`);
  body.style.setProperty("--columns", String(layout.columns));
  body.classList.toggle("portrait", portrait);
  body.classList.toggle("rotated", rotated);
  body.classList.toggle("cols-1", layout.columns === 1);
  body.classList.toggle("cols-2", layout.columns === 2);
  document.getElementById("waiting").hidden = !layout.waiting_counts;
  fitCalls();
  return readWaiting();
}

function applyBranding(branding) {
  const root = document.documentElement.style;
  root.setProperty("--primary", branding.primary);
  root.setProperty("--accent", branding.accent);
  const logo = document.getElementById("logo");
  if (branding.logo_url && logo.getAttribute("src") !== branding.logo_url) logo.src = branding.logo_url;
  logo.hidden = !branding.logo_url;
}

// People waiting per service (the layout's waiting-count variant), from the services list.
async function readWaiting() {
  if (!layout.waiting_counts) return;
  try {
    const services = await getJSON("/api/v1/services");
    const panel = document.getElementById("waiting");
    panel.replaceChildren(pair("head", T.th.queued, T.en.queued), ...services.map(s => {
      const row = el("div", "row");
      row.dataset.service = s.code;
      row.append(pair("", s.name_th, s.name_en, "span"), el("span", "count", String(s.waiting)));
      return row;
    }));
    fitCalls();
  } catch (e) { /* the next event or the periodic read tries again */ }
}

let showing = LANG;
function flip() {
  showing = showing === "th" ? "en" : "th";
  document.body.classList.toggle("show-th", showing === "th");
  document.body.classList.toggle("show-en", showing === "en");
  fitCalls();
}

function blink() {
  const panel = document.getElementById("newest");
  panel.classList.remove("blink");
  void panel.offsetWidth;  // restart the animation for a call that comes while it runs
  panel.classList.add("blink");
}

let timeZone = "Asia/Bangkok";
function tick() {
  const now = new Date();
  const fmt = (locale, opts) => new Intl.DateTimeFormat(locale, { timeZone, ...opts }).format(now);
  document.getElementById("clock").textContent =
    fmt("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false });
  const th = fmt("th-TH-u-ca-buddhist", { dateStyle: "full" });
  const en = fmt("en-GB", { weekday: "long", day: "numeric", month: "long", year: "numeric" });
  document.getElementById("date-main").textContent = LANG === "th" ? th : en;
  document.getElementById("date-other").textContent = LANG === "th" ? en : th;
}

function setOnline(online) {
  const sub = document.getElementById("office-sub");
  sub.classList.toggle("offline", !online);
  sub.textContent = online ? "" : `${MAIN.offline} ${OTHER.offline}`;
}

async function getJSON(path) {
  const response = await fetch(q(path), { cache: "no-store" });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

// null: the server's own (stand-in) pack.
function usePack(pack) {
  if (pack) voice.usePack(pack.version, pack.languages);
  else voice.usePack("default", ["th", "en"]);
}

// The office document: time zone, notice line and sound; an admin's change shows within
// OFFICE_EVERY_MS.
const OFFICE_EVERY_MS = 30000;
async function readOffice() {
  const office = await getJSON("/api/v1/office");
  if (office.branding) applyBranding(office.branding);
  try {
    const response = await fetch("/board/layout", { cache: "no-store" });
    if (response.ok) await applyLayout(await response.json());
  } catch (e) { /* keep the layout shown */ }
  timeZone = office.timezone || timeZone;
  voice.timeZone = timeZone;
  if (office.sound) voice.configure(BoardVoice.effective(office.sound, DATA.sound.board));
  usePack(office.voice_pack);
  return office;
}

async function resyncNow() {
  try {
    const office = await readOffice();
    const notice = [office.notice_th, office.notice_en].filter(Boolean).join("      •      ");
    const line = document.getElementById("notice");
    if (line.textContent !== notice) {
      line.textContent = notice;
      line.style.setProperty("--ticker-s", `${Math.max(15, notice.length / 4)}s`);
    }
    if (resync(await getJSON("/api/v1/board"))) render();
    tick();
  } catch (e) { /* the next reconnect or the periodic resync tries again */ }
}

// EventSource reconnects by itself and sends Last-Event-ID; when the server refuses (503 while
// full, or down at the moment of the retry) the source closes, so open a new one after a pause.
let source = null, backoff = 1000;
function connect() {
  const extra = board.lastSeen === null ? {} : { last_event_id: board.lastSeen };
  source = new EventSource(q("/api/v1/events", extra));
  source.onopen = () => { backoff = 1000; setOnline(true); resyncNow(); };
  // An admin made another pack the office's: the next call is said with it. The languages come
  // with the office document, read at once.
  source.addEventListener("office.voice_pack", () => readOffice().catch(() => {}));
  source.onerror = () => {
    setOnline(false);
    if (source.readyState === EventSource.CLOSED) {
      setTimeout(connect, backoff * (0.8 + Math.random() * 0.4));
      backoff = Math.min(backoff * 2, 15000);
    }
  };
  for (const type of ["ticket.called", "ticket.recalled", "ticket.done", "ticket.no_show",
                      "ticket.cancelled", "ticket.transferred", "counter.opened",
                      "counter.paused", "counter.resumed", "counter.closed"]) {
    source.addEventListener(type, message => {
      let data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      const called = apply(Number(message.lastEventId), type, data);
      render();
      readWaiting();
      if (called) {
        blink();
        voice.announce(data.number, data.counter);
      }
    });
  }
}

const voice = new BoardVoice.Voice(
  BoardVoice.effective(DATA.sound.office, DATA.sound.board), document.getElementById("sound-note"));
voice.usePack(DATA.sound.pack.version, DATA.sound.pack.languages);
resync(DATA.doc);
applyBranding(DATA.branding);
render();
applyLayout(layout);
addEventListener("resize", () => applyLayout(layout));
setInterval(flip, FLIP_MS);
tick();
setOnline(true);
setInterval(tick, 1000);
setInterval(resyncNow, 300000);
setInterval(() => readOffice().catch(() => {}), OFFICE_EVERY_MS);
connect();

// The phone-ticket QR (?phone_qr=1) changes at the office's midnight: fetch it again now and then.
const PHONE_QR = document.getElementById("phone-qr-img");
if (PHONE_QR) {
  setInterval(() => { PHONE_QR.src = `${PHONE_QR.dataset.src}?at=${Date.now()}`; }, 600000);
}
