// The demo page's script: kept in its own file because the relay's Content-Security-Policy
// allows scripts from its own origin only (no inline scripts).
(function () {
  var form = document.getElementById('contact-form');
  var button = form.querySelector('button');
  var errorBox = document.getElementById('error');
  var result = document.getElementById('result');
  var statusEl = document.getElementById('message-status');
  var timeline = document.getElementById('timeline');
  var final = ['delivered', 'read', 'failed', 'undelivered', 'canceled', 'expired'];

  function showError(error) {
    errorBox.hidden = false;
    errorBox.textContent = error && error.code ? error.code + ': ' + error.message : String(error);
  }

  function record(status) {
    if (statusEl.dataset.status === status) return;
    statusEl.textContent = status;
    statusEl.dataset.status = status;
    var item = document.createElement('li');
    item.textContent = new Date().toLocaleTimeString() + ' — ' + status;
    timeline.appendChild(item);
  }

  function follow(id) {
    var tries = 0;
    (function poll() {
      messagejs.status(id).then(function (message) {
        record(message.status);
        if (final.indexOf(message.status) === -1 && ++tries < 60) setTimeout(poll, 500);
      }, showError);
    })();
  }

  fetch('/demo/config.json')
    .then(function (res) {
      if (!res.ok) throw new Error('This relay has no demo project.');
      return res.json();
    })
    .then(function (config) {
      // The relay serving this page is the one to call, unless config.json names another.
      messagejs.init({ publicKey: config.publicKey, relayUrl: config.relayUrl || location.origin });
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        errorBox.hidden = true;
        button.disabled = true;
        messagejs
          .sendForm(form, { template: 'contact' })
          .then(function (sent) {
            result.hidden = false;
            document.getElementById('message-id').textContent = sent.id;
            timeline.textContent = '';
            statusEl.dataset.status = '';
            record(sent.status);
            follow(sent.id);
          }, showError)
          .then(function () {
            button.disabled = false;
          });
      });
    })
    .catch(showError);
})();
