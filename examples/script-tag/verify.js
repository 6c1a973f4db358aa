// The verification demo's script: in its own file because the relay's Content-Security-Policy
// allows scripts from its own origin only (no inline scripts).
(function () {
  var startForm = document.getElementById('start-form');
  var checkStep = document.getElementById('check-step');
  var checkForm = document.getElementById('check-form');
  var resendButton = document.getElementById('resend');
  var errorBox = document.getElementById('error');
  var result = document.getElementById('result');
  var statusEl = document.getElementById('verify-status');
  var attemptsEl = document.getElementById('attempts');
  var claimsBox = document.getElementById('claims-box');
  var claimsEl = document.getElementById('claims');
  var session = null;
  var resendTimer = null;

  function showError(error) {
    errorBox.hidden = false;
    var wait = error && error.retryAfter ? ' (try again in ' + error.retryAfter + ' s)' : '';
    errorBox.textContent = error && error.code ? error.code + ': ' + error.message + wait : String(error);
  }

  function showStatus(status) {
    result.hidden = false;
    statusEl.textContent = status === 'approved' ? 'verified' : status;
    statusEl.dataset.status = status;
  }

  // A JWT's middle part is base64url JSON. Decoding it here is for display only: the signature
  // is what makes it trustworthy, and only a backend holding the relay's JWKS checks that.
  function decodeClaims(token) {
    var part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    var bytes = Uint8Array.from(atob(part + '==='.slice((part.length + 3) % 4)), function (c) {
      return c.charCodeAt(0);
    });
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  // The relay refuses a new code before the cooldown (429 resend_cooldown): keep the button
  // disabled until `resendAfter`.
  function armResend(resendAfter) {
    clearInterval(resendTimer);
    resendButton.disabled = true;
    function tick() {
      var left = Math.ceil((Date.parse(resendAfter) - Date.now()) / 1000);
      if (left > 0) {
        resendButton.textContent = 'Send a new code (' + left + ' s)';
      } else {
        clearInterval(resendTimer);
        resendButton.textContent = 'Send a new code';
        resendButton.disabled = false;
      }
    }
    tick();
    resendTimer = setInterval(tick, 1000);
  }

  function start() {
    errorBox.hidden = true;
    var request = { to: startForm.elements.to.value.trim(), channel: startForm.elements.channel.value };
    return messagejs.verify.start(request).then(
      function (started) {
        session = started.sessionId;
        document.getElementById('session-id').textContent = started.sessionId;
        document.getElementById('expires-at').textContent = new Date(started.expiresAt).toLocaleTimeString();
        checkStep.hidden = false;
        checkForm.elements.code.value = '';
        checkForm.elements.code.focus();
        showStatus('pending');
        attemptsEl.hidden = true;
        claimsBox.hidden = true;
        armResend(started.resendAfter);
      },
      function (error) {
        showError(error);
        if (session) resendButton.disabled = false;
      },
    );
  }

  function check() {
    errorBox.hidden = true;
    return messagejs.verify.check({ sessionId: session, code: checkForm.elements.code.value }).then(function (checked) {
      showStatus(checked.status);
      if (checked.valid) {
        attemptsEl.hidden = true;
        claimsEl.textContent = JSON.stringify(decodeClaims(checked.token), null, 2);
        claimsBox.hidden = false;
        checkStep.hidden = true;
        clearInterval(resendTimer);
      } else {
        attemptsEl.hidden = false;
        attemptsEl.textContent =
          checked.status === 'canceled'
            ? 'Too many wrong codes: ask for a new one.'
            : 'Wrong code; ' + checked.attemptsRemaining + ' attempt(s) left.';
      }
    }, showError);
  }

  function busy(button, action) {
    button.disabled = true;
    action().then(function () {
      if (button !== resendButton) button.disabled = false;
    });
  }

  fetch('/demo/config.json')
    .then(function (res) {
      if (!res.ok) throw new Error('This relay has no demo project.');
      return res.json();
    })
    .then(function (config) {
      // The relay serving this page is the one to call, unless config.json names another.
      var relayUrl = config.relayUrl || location.origin;
      messagejs.init({ publicKey: config.publicKey, relayUrl: relayUrl });
      if (config.projectId)
        document.getElementById('jwks-url').textContent = relayUrl + '/v1/projects/' + config.projectId + '/jwks.json';
      startForm.addEventListener('submit', function (event) {
        event.preventDefault();
        busy(startForm.querySelector('button'), start);
      });
      checkForm.addEventListener('submit', function (event) {
        event.preventDefault();
        busy(checkForm.querySelector('button[type=submit]'), check);
      });
      resendButton.addEventListener('click', function () {
        busy(resendButton, start);
      });
    })
    .catch(showError);
})();
