'use strict';
// A configuration form drawn from metatype (GET /api/settings/form), shared by the settings and GPIO pages. The
// server checks every value (type, options, min/max) and answers per field; the page only shows what it says.
// Passwords are never sent to the page: an empty password field keeps the stored one.

/** The key of the configuration name in the form and in the server's field errors (ConfigForms.CONFIGURATION_NAME). */
const CONFIGURATION_NAME = 'configuration.name';

const ConfigForm = {
  /** Saves values; resolves to the answer, or rejects with an Error carrying .fields {id: message}. */
  async post(path, body) {
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': Pigeon.csrfToken },
      body: JSON.stringify(body),
    });
    if (response.status === 401) {
      window.location.assign('/login');
      throw new Error('logged out');
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(data.error || ('HTTP ' + response.status));
      error.fields = data.fields || {};
      throw error;
    }
    return data;
  },

  originText(origin) {
    switch (origin.kind) {
      case 'pigeon.conf': return 'From etc/pigeon.conf (' + origin.source + ')';
      case 'file': return 'From ' + origin.file;
      case 'configadmin': return 'Stored in ConfigAdmin (no file)';
      case 'new': return 'New configuration';
      default: return 'Not configured: the defaults apply';
    }
  },

  /**
   * The form element for a form model. {@code options.canSave}: the user may save; {@code options.onDone(pid)}:
   * called after a save or delete.
   */
  render(form, options) {
    const el = Pigeon.el;
    const element = el('form', null, { class: 'config-form', 'data-definition': form.definition,
      'data-pid': form.pid || '' });
    element.append(el('h3', form.title + (form.name ? ': ' + form.name : '')));
    if (form.description) {
      element.append(el('p', form.description, { class: 'description' }));
    }
    element.append(el('p', ConfigForm.originText(form.origin) + (form.storage ? '; ' + form.storage : ''),
      { class: 'origin' }));
    const readOnly = form.readOnly || !options.canSave;
    if (form.readOnly) {
      element.append(el('p', 'Read only here: ' + form.readOnly, { class: 'read-only' }));
    } else if (!options.canSave) {
      element.append(el('p', 'Only an administrator may change settings.', { class: 'read-only' }));
    }
    const inputs = {};
    const errors = {};
    // the configuration's own name; kept apart from the attributes, one of which may be called "name" too
    let configName = null;
    if (form.factoryPid && !form.pid && form.named !== false) {
      const label = el('label', 'Configuration name (the file becomes ' + form.factoryPid + '-NAME.cfg) ');
      configName = el('input', null, { name: CONFIGURATION_NAME, required: '' });
      label.append(configName);
      element.append(label);
      errors[CONFIGURATION_NAME] = el('p', '', { class: 'error', 'data-error': CONFIGURATION_NAME });
      element.append(errors[CONFIGURATION_NAME]);
    }
    for (const field of form.fields) {
      const label = el('label', field.label + (field.required ? ' *' : '') + ' ');
      const value = field.value === null ? [] : field.value;
      const dflt = field.default.length ? field.default.join(', ') : '';
      let input;
      if (field.options.length) {
        input = el('select', null, { name: field.id });
        if (field.cardinality !== 0) {
          input.multiple = true;
        } else {
          input.append(el('option', dflt ? '(default: ' + dflt + ')' : '(none)', { value: '' }));
        }
        for (const option of field.options) {
          const o = el('option', option.label, { value: option.value });
          o.selected = value.includes(option.value);
          input.append(o);
        }
      } else if (field.type === 'boolean' && field.cardinality === 0) {
        input = el('select', null, { name: field.id });
        input.append(el('option', '(default: ' + (dflt || 'none') + ')', { value: '' }));
        for (const v of ['true', 'false']) {
          const o = el('option', v, { value: v });
          o.selected = value[0] === v;
          input.append(o);
        }
      } else if (field.type === 'password') {
        input = el('input', null, { name: field.id, type: 'password', autocomplete: 'new-password',
          placeholder: field.set ? '(set: leave empty to keep it)' : '(not set)' });
      } else if (field.cardinality !== 0) {
        input = el('textarea', null, { name: field.id, rows: '3', placeholder: dflt ? 'default: ' + dflt
          : 'one value per line' });
        input.value = value.join('\n');
      } else {
        input = el('input', null, { name: field.id, placeholder: dflt ? 'default: ' + dflt : '' });
        input.value = value.length ? value[0] : '';
      }
      input.disabled = readOnly;
      label.append(input);
      element.append(label);
      inputs[field.id] = input;
      if (field.type === 'password' && field.set) {
        const clear = el('input', null, { type: 'checkbox', name: field.id + '.clear' });
        clear.disabled = readOnly;
        const clearLabel = el('label', ' remove the stored ' + field.label);
        clearLabel.prepend(clear);
        element.append(clearLabel);
        inputs[field.id + '.clear'] = clear;
      }
      if (field.description) {
        element.append(el('p', field.description, { class: 'description' }));
      }
      if (field.origin) {
        element.append(el('p', field.origin, { class: 'origin', 'data-origin': field.id }));
      }
      errors[field.id] = el('p', '', { class: 'error', 'data-error': field.id });
      element.append(errors[field.id]);
    }
    const formError = el('p', '', { class: 'error', role: 'alert', 'data-error': '' });
    const status = el('span', '', { class: 'status', role: 'status' });
    const save = el('button', form.pid || !form.factoryPid ? 'Save' : 'Add', { type: 'submit' });
    save.disabled = readOnly;
    element.append(save);
    if (form.pid && form.factoryPid && !readOnly) {
      const remove = el('button', form.origin.kind === 'pigeon.conf' ? 'Remove from etc/pigeon.conf' : 'Delete',
        { type: 'button', class: 'delete' });
      remove.addEventListener('click', async () => {
        if (!window.confirm('Delete ' + form.pid + '?')) {
          return;
        }
        try {
          await ConfigForm.post('/api/settings/delete', { definition: form.definition, pid: form.pid,
            version: form.version });
          options.onDone(null);
        } catch (e) {
          formError.textContent = e.message;
        }
      });
      element.append(remove);
    }
    element.append(status, formError);
    element.addEventListener('submit', async (event) => {
      event.preventDefault();
      for (const p of Object.values(errors)) {
        p.textContent = '';
      }
      formError.textContent = '';
      status.textContent = '';
      const values = {};
      for (const field of form.fields) {
        const input = inputs[field.id];
        if (input.multiple) {
          values[field.id] = Array.from(input.selectedOptions).map((o) => o.value);
        } else if (input.tagName === 'TEXTAREA') {
          values[field.id] = input.value.split('\n').map((s) => s.trim()).filter((s) => s);
        } else {
          values[field.id] = input.value;
        }
        const clear = inputs[field.id + '.clear'];
        if (clear && clear.checked) {
          values[field.id + '.clear'] = true;
        }
      }
      try {
        const saved = await ConfigForm.post('/api/settings/save', { definition: form.definition,
          bundle: form.bundle, pid: form.pid, name: configName ? configName.value : null, version: form.version,
          values });
        status.textContent = 'Saved ' + saved.pid;
        options.onDone(saved.pid, saved.notes || []);
      } catch (e) {
        formError.textContent = e.message;
        for (const [id, message] of Object.entries(e.fields || {})) {
          (errors[id] || formError).textContent = message;
        }
      }
    });
    return element;
  },
};
