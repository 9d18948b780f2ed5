const DATA = JSON.parse(document.getElementById("page-data").textContent);
const LANG = DATA.lang;
const STATUS_URL = DATA.status_url;
const EVENTS_URL = DATA.events_url;
const T = {
  th: { waiting: "รอเรียก", called: "เชิญที่", serving: "กำลังให้บริการ", done: "เสร็จสิ้น ขอบคุณที่ใช้บริการ",
        no_show: "ท่านไม่ได้มาที่ช่องบริการเมื่อถูกเรียก หากยังต้องการรับบริการ กรุณาติดต่อโต๊ะประชาสัมพันธ์ หรือกดรับบัตรคิวใหม่ที่ตู้", cancelled: "ยกเลิกแล้ว", ahead: "คิวก่อนหน้า", people: "คน",
        wait: "เวลารอโดยประมาณ", about: "ประมาณ", upto: "ไม่เกิน", min: "นาที", soon: "อีกไม่นาน", live: "อัปเดตอัตโนมัติ",
        offline: "ขาดการเชื่อมต่อ กำลังลองใหม่…" },
  en: { waiting: "Waiting", called: "Please go to", serving: "Being served", done: "Done, thank you",
        no_show: "You were called but did not come to the counter. If you still need the service, please ask at the information desk or take a new ticket at the kiosk.", cancelled: "Cancelled", ahead: "People ahead", people: "",
        wait: "Estimated wait", about: "about", upto: "up to", min: "min", soon: "soon", live: "Updates automatically",
        offline: "Connection lost, retrying…" },
}[LANG];
let doc = DATA.doc;

function el(tag, text) { const e = document.createElement(tag); e.textContent = text; return e; }

function render() {
  const card = document.getElementById("card");
  const atCounter = doc.state === "called" || doc.state === "serving";
  card.classList.toggle("called", atCounter);
  const counterName = LANG === "th" ? doc.counter_name_th : doc.counter_name_en;
  document.getElementById("state").textContent =
    doc.state === "called" ? `${T.called} ${counterName || doc.counter}` : T[doc.state];
  const facts = document.getElementById("facts");
  facts.replaceChildren();
  if (doc.state === "waiting") {
    facts.append(el("dt", T.ahead), el("dd", `${doc.people_ahead} ${T.people}`.trim()));
    const wait = doc.estimated_wait_s;
    const range = doc.estimated_wait_range_s;
    let text = wait === null ? "–" : wait < 60 ? T.soon : `${Math.round(wait / 60)} ${T.min}`;
    if (wait !== null && range && range[1] >= 60) {
      const [low, high] = range.map((s) => Math.round(s / 60));
      text = low < 1 ? `${T.upto} ${high} ${T.min}` : `${T.about} ${low}–${high} ${T.min}`;
    }
    const dd = el("dd", text);
    dd.id = "wait";
    facts.append(el("dt", T.wait), dd);
  }
  document.getElementById("feedback").hidden = doc.state !== "done";
  document.getElementById("notify").hidden = doc.state !== "waiting";
  tell();
}

// The rating form: once the visit is done, one rating (a second is refused by the server).
const FEEDBACK_URL = DATA.feedback_url;
let rating = 0;
function showRated() {
  document.getElementById("rate").hidden = true;
  document.getElementById("thanks").hidden = false;
}
if (DATA.rated) showRated();
for (const button of document.querySelectorAll(".faces button")) {
  button.addEventListener("click", () => {
    rating = Number(button.dataset.rating);
    for (const other of document.querySelectorAll(".faces button")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    document.getElementById("send").disabled = false;
  });
}
document.getElementById("send").addEventListener("click", async () => {
  const send = document.getElementById("send");
  send.disabled = true;
  try {
    const response = await fetch(FEEDBACK_URL, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ rating, comment: document.getElementById("comment").value }),
    });
    if (response.ok || response.status === 409) showRated(); else send.disabled = false;
  } catch (e) { send.disabled = false; }
});

const TICKET_ID = DATA.ticket_id;
let pending = null;
let asked = 0;  // the latest request: an earlier one answering late must not undo its news
function refresh(delay) {
  clearTimeout(pending);
  pending = setTimeout(async () => {
    const mine = ++asked;
    try {
      const response = await fetch(STATUS_URL, { cache: "no-store" });
      if (!response.ok) return;
      const fresh = await response.json();
      // A call and its "done" a moment apart: the answer about the call may come second.
      if (mine === asked) { doc = fresh; render(); }
    } catch (e) { /* the stream's reconnect brings the next refresh */ }
  }, delay);
}

// Only events that can move this ticket matter; the others' phones are spread over two
// seconds so a call does not bring every phone in the hall to the server at once.
function onEvent(message) {
  let data = {};
  try { data = JSON.parse(message.data); } catch (e) { return; }
  if (data.ticket_id === TICKET_ID) refresh(0);
  else if (data.service === doc.service && message.type !== "ticket.issued") {
    refresh(300 + Math.random() * 2000);
  }
}

// Being told: a sound, a vibration and a notification when the ticket has the chosen number of
// people ahead (the office's by default, the citizen may change it) and when it is called. Each
// is given once per ticket (remembered in this browser); permission is asked once, by a button.
const NOTIFY_T = {
  th: { near: (n) => (n === 0 ? "ถึงคิวถัดไปแล้ว กรุณาเตรียมตัว" : `อีก ${n} คิวจะถึงคิวของท่าน กรุณากลับมาที่จุดรอ`),
        called: (c) => `ถึงคิวของท่านแล้ว เชิญที่ ${c}`, granted: "เปิดการแจ้งเตือนแล้ว",
        denied: "ท่านไม่อนุญาตการแจ้งเตือน หน้านี้จะส่งเสียงและสั่นเมื่อเปิดไว้เท่านั้น (เปลี่ยนได้ที่การตั้งค่าของเบราว์เซอร์)",
        unsupported: "เบราว์เซอร์นี้แจ้งเตือนไม่ได้ หน้านี้จะส่งเสียงและสั่นเมื่อเปิดไว้",
        dismissed: "ยังไม่ได้อนุญาตการแจ้งเตือน", sent: "จะส่งข้อความแจ้งท่านเมื่อใกล้ถึงคิวและเมื่อถูกเรียก" },
  en: { near: (n) => (n === 0 ? "You are next: please get ready" : `${n} ahead of you: please come back to the waiting area`),
        called: (c) => `Your turn: please go to ${c}`, granted: "Notifications are on",
        denied: "You refused notifications: this page sounds and vibrates only while it is open (the browser's settings can change this)",
        unsupported: "This browser cannot show notifications: the page sounds and vibrates while it is open",
        dismissed: "Notifications are not allowed yet", sent: "You will get a message when your turn is near and when you are called" },
}[LANG];
const NOTIFY = DATA.notify;
const TOLD_KEY = `swq-told-${DATA.ticket_id}`;
const told = JSON.parse(localStorage.getItem(TOLD_KEY) || "{}");
const chime = new Audio(DATA.chime_url);
const aheadInput = document.getElementById("notify-ahead");
const storedAhead = localStorage.getItem("swq-notify-ahead");
if (storedAhead !== null) aheadInput.value = storedAhead;

function aheadWanted() {
  const n = Number(aheadInput.value);
  return Number.isInteger(n) && n >= 0 ? n : NOTIFY.ahead;
}

function showPermission() {
  const state = document.getElementById("notify-state");
  const allow = document.getElementById("notify-allow");
  const permission = "Notification" in window ? Notification.permission : "unsupported";
  const asked = localStorage.getItem("swq-notify-permission");
  allow.hidden = permission !== "default";
  state.classList.toggle("refused", permission === "denied");
  if (permission === "default") state.textContent = asked ? NOTIFY_T.dismissed : "";
  else state.textContent = NOTIFY_T[permission];
}

function alertOnce(kind, text) {
  if (told[kind]) return;
  told[kind] = true;
  localStorage.setItem(TOLD_KEY, JSON.stringify(told));
  const banner = document.getElementById("alert");
  banner.textContent = text;
  banner.hidden = false;
  chime.currentTime = 0;
  chime.play().catch(() => { /* no sound before the first tap on some phones */ });
  if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 400]);
  if ("Notification" in window && Notification.permission === "granted") {
    try {
      new Notification(`${doc.number} · ${text}`, { body: document.title, tag: `${DATA.ticket_id}-${kind}` });
    } catch (e) { /* phones that show notifications only from a service worker: banner and sound */ }
  }
}

function tell() {
  if (doc.state === "waiting" && doc.people_ahead <= aheadWanted()) alertOnce("near", NOTIFY_T.near(doc.people_ahead));
  if (doc.state === "called") {
    const counterName = (LANG === "th" ? doc.counter_name_th : doc.counter_name_en) || doc.counter;
    alertOnce("called", NOTIFY_T.called(counterName));
  }
}

aheadInput.addEventListener("change", () => {
  localStorage.setItem("swq-notify-ahead", String(aheadWanted()));
  tell();
});
document.getElementById("notify-allow").addEventListener("click", async () => {
  // The tap also lets the page play its sound later (phones allow audio after a gesture).
  chime.muted = true;
  chime.play().then(() => { chime.pause(); chime.muted = false; }).catch(() => { chime.muted = false; });
  if ("Notification" in window) {
    const answer = await Notification.requestPermission();
    localStorage.setItem("swq-notify-permission", answer);
  }
  showPermission();
});
showPermission();

const sendContact = document.getElementById("notify-send");
if (sendContact) {
  sendContact.addEventListener("click", async () => {
    const note = document.getElementById("notify-sent");
    sendContact.disabled = true;
    try {
      const response = await fetch(DATA.notices_url, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ contact: document.getElementById("notify-contact").value.trim(), ahead: aheadWanted() }),
      });
      const answer = await response.json();
      note.classList.toggle("refused", !response.ok);
      note.textContent = response.ok ? NOTIFY_T.sent
        : (LANG === "th" ? answer.error.message_th : answer.error.message);
    } catch (e) { note.textContent = T.offline; }
    sendContact.disabled = false;
  });
}

render();
const live = document.getElementById("live");
live.textContent = T.live;
const source = new EventSource(EVENTS_URL);
source.onopen = () => { live.textContent = T.live; refresh(0); };
source.onerror = () => { live.textContent = T.offline; };
for (const type of ["ticket.called", "ticket.recalled", "ticket.serving", "ticket.done",
                    "ticket.no_show", "ticket.no_show_undone", "ticket.cancelled", "ticket.transferred"]) {
  source.addEventListener(type, onEvent);
}
setInterval(() => refresh(0), 60000);
