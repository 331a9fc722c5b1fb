'use strict';
// The users page (administrators only): the console's accounts with their role, add a user, change a role, reset a
// password and delete a user. The gateway refuses what may not be done (one's own account, the last administrator)
// and the page shows its answer.

Pigeon.start(async () => {
  $('page').hidden = false;
  const el = Pigeon.el;
  const error = $('users-error');
  const status = $('users-status');

  async function act(path, body, done) {
    error.textContent = '';
    status.textContent = '';
    try {
      await Pigeon.api(path, body);
      status.textContent = done;
    } catch (e) {
      error.textContent = e.message;
    }
    await refresh();
  }

  async function refresh() {
    let data;
    try {
      data = await Pigeon.api('/api/users');
    } catch (e) {
      error.textContent = e.message;
      $('add-section').hidden = true;
      $('reset-section').hidden = true;
      document.querySelector('#users tbody').replaceChildren();
      return;
    }
    const rows = data.users.map((user) => {
      const tr = el('tr', null, { 'data-user': user.name });
      const role = el('select', null, { 'data-role': user.name });
      for (const r of data.roles) {
        const option = el('option', r, { value: r });
        option.selected = r === user.role;
        role.append(option);
      }
      role.disabled = user.self;
      role.addEventListener('change', () => act('/api/users/role', { name: user.name, role: role.value },
        user.name + ' is now an ' + role.value + '.'));
      const remove = el('button', 'Delete', { type: 'button', 'data-delete': user.name });
      remove.disabled = user.self;
      if (user.self) {
        remove.title = 'another administrator must do it';
      }
      remove.addEventListener('click', () => {
        if (window.confirm('Delete user ' + user.name + '?')) {
          act('/api/users/delete', { name: user.name }, 'Deleted ' + user.name + '.');
        }
      });
      tr.append(el('td', user.name + (user.self ? ' (you)' : '')), el('td', null), el('td',
        user.mustChangePassword ? 'must change it at the next login' : 'set by the user'), el('td', null));
      tr.children[1].append(role);
      tr.children[3].append(remove);
      return tr;
    });
    document.querySelector('#users tbody').replaceChildren(...rows);
    const reset = $('reset-name');
    reset.replaceChildren(...data.users.filter((u) => !u.self).map((u) => el('option', u.name, { value: u.name })));
  }

  $('add-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = $('add-name').value.trim();
    await act('/api/users/add', { name, role: $('add-role').value, password: $('add-password').value },
      'Added ' + name + '.');
    if (!error.textContent) {
      $('add-form').reset();
    }
  });

  $('reset-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = $('reset-name').value;
    await act('/api/users/password', { name, password: $('reset-password').value },
      'Reset the password of ' + name + '.');
    if (!error.textContent) {
      $('reset-form').reset();
    }
  });

  await refresh();
});
