// Forms that remove or revoke something ask first: <form data-confirm="question">.
document.addEventListener("submit", event => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
