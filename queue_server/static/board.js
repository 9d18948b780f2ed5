const DATA = JSON.parse(document.getElementById("page-data").textContent);
const LANG = DATA.lang;
const OFFICE = DATA.office;
const HISTORY = 7;
const q = (path, extra) => `${path}?${new URLSearchParams({ office: OFFICE, ...extra })}`;
const T = {
  th: { number: "หมายเลข", counter: "ช่องบริการ", go: "เชิญที่", waiting: "รอเรียกคิว",
        paused: "พักชั่วคราว", closed: "ปิด", offline: "ขาดการเชื่อมต่อ กำลังเชื่อมต่อใหม่…" },
  en: { number: "Number", counter: "Counter", go: "Please go to", waiting: "Waiting for the first call",
        paused: "Paused", closed: "Closed", offline: "Reconnecting…" },
};
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

function render() {
  document.getElementById("office-name").textContent = LANG === "th" ? board.nameTh : board.nameEn;
  const newest = board.calls[0];
  document.getElementById("newest-label").textContent = `${MAIN.number}   ${OTHER.number}`;
  document.getElementById("newest-number").textContent = newest ? newest.number : "–";
  const counter = newest ? counterOf(newest.counter) : null;
  const name = (c, lang) => lang === "th" ? c.th : c.en;
  document.getElementById("newest-counter").replaceChildren(
    el("div", "", newest ? `${MAIN.go} ${name(counter, LANG)}` : MAIN.waiting),
    el("div", "", newest ? `${OTHER.go} ${name(counter, LANG === "th" ? "en" : "th")}` : OTHER.waiting));
  const calls = document.getElementById("calls");
  const head = el("div", "head");
  head.append(el("span", "", `${MAIN.number}\n${OTHER.number}`),
              el("span", "", `${MAIN.counter}\n${OTHER.counter}`));
  calls.replaceChildren(head);
  for (const call of board.calls.slice(1)) {
    const row = el("div", "row");
    row.append(el("span", "", call.number), el("span", "", call.counter));
    calls.append(row);
  }
  const tiles = document.getElementById("counters");
  const list = [...board.counters.values()].sort((a, b) =>
    a.code.localeCompare(b.code, undefined, { numeric: true }));
  tiles.style.gridTemplateColumns = `repeat(${Math.max(1, Math.min(6, Math.ceil(list.length / 2)))}, 1fr)`;
  tiles.replaceChildren(...list.map(c => {
    const tile = el("div", "tile" + (newest && c.code === newest.counter ? " active" : ""));
    tile.dataset.counter = c.code;
    const nameEl = el("div", "name");
    nameEl.append(el("div", "", name(c, LANG)), el("div", "", name(c, LANG === "th" ? "en" : "th")));
    const state = c.number === null && (c.status === "paused" || c.status === "closed");
    tile.append(nameEl, el("div", "number" + (state ? " state" : ""),
                            state ? MAIN[c.status] : (c.number ?? "–")));
    return tile;
  }));
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
  sub.textContent = online ? (LANG === "th" ? board.nameEn : board.nameTh) : `${MAIN.offline} ${OTHER.offline}`;
}

async function getJSON(path) {
  const response = await fetch(q(path), { cache: "no-store" });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

// The office document: time zone, notice line and sound; an admin's change shows within
// OFFICE_EVERY_MS.
const OFFICE_EVERY_MS = 30000;
async function readOffice() {
  const office = await getJSON("/api/v1/office");
  timeZone = office.timezone || timeZone;
  voice.timeZone = timeZone;
  if (office.sound) voice.configure(BoardVoice.effective(office.sound, DATA.sound.board));
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
      if (called) {
        blink();
        voice.announce(data.number, data.counter);
      }
    });
  }
}

const voice = new BoardVoice.Voice(
  BoardVoice.effective(DATA.sound.office, DATA.sound.board), document.getElementById("sound-note"));
resync(DATA.doc);
render();
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
