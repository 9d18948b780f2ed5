const DATA = JSON.parse(document.getElementById("page-data").textContent);
const LANG = DATA.lang;
const STATUS_URL = DATA.status_url;
const EVENTS_URL = DATA.events_url;
const T = {
  th: { waiting: "รอเรียก", called: "เชิญที่", serving: "กำลังให้บริการ", done: "เสร็จสิ้น ขอบคุณที่ใช้บริการ",
        no_show: "ไม่มาแสดงตน", cancelled: "ยกเลิกแล้ว", ahead: "คิวก่อนหน้า", people: "คน",
        wait: "เวลารอโดยประมาณ", min: "นาที", soon: "อีกไม่นาน", live: "อัปเดตอัตโนมัติ",
        offline: "ขาดการเชื่อมต่อ กำลังลองใหม่…" },
  en: { waiting: "Waiting", called: "Please go to", serving: "Being served", done: "Done, thank you",
        no_show: "No-show", cancelled: "Cancelled", ahead: "People ahead", people: "",
        wait: "Estimated wait", min: "min", soon: "soon", live: "Updates automatically",
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
    const text = wait === null ? "–" : wait < 60 ? T.soon : `${Math.round(wait / 60)} ${T.min}`;
    facts.append(el("dt", T.wait), el("dd", text));
  }
  document.getElementById("feedback").hidden = doc.state !== "done";
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
function refresh(delay) {
  clearTimeout(pending);
  pending = setTimeout(async () => {
    try {
      const response = await fetch(STATUS_URL, { cache: "no-store" });
      if (response.ok) { doc = await response.json(); render(); }
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

render();
const live = document.getElementById("live");
live.textContent = T.live;
const source = new EventSource(EVENTS_URL);
source.onopen = () => { live.textContent = T.live; refresh(0); };
source.onerror = () => { live.textContent = T.offline; };
for (const type of ["ticket.called", "ticket.recalled", "ticket.serving", "ticket.done",
                    "ticket.no_show", "ticket.cancelled", "ticket.transferred"]) {
  source.addEventListener(type, onEvent);
}
setInterval(() => refresh(0), 60000);
