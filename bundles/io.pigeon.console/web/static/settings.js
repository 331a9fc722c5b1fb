'use strict';
// The settings page: one form per configurable component (PID) and per factory configuration, from metatype.

Pigeon.start(async () => {
  const list = $('settings-list');
  const formBox = $('settings-form');
  let overview = null;
  let current = null; // {pid} or {factoryPid}

  async function load() {
    overview = await Pigeon.api('/api/settings');
    list.replaceChildren();
    for (const item of overview.forms) {
      const block = Pigeon.el('div', null, { 'data-definition': item.pid });
      if (!item.factory) {
        // several bundles may describe one PID (io.pigeon.broker): each has its own form
        const open = Pigeon.el('button', item.name, { type: 'button', 'data-open': item.pid,
          'data-bundle': item.bundle });
        open.addEventListener('click', () => show({ pid: item.pid, bundle: item.bundle }));
        block.append(open, Pigeon.el('div', item.pid + (item.pigeonConf ? ' (etc/pigeon.conf)' : ''),
          { class: 'conf' }));
      } else {
        block.append(Pigeon.el('div', item.name), Pigeon.el('div', item.pid + ' (one per configuration)'
          + (item.pigeonConf ? ', from etc/pigeon.conf' : ''), { class: 'conf' }));
        const ul = Pigeon.el('ul');
        for (const config of item.configurations) {
          const li = Pigeon.el('li');
          const open = Pigeon.el('button', config.name, { type: 'button', 'data-open': config.pid });
          open.addEventListener('click', () => show({ pid: config.pid }));
          li.append(open);
          ul.append(li);
        }
        if (overview.canSave) {
          const li = Pigeon.el('li');
          const add = Pigeon.el('button', item.pigeonConf ? '+ Add to etc/pigeon.conf' : '+ Add',
            { type: 'button', 'data-add': item.pid });
          add.addEventListener('click', () => show({ factoryPid: item.pid }));
          li.append(add);
          ul.append(li);
        }
        block.append(ul);
      }
      list.append(block);
    }
  }

  async function show(which) {
    current = which;
    $('settings-error').textContent = '';
    for (const b of list.querySelectorAll('button')) {
      b.setAttribute('aria-current', String((b.dataset.open === which.pid
        && (!which.bundle || !b.dataset.bundle || b.dataset.bundle === which.bundle))
        || b.dataset.add === which.factoryPid));
    }
    try {
      const query = (which.pid ? 'pid=' + encodeURIComponent(which.pid)
        : 'factoryPid=' + encodeURIComponent(which.factoryPid))
        + (which.bundle ? '&bundle=' + encodeURIComponent(which.bundle) : '');
      const form = await Pigeon.api('/api/settings/form?' + query);
      formBox.replaceChildren(ConfigForm.render(form, { canSave: overview.canSave, onDone: saved }));
    } catch (e) {
      $('settings-error').textContent = e.message;
    }
  }

  async function saved(pid, notes) {
    $('settings-status').textContent = (pid ? 'Saved ' + pid + '.' : 'Deleted.')
      + (notes && notes.length ? ' ' + notes.join(' ') : '');
    await load();
    if (pid) {
      await show({ pid, bundle: current && current.pid === pid ? current.bundle : undefined });
    } else {
      formBox.replaceChildren(Pigeon.el('p', 'Choose a component.'));
    }
  }

  await load();
  const wanted = new URLSearchParams(window.location.search).get('pid');
  if (wanted) {
    await show({ pid: wanted });
  }
  $('page').hidden = false;
});
