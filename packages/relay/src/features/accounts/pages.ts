/**
 * The small pages the relay serves for people who are not signed in yet: `/setup` (the first
 * owner) and `/invite` (accepting an invite). Static HTML and a script file each, no inline
 * script or style, so helmet's Content-Security-Policy (`script-src 'self'`) holds. Each form posts
 * JSON to its API route and shows what to do next.
 */

const page = (title: string, intro: string, fields: string, script: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · MessageJS relay</title>
</head>
<body>
<main>
<h1>${title}</h1>
<p>${intro}</p>
<form id="form" novalidate>
${fields}
<p><button type="submit">${title}</button></p>
</form>
<p id="result" role="status"></p>
</main>
<script src="${script}"></script>
</body>
</html>
`;

const field = (name: string, label: string, type: string, extra = '') =>
  `<p><label>${label}<br><input name="${name}" type="${type}" ${extra}></label></p>`;

export const SETUP_HTML = page(
  'Create the first owner',
  'This relay has no user yet. The link you opened works once, for 24 hours. Choose the owner’s sign-in.',
  [
    field('email', 'Email', 'email', 'required autocomplete="username"'),
    field(
      'password',
      'Password (10 characters or more)',
      'password',
      'required minlength="10" autocomplete="new-password"',
    ),
    field('name', 'Your name (optional)', 'text', 'autocomplete="name"'),
    field('accountName', 'Account name (optional)', 'text'),
  ].join('\n'),
  '/setup.js',
);

export const INVITE_HTML = page(
  'Accept the invite',
  'You were invited to an account on this MessageJS relay. The link works once.',
  [
    field(
      'password',
      'Password (10 characters or more; your current one if you already have an account)',
      'password',
      'required minlength="10" autocomplete="new-password"',
    ),
    field('name', 'Your name (optional)', 'text', 'autocomplete="name"'),
  ].join('\n'),
  '/invite.js',
);

/** The script of both pages: reads the form, posts it with the link's token, shows the outcome. */
const script = (route: string) => `'use strict';
(function () {
  var form = document.getElementById('form');
  var result = document.getElementById('result');
  var token = new URLSearchParams(location.search).get('token') || '';
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var body = { token: token };
    new FormData(form).forEach(function (value, key) {
      if (value !== '') body[key] = value;
    });
    result.textContent = 'Working…';
    fetch('${route}', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify(body),
    })
      .then(function (res) {
        return res.json().then(function (answer) {
          if (!res.ok) throw new Error(answer && answer.error ? answer.error.message : 'HTTP ' + res.status);
          form.hidden = true;
          result.textContent =
            'Signed in (account ' + answer.accountId + '). Next: GET /v1/auth/me shows what you may do; ' +
            'the demo project and its keys are in the relay’s data directory (demo.json) and its first-start output.';
        });
      })
      .catch(function (error) {
        result.textContent = 'That did not work: ' + error.message;
      });
  });
})();
`;

export const SETUP_JS = script('/v1/auth/setup');
export const INVITE_JS = script('/v1/invites/accept');
