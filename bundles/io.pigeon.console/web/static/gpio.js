'use strict';
// The GPIO page: configured pins and sensors with their live state (polled), outputs switched and PWM duty set by
// publishing to <topic>/set with the user's rights, and pins and sensors added or edited with the metatype form.

const POLL_MS = 1000;

Pigeon.start(async () => {
  let canSave = false;
  const formBox = $('gpio-form');

  async function set(pin, value) {
    $('gpio-error').textContent = '';
    try {
      await Pigeon.api('/api/gpio/set', { pid: pin.pid, value: String(value) });
      await refresh();
    } catch (e) {
      $('gpio-error').textContent = e.message;
    }
  }

  function editButton(item) {
    const edit = Pigeon.el('button', canSave ? 'Edit' : 'Settings', { type: 'button', 'data-edit': item.pid });
    edit.addEventListener('click', () => openForm('pid=' + encodeURIComponent(item.pid)));
    return edit;
  }

  function controls(pin) {
    const cell = Pigeon.el('td');
    if (pin.kind === 'output') {
      const toggle = Pigeon.el('button', pin.state === 'ON' ? 'Switch off' : 'Switch on',
        { type: 'button', 'data-toggle': pin.name });
      toggle.addEventListener('click', () => set(pin, pin.state === 'ON' ? 'OFF' : 'ON'));
      cell.append(toggle);
    } else if (pin.kind === 'pwm') {
      const duty = Pigeon.el('input', null, { type: 'number', min: '0', max: '100', step: '1',
        'data-duty': pin.name, 'aria-label': 'duty cycle of ' + pin.name });
      duty.style.width = '5rem';
      duty.value = pin.state === null ? '' : pin.state;
      const apply = Pigeon.el('button', 'Set %', { type: 'button', 'data-set-duty': pin.name });
      apply.addEventListener('click', () => set(pin, duty.value));
      cell.append(duty, apply);
    }
    cell.append(editButton(pin));
    return cell;
  }

  function row(item, columns, actions) {
    const tr = Pigeon.el('tr', null, { 'data-pin': item.name, 'data-pid': item.pid });
    for (const [text, cls] of columns) {
      tr.append(Pigeon.el('td', text, cls ? { class: cls } : {}));
    }
    tr.append(actions, Pigeon.el('td', item.problem || '', { class: 'error' }));
    return tr;
  }

  function stateText(item) {
    if (!item.topic) {
      return '(not published)';
    }
    if (!item.readable) {
      return '(no read right)';
    }
    return item.state === null ? '(none yet)' : item.state;
  }

  async function refresh() {
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
    $('pins').replaceChildren(...data.pins.map((pin) => row(pin, [[pin.name], [pin.kind], [pin.pin],
      [stateText(pin), 'gpio-state'], [pin.topic || '']], controls(pin))));
    $('sensors').replaceChildren(...data.sensors.map((sensor) => {
      const cell = Pigeon.el('td');
      cell.append(editButton(sensor));
      return row(sensor, [[sensor.name], [sensor.type], [stateText(sensor), 'gpio-state'], [sensor.topic || '']],
        cell);
    }));
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
  await refresh();
  $('page').hidden = false;
  const timer = window.setInterval(refresh, POLL_MS);
  Pigeon.onLogout.push(() => window.clearInterval(timer));
});
