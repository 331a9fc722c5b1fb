'use strict';
// Shared by every console page: the JSON API call with the session's CSRF token, the header with the pages and the
// log-out button, the forced password change of the first login, and the user's role: an operator's pages hide what
// only an administrator may do (elements of class admin-only; the gateway refuses it anyway). Every value from the
// gateway is put into the page as text (textContent), never as HTML.

const $ = (id) => document.getElementById(id);

const PAGES = [
  ['/', 'Explorer'],
  ['/gateway', 'Gateway'],
  ['/traffic', 'Traffic'],
  ['/gpio', 'GPIO'],
  ['/settings', 'Settings'],
  ['/bundles', 'Bundles'],
  ['/users', 'Users', 'admin-only'],
];

const Pigeon = {
  csrfToken: null,
  user: null,
  /** Whether the user is an administrator (else an operator). */
  admin: false,

  /** GET (no body) or POST (JSON body) to a console route; a 401 goes back to the login page. */
  async api(path, body, method) {
    const init = body === undefined && method === undefined ? {} : {
      method: method || 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': Pigeon.csrfToken },
      body: body === undefined ? undefined : JSON.stringify(body),
    };
    const response = await fetch(path, init);
    if (response.status === 401) {
      window.location.assign('/login');
      throw new Error('logged out');
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(data.error || ('HTTP ' + response.status));
    }
    return data;
  },

  /** Builds an element with text content (never HTML) and optional attributes. */
  el(tag, text, attributes) {
    const element = document.createElement(tag);
    if (text !== undefined && text !== null) {
      element.textContent = String(text);
    }
    for (const [name, value] of Object.entries(attributes || {})) {
      element.setAttribute(name, value);
    }
    return element;
  },

  /**
   * Starts a page: renders the header, loads the session and calls {@code ready(session)} once the user may work
   * (after the forced password change of the first login, which only the explorer page offers).
   */
  async start(ready) {
    renderHeader();
    const session = await Pigeon.api('/api/session');
    Pigeon.showSession(session, ready);
  },

  showSession(session, ready) {
    Pigeon.csrfToken = session.csrfToken;
    Pigeon.user = session.user;
    Pigeon.admin = session.admin === true;
    document.body.dataset.role = session.role || 'operator';
    $('who').textContent = session.user + (Pigeon.admin ? '' : ' (operator)');
    const passwordSection = $('password-section');
    if (session.mustChangePassword && !passwordSection) {
      window.location.assign('/');
      return;
    }
    if (passwordSection) {
      passwordSection.hidden = !session.mustChangePassword;
    }
    $('page').hidden = session.mustChangePassword;
    if (!session.mustChangePassword) {
      ready(session);
    } else {
      bindPasswordForm(ready);
    }
  },

  /** Called before leaving the page (log out), so pages can close their event streams. */
  onLogout: [],
};

function renderHeader() {
  const header = document.querySelector('header');
  const nav = Pigeon.el('nav');
  for (const [path, title, className] of PAGES) {
    const link = Pigeon.el('a', title, className ? { href: path, class: className } : { href: path });
    if (path === window.location.pathname || (path === '/' && window.location.pathname === '/index.html')) {
      link.setAttribute('aria-current', 'page');
    }
    nav.append(link);
  }
  const logout = Pigeon.el('button', 'Log out', { id: 'logout', type: 'button' });
  logout.addEventListener('click', async () => {
    for (const hook of Pigeon.onLogout) {
      hook();
    }
    await Pigeon.api('/api/logout', {}).catch(() => {});
    window.location.assign('/login');
  });
  header.replaceChildren(Pigeon.el('h1', 'Pigeon'), nav, Pigeon.el('span', '', { id: 'who' }), logout);
}

function bindPasswordForm(ready) {
  $('password-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('password-error').textContent = '';
    try {
      Pigeon.showSession(await Pigeon.api('/api/password', {
        current: $('current-password').value,
        next: $('new-password').value,
      }), ready);
    } catch (e) {
      $('password-error').textContent = e.message;
    }
  }, { once: false });
}
