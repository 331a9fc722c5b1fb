'use strict';
// The Bundles page: the framework's bundles with their state and, for one that does not resolve or start, the reason;
// start, stop, uninstall, restore the jar an update replaced, and upload a jar (install, or update in place).

Pigeon.start(() => {
  // common.js shows #page only on the explorer (the page with the password form); other pages show their own
  $('page').hidden = false;
  const el = Pigeon.el;
  const status = $('bundles-status');

  function button(text, action, bundle) {
    const b = el('button', text, { type: 'button', class: 'admin-only', 'data-action': action,
      'data-id': String(bundle.id) });
    b.addEventListener('click', async () => {
      if (action === 'uninstall' && !window.confirm('Uninstall ' + bundle.symbolicName + ' ' + bundle.version + '?')) {
        return;
      }
      status.textContent = '';
      b.disabled = true;
      try {
        const result = await Pigeon.api('/api/bundles/' + action, { id: bundle.id });
        status.textContent = action === 'restore'
          ? bundle.symbolicName + ' restored to ' + result.version
          : bundle.symbolicName + ': ' + action + ' done';
      } catch (e) {
        status.textContent = e.message;
      }
      await refresh();
    });
    return b;
  }

  async function refresh() {
    let data;
    try {
      data = await Pigeon.api('/api/bundles');
    } catch (e) {
      status.textContent = e.message;
      return;
    }
    const rows = data.bundles.map((bundle) => {
      const tr = el('tr', null, { 'data-id': String(bundle.id), 'data-name': bundle.symbolicName || '' });
      tr.append(el('td', bundle.id), el('td', bundle.symbolicName), el('td', bundle.version, { class: 'version' }),
        el('td', bundle.fragment ? 'FRAGMENT' : bundle.state, { class: 'state' }),
        el('td', bundle.problem || '', { class: 'problem' }));
      const actions = el('td');
      if (bundle.id !== 0 && !bundle.fragment) {
        actions.append(bundle.state === 'ACTIVE' ? button('Stop', 'stop', bundle) : button('Start', 'start', bundle));
      }
      if (bundle.restorableVersion) {
        actions.append(button('Restore ' + bundle.restorableVersion, 'restore', bundle));
      }
      if (bundle.id !== 0) {
        actions.append(button('Uninstall', 'uninstall', bundle));
      }
      tr.append(actions);
      return tr;
    });
    document.querySelector('#bundles tbody').replaceChildren(...rows);
  }

  $('bundles-refresh').addEventListener('click', refresh);

  $('upload-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const uploadStatus = $('upload-status');
    const file = $('upload-file').files[0];
    if (!file) {
      return;
    }
    uploadStatus.textContent = 'uploading ' + file.name + '...';
    try {
      const response = await fetch('/api/bundles/upload', {
        method: 'POST',
        headers: { 'Content-Type': 'application/java-archive', 'X-CSRF-Token': Pigeon.csrfToken },
        body: file,
      });
      if (response.status === 401) {
        window.location.assign('/login');
        return;
      }
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        uploadStatus.textContent = data.error || ('HTTP ' + response.status);
      } else if (data.action) {
        const verb = { INSTALLED: 'installed', UPDATED: 'updated to', UNCHANGED: 'unchanged at' }[data.action] || data.action;
        uploadStatus.textContent = data.symbolicName + ' ' + verb + ' ' + data.version + ' (bundle ' + data.id + ')'
          + (data.problem ? ': ' + data.problem : '');
      } else {
        uploadStatus.textContent = data.message;
      }
    } catch (e) {
      uploadStatus.textContent = e.message;
    }
    await refresh();
  });

  refresh();
});
