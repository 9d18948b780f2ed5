const DATA = JSON.parse(document.getElementById("console-data").textContent);
const COUNTER = DATA.counter;
const LANG = DATA.lang;
const PRIORITY = DATA.priority_names;
const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const API = "/api/v1";
const TXT = {
  th: { called: "เรียก", recalled: "เรียกซ้ำ", done: "ปิดงานแล้ว", no_show: "บันทึกไม่มาแสดงตนแล้ว",
        transferred: "โอนแล้ว", serving: "เริ่มให้บริการ", paused: "พักช่องบริการแล้ว", resumed: "เปิดให้บริการแล้ว",
        none: "ไม่มีคิวรอ", min: "นาที", s: "วินาที", served: "ให้บริการแล้ว", noshows: "ไม่มาแสดงตน",
        transfers: "โอน", mean: "เวลาเฉลี่ย", reason: "เหตุผลที่พัก (เช่น พักกลางวัน, ประชุม)", need_reason: "กรุณาระบุเหตุผล",
        pick: "เลือกบัตรคิว", any: "— ไม่ระบุ —", offline: "ขาดการเชื่อมต่อกับเซิร์ฟเวอร์ กำลังลองใหม่",
        state: { open: "เปิด", paused: "พัก", closed: "ปิด" },
        status: { called: "เรียกแล้ว", serving: "กำลังให้บริการ" } },
  en: { called: "Called", recalled: "Recalled", done: "Done", no_show: "Marked as no-show",
        transferred: "Transferred", serving: "Serving started", paused: "Counter paused", resumed: "Counter resumed",
        none: "Nobody is waiting", min: "min", s: "s", served: "Served", noshows: "No-shows",
        transfers: "Transfers", mean: "Mean service time", reason: "Reason for the pause (e.g. lunch, meeting)", need_reason: "Please give a reason",
        pick: "Choose a ticket", any: "— any —", offline: "Lost the server, retrying",
        state: { open: "open", paused: "paused", closed: "closed" },
        status: { called: "called", serving: "being served" } },
}[LANG];
let desk = null;
let added = [];
let busy = false;

function $(id) { return document.getElementById(id); }
function name(item) { return LANG === "en" ? item.name_en : item.name_th; }
function minutes(s) { return s == null ? "–" : (s < 60 ? s + " " + TXT.s : Math.round(s / 60) + " " + TXT.min); }
function say(text, ok) {
  const box = $("message");
  box.hidden = false; box.textContent = text; box.className = "flash " + (ok ? "ok" : "error");
}
function option(value, label) { const o = document.createElement("option"); o.value = value; o.textContent = label; return o; }

async function api(method, path, body) {
  const response = await fetch(API + path, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF, "Accept": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  let doc = null;
  try { doc = await response.json(); } catch (e) { /* not JSON: the status says enough */ }
  if (!response.ok) {
    const err = doc && doc.error;
    throw new Error(err ? (LANG === "en" ? err.message : (err.message_th || err.message)) : "HTTP " + response.status);
  }
  return doc;
}

async function act(method, path, body, done) {
  if (busy) return;
  busy = true;
  document.querySelectorAll("button").forEach(b => b.disabled = true);
  try {
    const result = await api(method, path, body);
    say(done(result), true);
  } catch (e) {
    say(e.message, false);
  } finally {
    busy = false;
    await refresh();
  }
}

function render() {
  const c = desk.counter;
  $("counter-state").textContent = TXT.state[c.state] + (c.pause_reason ? " · " + c.pause_reason : "");
  $("counter-state").className = "badge " + (c.state === "open" ? "good" : "bad");
  $("pause").hidden = c.state !== "open";
  $("resume").hidden = c.state === "open";
  const t = desk.ticket;
  $("no-ticket").hidden = !!t; $("ticket").hidden = !t;
  document.querySelectorAll("button").forEach(b => b.disabled = false);
  $("next").disabled = !!t || c.state !== "open";
  if (t) {
    const svc = desk.services.find(s => s.code === t.service);
    $("ticket-number").textContent = t.number;
    $("ticket-service").textContent = t.service + " " + (svc ? name(svc) : "");
    $("ticket-priority").textContent = PRIORITY[t.priority] || t.priority;
    $("ticket-status").textContent = TXT.status[t.status] || t.status;
    $("ticket-waited").textContent = minutes(t.waited_s);
    $("serving").disabled = t.status !== "called";
    const tx = $("transactions"); tx.replaceChildren();
    const codes = [...t.transactions.map(x => x.service), ...added.filter(a => !t.transactions.some(x => x.service === a))];
    for (const code of codes) {
      const svc2 = desk.services.find(s => s.code === code);
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox"; box.value = code; box.name = "tx";
      box.checked = code === t.service || added.includes(code) || t.transactions.some(x => x.service === code && x.done);
      label.append(box, document.createTextNode(code + " " + (svc2 ? name(svc2) : "")));
      tx.append(label);
    }
  } else {
    added = [];
  }
  const add = $("add-service"), ts = $("transfer-service"), tc = $("transfer-counter");
  add.replaceChildren(); ts.replaceChildren(option("", TXT.any)); tc.replaceChildren(option("", TXT.any));
  for (const s of desk.services) { add.append(option(s.code, s.code + " " + name(s))); ts.append(option(s.code, s.code + " " + name(s))); }
  for (const k of desk.counters) if (k.code !== COUNTER) tc.append(option(k.code, name(k)));
  const q = $("queues"); q.replaceChildren();
  for (const row of desk.queues) {
    const tr = document.createElement("tr");
    for (const text of [row.service + " " + name(row), String(row.waiting), minutes(row.longest_wait_s)]) {
      const td = document.createElement("td"); td.textContent = text; tr.append(td);
    }
    q.append(tr);
  }
  const ct = $("call-ticket"); ct.replaceChildren(option("", desk.waiting.length ? TXT.pick : TXT.none));
  for (const w of desk.waiting) ct.append(option(w.id, w.number + " · " + (PRIORITY[w.priority] || w.priority) + " · " + minutes(w.waited_s)));
  const d = desk.today, today = $("today"); today.replaceChildren();
  for (const [k, v] of [[TXT.served, d.served], [TXT.noshows, d.no_shows], [TXT.transfers, d.transferred], [TXT.mean, minutes(d.mean_service_s)]]) {
    const dt = document.createElement("dt"); dt.textContent = k;
    const dd = document.createElement("dd"); dd.textContent = v;
    today.append(dt, dd);
  }
}

async function refresh() {
  try {
    desk = await api("GET", "/counters/" + encodeURIComponent(COUNTER));
    render();
  } catch (e) {
    say(e.message, false);
  }
}

function ticketId() { return desk && desk.ticket && desk.ticket.id; }
const path = p => "/tickets/" + encodeURIComponent(ticketId()) + p;
const actions = {
  next: () => act("POST", "/counters/" + COUNTER + "/next", undefined, t => t ? TXT.called + " " + t.number : TXT.none),
  recall: () => ticketId() && act("POST", "/counters/" + COUNTER + "/recall", undefined, t => TXT.recalled + " " + t.number),
  "no-show": () => ticketId() && act("POST", path("/no-show"), undefined, t => TXT.no_show + " " + t.number),
  serving: () => ticketId() && act("POST", path("/serving"), undefined, t => TXT.serving + " " + t.number),
  done: () => {
    if (!ticketId()) return;
    const codes = [...document.querySelectorAll('input[name="tx"]:checked')].map(b => b.value);
    act("POST", path("/done"), { transactions: codes }, t => TXT.done + " " + t.number);
  },
};
$("next").onclick = actions.next;
$("recall").onclick = actions.recall;
$("no-show").onclick = actions["no-show"];
$("serving").onclick = actions.serving;
$("done").onclick = actions.done;
$("add-tx").onclick = () => { const code = $("add-service").value; if (code && !added.includes(code)) added.push(code); render(); };
$("transfer").onclick = () => {
  const body = {};
  if ($("transfer-service").value) body.service = $("transfer-service").value;
  if ($("transfer-counter").value) body.counter = $("transfer-counter").value;
  act("POST", path("/transfer"), body, t => TXT.transferred + " " + t.number);
};
$("call-chosen").onclick = () => {
  const id = $("call-ticket").value, reason = $("call-reason").value.trim();
  if (!id || !reason) { say(TXT.need_reason, false); return; }
  act("POST", "/counters/" + COUNTER + "/call", { ticket_id: id, reason }, t => { $("call-reason").value = ""; return TXT.called + " " + t.number; });
};
$("pause").onclick = () => {
  const reason = window.prompt(TXT.reason);
  if (reason === null) return;
  act("POST", "/counters/" + COUNTER + "/pause", { reason: reason.trim() }, () => TXT.paused);
};
$("resume").onclick = () => act("POST", "/counters/" + COUNTER + "/resume", {}, () => TXT.resumed);
const KEYS = { F1: "next", F2: "recall", F3: "no-show", F4: "done", F5: "serving" };
document.addEventListener("keydown", e => {
  if (KEYS[e.key]) { e.preventDefault(); actions[KEYS[e.key]](); }
});

let timer = null;
function soon() { clearTimeout(timer); timer = setTimeout(refresh, 250); }
function listen() {
  const source = new EventSource(API + "/events?office=" + encodeURIComponent(DATA.office));
  for (const type of ["ticket.issued", "ticket.called", "ticket.recalled", "ticket.done", "ticket.no_show",
                      "ticket.transferred", "ticket.cancelled", "counter.paused", "counter.resumed"]) {
    source.addEventListener(type, soon);
  }
  source.onopen = soon;
}
refresh();
listen();
setInterval(refresh, 30000);  // waited times keep counting even when nothing happens
