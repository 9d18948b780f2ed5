// The web board's voice: the same clips and the same words as the Kivy board
// (core/speech.py, display/voice_pack.py), joined on the Web Audio clock so that the words of a
// call follow each other exactly and two calls never overlap.
//
// Browsers start an AudioContext suspended until someone touches the page (autoplay rules); until
// then the board says so on screen. A TV browser in kiosk mode started with
// `--autoplay-policy=no-user-gesture-required` speaks at once.
"use strict";

const BoardVoice = (() => {
  const DIGITS = "0123456789";
  const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const WORD_GAP_S = 0.06;
  const SECTION_GAP_S = 0.35;  // after the chime, between languages, between repeats
  const PAUSE_S = 0.6;         // between two calls
  const MAX_QUEUE = 50;
  const MAX_AGE_MS = 120000;   // a call older than this is shown but no longer said

  function spell(text) {
    return [...text.toUpperCase()].map(ch => {
      if (!DIGITS.includes(ch) && !LETTERS.includes(ch)) throw new Error(`cannot say ${ch} in ${text}`);
      return ch;
    });
  }

  function numberTh(value) {
    if (value < 10) return [String(value)];
    const tens = Math.floor(value / 10), units = value % 10;
    const clips = tens === 2 ? ["20"] : tens === 1 ? ["10"] : [String(tens), "10"];
    if (units === 1) clips.push("et");
    else if (units) clips.push(String(units));
    return clips;
  }

  function numberEn(value) {
    if (value < 20) return [String(value)];
    const units = value % 10;
    return [String(value - units), ...(units ? [String(units)] : [])];
  }

  function counterClips(code, lang) {
    if (/^[1-9][0-9]?$/.test(code)) return lang === "th" ? numberTh(Number(code)) : numberEn(Number(code));
    return spell(code);
  }

  // [lang, clip] pairs of one call: the chime, then the call in each language; said `repeat`
  // times, the chime only before the first.
  function announcement(number, counter, languages, repeat = 1, chime = true) {
    const phrase = [];
    for (const lang of languages) {
      for (const clip of ["number", ...spell(number), "counter", ...counterClips(counter, lang)]) {
        phrase.push([lang, clip]);
      }
    }
    const clips = chime ? [["", "chime"]] : [];
    for (let i = 0; i < repeat; i++) clips.push(...(i ? [["-", "repeat"]] : []), ...phrase);
    return clips;
  }

  // The office's settings (GET /api/v1/office: sound) with this board's own on top.
  function effective(office, board) {
    const voice = board.languages ?? office.languages;
    return {
      languages: voice === "off" ? [] : voice.split(","),
      repeat: board.repeat ?? office.repeat,
      volume: board.volume ?? office.volume,
      chime: office.chime,
      quiet: [office.quiet_from, office.quiet_until],
    };
  }

  // Quiet hours in the office's time zone; from 22:00 until 06:00 runs over midnight.
  function isQuiet([from, until], timeZone, now = new Date()) {
    if (!from || !until) return false;
    const hhmm = new Intl.DateTimeFormat("en-GB", {
      timeZone, hour: "2-digit", minute: "2-digit", hour12: false }).format(now);
    return from <= until ? from <= hhmm && hhmm < until : hhmm >= from || hhmm < until;
  }

  // Clips of one pack version never change, so the browser keeps them; a new pack is a new URL.
  const clipUrl = (version, lang, clip) =>
    (lang ? `/voice/${version}/${lang}/${clip}.wav` : `/voice/${version}/${clip}.wav`);

  class Voice {
    constructor(settings, note) {
      this.note = note;
      this.queue = [];
      this.buffers = new Map();
      this.busy = false;
      this.freeAt = 0;
      this.timeZone = "Asia/Bangkok";
      this.pack = { version: "default", languages: ["th", "en"] };
      this.ctx = new AudioContext();
      this.gain = this.ctx.createGain();
      this.gain.connect(this.ctx.destination);
      this.configure(settings);
      this.ctx.addEventListener("statechange", () => this.showState());
      for (const type of ["pointerdown", "keydown"]) {
        document.addEventListener(type, () => this.ctx.resume(), { passive: true });
      }
      this.showState();
    }

    // languages: [] is mute; repeat 1..3; volume 0..100; chime; quiet [from, until].
    // Applies from the next call on.
    configure({ languages, repeat, volume, chime, quiet }) {
      this.languages = languages;
      this.repeat = repeat;
      this.chime = chime;
      this.quiet = quiet;
      this.gain.gain.value = volume / 100;
      this.showState();
    }

    // The office's pack (GET /api/v1/office: voice_pack, or the office.voice_pack event): from
    // the next call on, clips come from it; a language it lacks is not said.
    usePack(version, languages) {
      if (version === this.pack.version) return;
      this.pack = { version, languages };
      this.buffers.clear();
    }

    showState() {
      const waiting = this.languages.length > 0 && this.ctx.state !== "running";
      this.note.hidden = !waiting;
      if (!waiting) this.pump();
    }

    announce(number, counter) {
      if (!this.languages.length || this.queue.length >= MAX_QUEUE) return;
      if (isQuiet(this.quiet, this.timeZone)) return;
      this.queue.push({ number, counter, at: Date.now() });
      this.pump();
    }

    buffer(url) {
      if (!this.buffers.has(url)) {
        this.buffers.set(url, fetch(url)
          .then(r => { if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`); return r.arrayBuffer(); })
          .then(data => this.ctx.decodeAudioData(data))
          .catch(e => { this.buffers.delete(url); throw e; }));
      }
      return this.buffers.get(url);
    }

    async pump() {
      if (this.busy || this.ctx.state !== "running") return;
      this.busy = true;
      try {
        while (this.queue.length && this.ctx.state === "running" && this.languages.length) {
          const call = this.queue.shift();
          if (Date.now() - call.at > MAX_AGE_MS) continue;
          const end = await this.say(call);
          if (end !== null) {
            this.freeAt = end + PAUSE_S;
            await new Promise(done => setTimeout(done, (this.freeAt - this.ctx.currentTime) * 1000));
          }
        }
      } finally {
        this.busy = false;
      }
    }

    // Schedules every clip of one call; returns when on the audio clock it ends, or null.
    async say(call) {
      let clips, buffers;
      try {
        const { version, languages } = this.pack;
        const said = this.languages.filter(lang => languages.includes(lang));
        clips = announcement(call.number, call.counter, said, this.repeat, this.chime);
        const sounding = clips.filter(([lang]) => lang !== "-");
        const loaded = await Promise.all(
          sounding.map(([lang, clip]) => this.buffer(clipUrl(version, lang, clip))));
        buffers = new Map(sounding.map((c, i) => [c, loaded[i]]));
      } catch (e) {
        console.warn(`not announcing ${call.number} at ${call.counter}: ${e}`);
        return null;
      }
      let at = Math.max(this.ctx.currentTime + 0.05, this.freeAt);
      let previous = null;
      for (const entry of clips) {
        const [lang] = entry;
        if (lang === "-") { at += SECTION_GAP_S; previous = null; continue; }
        if (previous !== null) at += lang === previous ? WORD_GAP_S : SECTION_GAP_S;
        const source = this.ctx.createBufferSource();
        source.buffer = buffers.get(entry);
        source.connect(this.gain);
        source.start(at);
        at += source.buffer.duration;
        previous = lang;
      }
      return at;
    }
  }

  return { Voice, announcement, effective, isQuiet };
})();
