// The admin's preview of a call with any stored pack, said exactly as the boards say it
// (board_voice.js). The audio starts on the click, which browsers' autoplay rules allow.
"use strict";

(() => {
  const form = document.getElementById("voice-preview");
  if (!form) return;
  const error = document.getElementById("preview-error");
  let voice = null;
  form.addEventListener("submit", event => {
    event.preventDefault();
    const option = form.elements.version.selectedOptions[0];
    const settings = {
      languages: form.elements.languages.value.split(","),
      repeat: 1, volume: 100, chime: true, quiet: [null, null],
    };
    if (voice === null) voice = new BoardVoice.Voice(settings, document.getElementById("preview-note"));
    else voice.configure(settings);
    voice.usePack(option.value, option.dataset.languages.split(","));
    const number = form.elements.number.value.trim(), counter = form.elements.counter.value.trim();
    try {
      BoardVoice.announcement(number, counter, settings.languages);
      error.textContent = "";
    } catch (e) {
      error.textContent = `อ่านไม่ได้ / cannot say: ${number} → ${counter}`;
      return;
    }
    voice.announce(number, counter);
  });
})();
