// The officer console's actions. The page itself is drawn by the server and kept live by
// live.js (htmx + idiomorph); this file only sends what the officer chose to the HTTP API and
// says how it went, in the server's own words (Thai, or English when chosen).
(function () {
  "use strict";
  const DATA = JSON.parse(document.getElementById("console-data").textContent);
  const COUNTER = encodeURIComponent(DATA.counter);
  const LANG = DATA.lang;
  const CSRF = document.querySelector('meta[name="csrf-token"]').content;
  const TXT = {
    th: { called: "เรียก", recalled: "เรียกซ้ำ", done: "ปิดงานแล้ว", no_show: "บันทึกไม่มาแสดงตนแล้ว",
          undone: "ยกเลิกการบันทึกไม่มาแสดงตนแล้ว เรียก", transferred: "โอนแล้ว", serving: "เริ่มให้บริการ",
          paused: "พักช่องบริการแล้ว", pausing: "จะพักช่องบริการหลังคิวนี้", resumed: "เปิดให้บริการแล้ว",
          none: "ไม่มีคิวรอ", reprinted: "พิมพ์บัตรคิวซ้ำแล้ว",
          need_ticket: "กรุณาเลือกบัตรคิวที่จะเรียก", need_reason: "กรุณาพิมพ์เหตุผลที่เรียกคิวนี้ก่อนคิวอื่น",
          need_pause: "กรุณาเลือกเหตุผลที่พัก", need_target: "กรุณาเลือกบริการหรือช่องบริการที่จะโอนไป",
          offline: "ติดต่อเซิร์ฟเวอร์ไม่ได้ กรุณาลองใหม่อีกครั้ง",
          failed: "ทำรายการไม่สำเร็จ กรุณาลองใหม่ หากยังไม่ได้ให้แจ้งผู้ดูแลระบบ" },
    en: { called: "Called", recalled: "Recalled", done: "Done", no_show: "Marked as no-show",
          undone: "No-show undone, called", transferred: "Transferred", serving: "Serving started",
          paused: "Counter paused", pausing: "The counter will pause after this ticket", resumed: "Counter resumed",
          none: "Nobody is waiting", reprinted: "Ticket reprinted",
          need_ticket: "Choose the ticket to call", need_reason: "Say why this ticket goes before the others",
          need_pause: "Choose a reason for the pause", need_target: "Choose a service or a counter to transfer to",
          offline: "Cannot reach the server; please try again",
          failed: "That did not work; please try again, and tell the administrator if it persists" },
  }[LANG];
  let busy = false;

  const $ = id => document.getElementById(id);

  function say(text, ok) {
    const box = $("message");
    box.hidden = false;
    box.textContent = text;
    box.className = "flash " + (ok ? "ok" : "error");
  }

  class Refusal extends Error {
    constructor(message, code) { super(message); this.code = code; }
  }

  async function api(method, path, body) {
    let response;
    try {
      response = await fetch("/api/v1" + path, {
        method, credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF, "Accept": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new Refusal(TXT.offline, "offline");
    }
    if (response.status === 204) return null;
    let doc = null;
    try { doc = await response.json(); } catch (e) { doc = null; }
    if (!response.ok) {
      const err = doc && doc.error;
      const text = err ? (LANG === "en" ? err.message : (err.message_th || err.message)) : TXT.failed;
      throw new Refusal(text, err ? err.code : "http_" + response.status);
    }
    return doc;
  }

  // One action at a time; the page is drawn again afterwards whatever happened.
  async function act(method, path, body, success, onRefusal) {
    if (busy) return;
    busy = true;
    try {
      say(success(await api(method, path, body)), true);
    } catch (e) {
      if (!(onRefusal && onRefusal(e))) say(e.message, false);
    } finally {
      busy = false;
      window.swqLive.refresh();
    }
  }

  function current() {
    const t = $("ticket");
    return t ? { id: t.dataset.ticket, number: t.dataset.number, recalls: Number(t.dataset.recalls) } : null;
  }
  const ticketPath = (t, p) => "/tickets/" + encodeURIComponent(t.id) + p;
  const transactionsDone = () =>
    [...document.querySelectorAll('#ticket input[name="tx"]:checked')].map(b => b.value);

  function noShow(confirmed) {
    const t = current();
    if (!t) return;
    act("POST", ticketPath(t, "/no-show"), { confirm: confirmed }, r => TXT.no_show + " " + r.number, e => {
      if (e.code !== "not_recalled") return false;
      $("no-show-text").textContent = e.message;
      $("no-show-dialog").showModal();
      return true;
    });
  }

  const actions = {
    next: () => act("POST", "/counters/" + COUNTER + "/next", undefined, r => r ? TXT.called + " " + r.number : TXT.none),
    recall: () => current() && act("POST", "/counters/" + COUNTER + "/recall", undefined, r => TXT.recalled + " " + r.number),
    "no-show": () => noShow(false),
    serving: () => { const t = current(); if (t) act("POST", ticketPath(t, "/serving"), undefined, r => TXT.serving + " " + r.number); },
    done: () => {
      const t = current();
      if (t) act("POST", ticketPath(t, "/done"), { transactions: transactionsDone() }, r => TXT.done + " " + r.number);
    },
    // Both in one request and one change: the next citizen is called as this one leaves.
    "done-next": () => {
      const t = current();
      if (!t) return;
      act("POST", ticketPath(t, "/done-and-next"), { transactions: transactionsDone() },
          r => TXT.done + " " + t.number + (r ? " · " + TXT.called + " " + r.number : ""));
    },
    transfer: () => {
      const t = current();
      if (!t) return;
      const body = {};
      if ($("transfer-service").value) body.service = $("transfer-service").value;
      if ($("transfer-counter").value) body.counter = $("transfer-counter").value;
      if (!body.service && !body.counter) { say(TXT.need_target, false); return; }
      act("POST", ticketPath(t, "/transfer"), body, r => TXT.transferred + " " + r.number);
    },
    "call-chosen": () => {
      const id = $("call-ticket").value, reason = $("call-reason").value.trim();
      if (!id) { say(TXT.need_ticket, false); return; }
      if (!reason) { say(TXT.need_reason, false); $("call-reason").focus(); return; }
      act("POST", "/counters/" + COUNTER + "/call", { ticket_id: id, reason }, r => {
        $("call-reason").value = "";
        return TXT.called + " " + r.number;
      });
    },
    "undo-no-show": () => {
      const button = $("undo-no-show");
      act("POST", "/tickets/" + encodeURIComponent(button.dataset.ticket) + "/undo-no-show", {}, r => TXT.undone + " " + r.number);
    },
    // Recorded by the API first, then printed on this PC's printer from a window of its own
    // (pages may not be framed); opened within the click, so no pop-up blocker stops it.
    reprint: () => {
      const t = current();
      if (!t || busy) return;
      const sheet = window.open("about:blank", "swq-print");
      act("POST", ticketPath(t, "/reprint"), {}, r => {
        if (sheet) sheet.location.replace("/console/print/" + encodeURIComponent(r.id));
        return TXT.reprinted + " " + r.number;
      }, () => { if (sheet) sheet.close(); return false; });
    },
    pause: () => {
      $("pause-form").reset();
      $("pause-error").textContent = "";
      $("pause-dialog").showModal();
    },
    resume: () => act("POST", "/counters/" + COUNTER + "/resume", {}, () => TXT.resumed),
  };

  // The desk is redrawn under our feet: listen once, on the document, for every button in it.
  document.addEventListener("click", e => {
    const button = e.target.closest("button[id]");
    if (button && actions[button.id] && !button.disabled) actions[button.id]();
  });

  $("pause-cancel").addEventListener("click", () => $("pause-dialog").close());
  $("pause-form").addEventListener("submit", async e => {
    e.preventDefault();
    const chosen = document.querySelector('input[name="pause-reason"]:checked');
    if (!chosen) { $("pause-error").textContent = TXT.need_pause; return; }
    const body = { reason_code: chosen.value, reason: $("pause-text").value.trim(), after_ticket: $("pause-after").checked };
    try {
      const counter = await api("POST", "/counters/" + COUNTER + "/pause", body);
      $("pause-dialog").close();
      say(counter.pause_pending ? TXT.pausing : TXT.paused, true);
    } catch (err) {
      $("pause-error").textContent = err.message;  // the dialog stays open with what was chosen
    } finally {
      window.swqLive.refresh();
    }
  });

  $("no-show-cancel").addEventListener("click", () => $("no-show-dialog").close());
  $("no-show-recall").addEventListener("click", () => { $("no-show-dialog").close(); actions.recall(); });
  $("no-show-confirm").addEventListener("click", () => { $("no-show-dialog").close(); noShow(true); });

  const KEYS = { F1: "next", F2: "recall", F3: "no-show", F4: "done", F5: "serving", F6: "done-next" };
  document.addEventListener("keydown", e => {
    if (!KEYS[e.key] || document.querySelector("dialog[open]")) return;
    e.preventDefault();
    const button = $(KEYS[e.key]);
    if (button && !button.disabled) actions[KEYS[e.key]]();
  });
  document.body.dataset.ready = "console";  // what tests wait for before pressing anything
})();
