'use strict';
// The login form. The session cookie is HttpOnly: the script never sees it, only the server's answer.
document.getElementById('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = document.getElementById('login-error');
  error.textContent = '';
  const response = await fetch('/api/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      user: document.getElementById('user').value,
      password: document.getElementById('password').value,
    }),
  });
  if (response.ok) {
    window.location.assign('/');
    return;
  }
  const body = await response.json().catch(() => ({}));
  error.textContent = body.error || ('login failed (' + response.status + ')');
});
