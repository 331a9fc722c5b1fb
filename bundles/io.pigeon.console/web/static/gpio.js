'use strict';
// The GPIO page: configured pins and sensors with their live state (pushed by the gateway as Server-Sent Events from
// /api/gpio/events: nothing is asked while nothing changes), outputs switched and PWM duty set by publishing to
// <topic>/set with the user's rights, and pins and sensors added or edited with the metatype form.

Pigeon.start(async () => {
  let canSave = false;
  let events = null;
  let refreshing = null;
  const items = new Map(); // pid -> the pin or sensor as /api/gpio answered, with its states as pushed since
  const formBox = $('gpio-form');

  async function set(pin, value) {
    $('gpio-error').textContent = '';
    try {
      // the new state comes back on the state topic, and so through the event stream
      await Pigeon.api('/api/gpio/set', { pid: pin.pid, value: String(value) });
    } catch (e) {
      $('gpio-error').textContent = e.message;
    }
  }

  function editButton(item) {
    const edit = Pigeon.el('button', canSave ? 'Edit' : 'Settings', { type: 'button', 'data-edit': item.pid });
    edit.addEventListener('click', () => openForm('pid=' + encodeURIComponent(item.pid)));
    return edit;
  }

  /** The state topic's value ('' level), a sensor's quantities, its error. */
  function value(item, level) {
    return item.states.has(level) ? item.states.get(level) : null;
  }

  function controls(pin) {
    const cell = Pigeon.el('td');
    const state = value(pin, '');
    if (pin.kind === 'output') {
      const toggle = Pigeon.el('button', state === 'ON' ? 'Switch off' : 'Switch on',
        { type: 'button', 'data-toggle': pin.name });
      toggle.addEventListener('click', () => set(pin, value(pin, '') === 'ON' ? 'OFF' : 'ON'));
      cell.append(toggle);
    } else if (pin.kind === 'pwm') {
      const duty = Pigeon.el('input', null, { type: 'number', min: '0', max: '100', step: '1',
        'data-duty': pin.name, 'aria-label': 'duty cycle of ' + pin.name });
      duty.style.width = '5rem';
      duty.value = state === null ? '' : state;
      const apply = Pigeon.el('button', 'Set %', { type: 'button', 'data-set-duty': pin.name });
      apply.addEventListener('click', () => set(pin, duty.value));
      cell.append(duty, apply);
    }
    cell.append(editButton(pin));
    return cell;
  }

  function stateText(item) {
    if (!item.topic) {
      return '(not published)';
    }
    if (!item.readable) {
      return '(no read right)';
    }
    const own = value(item, '');
    const quantities = [...item.states.entries()].filter(([level]) => level !== '' && level !== 'error')
      .sort(([a], [b]) => a.localeCompare(b)).map(([level, v]) => level + ' ' + v);
    if (own === null && quantities.length === 0) {
      return '(none yet)';
    }
    return [...(own === null ? [] : [own]), ...quantities].join(', ');
  }

  function problemText(item) {
    const error = value(item, 'error');
    return [item.problem, error].filter((t) => t).join(' ');
  }

  function row(item) {
    const columns = item.kind === 'sensor'
      ? [[item.name], [item.type], [stateText(item), 'gpio-state'], [item.topic || '']]
      : [[item.name], [item.kind], [item.pin], [stateText(item), 'gpio-state'], [item.topic || '']];
    const tr = Pigeon.el('tr', null, { 'data-pin': item.name, 'data-pid': item.pid });
    for (const [text, cls] of columns) {
      tr.append(Pigeon.el('td', text, cls ? { class: cls } : {}));
    }
    let actions;
    if (item.kind === 'sensor') {
      actions = Pigeon.el('td');
      actions.append(editButton(item));
    } else {
      actions = controls(item);
    }
    tr.append(actions, Pigeon.el('td', problemText(item), { class: 'error' }));
    return tr;
  }

  /** Shows a pushed state in its row, in place: a duty being typed is left alone. */
  function update(item) {
    const tr = document.querySelector('tr[data-pid="' + CSS.escape(item.pid) + '"]');
    if (!tr) {
      return;
    }
    tr.querySelector('td.gpio-state').textContent = stateText(item);
    tr.querySelector('td.error').textContent = problemText(item);
    const state = value(item, '');
    const toggle = tr.querySelector('button[data-toggle]');
    if (toggle) {
      toggle.textContent = state === 'ON' ? 'Switch off' : 'Switch on';
    }
    const duty = tr.querySelector('input[data-duty]');
    if (duty && document.activeElement !== duty) {
      duty.value = state === null ? '' : state;
    }
  }

  /**
   * Follows every pin and sensor anew (at the start, and after a configuration changed): a new event stream first,
   * and the list once the stream has subscribed, so that a change (a refusal the GPIO bundle logs just after a save)
   * cannot fall between the list and the stream. Resolves once the list is shown.
   */
  function refresh() {
    if (events) {
      events.close();
    }
    events = new EventSource('/api/gpio/events');
    const shown = new Promise((resolve) => {
      events.addEventListener('subscribed', async () => {
        $('gpio-live').textContent = 'live';
        await load();
        resolve();
      });
    });
    events.addEventListener('state', (e) => {
      const s = JSON.parse(e.data);
      const item = items.get(s.pid);
      if (item) {
        item.states.set(s.level, s.value);
        update(item);
      }
    });
    events.addEventListener('changed', () => refreshSoon());
    events.onerror = () => { $('gpio-live').textContent = 'reconnecting'; };
    return shown;
  }

  /** Reads every pin and sensor with its last state and problem. */
  async function load() {
    let data;
    try {
      data = await Pigeon.api('/api/gpio');
    } catch (e) {
      $('gpio-error').textContent = e.message;
      return;
    }
    canSave = data.canSave;
    $('add-pin').hidden = !canSave;
    $('add-sensor').hidden = !canSave;
    items.clear();
    for (const item of [...data.pins, ...data.sensors]) {
      item.states = new Map(item.states.map((s) => [s.level, s.value]));
      items.set(item.pid, item);
    }
    $('pins').replaceChildren(...data.pins.map((pin) => row(items.get(pin.pid))));
    $('sensors').replaceChildren(...data.sensors.map((sensor) => row(items.get(sensor.pid))));
  }

  /** One refresh for a burst of changes (a saved form changes the configuration and then the log). */
  function refreshSoon() {
    if (!refreshing) {
      refreshing = setTimeout(async () => {
        refreshing = null;
        await refresh();
      }, 200);
    }
  }

  async function openForm(query) {
    try {
      const form = await Pigeon.api('/api/settings/form?' + query);
      formBox.replaceChildren(ConfigForm.render(form, { canSave, onDone: async () => {
        formBox.hidden = true;
        await refresh();
      } }));
      formBox.hidden = false;
    } catch (e) {
      $('gpio-error').textContent = e.message;
    }
  }

  $('add-pin').addEventListener('click', () => openForm('factoryPid=io.pigeon.gpio.pin'));
  $('add-sensor').addEventListener('click', () => openForm('factoryPid=io.pigeon.gpio.sensor'));
  refresh(); // the rows follow once the stream has subscribed; the page shows meanwhile
  $('page').hidden = false;
  Pigeon.onLogout.push(() => { if (events) { events.close(); events = null; } });
});
