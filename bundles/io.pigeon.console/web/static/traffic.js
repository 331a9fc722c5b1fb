'use strict';
// The traffic page: which topics and which clients send the most, over the last 30 s. Polls /api/traffic, which
// counts only while this page (or another) asks.

const EVERY_MS = 2000;
let prefix = '';

function rate(n) {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

function rows(items, withDrillDown) {
  const total = items.reduce((sum, r) => sum + r.messagesPerSecond, 0);
  return items.map((r) => {
    const tr = Pigeon.el('tr', null, { 'data-name': r.name });
    const nameCell = Pigeon.el('td');
    if (withDrillDown && r.hasChildren) {
      const button = Pigeon.el('button', r.name + '/…', { type: 'button', class: 'link' });
      button.addEventListener('click', () => show(r.name));
      nameCell.append(button);
    } else {
      nameCell.textContent = withDrillDown && r.name === prefix ? r.name + ' (this topic)' : r.name;
    }
    const share = total > 0 ? r.messagesPerSecond / total : 0;
    const bar = Pigeon.el('span', null, { class: 'bar' });
    bar.style.width = Math.round(share * 120) + 'px';
    const shareCell = Pigeon.el('td');
    shareCell.append(bar, ' ' + Math.round(share * 100) + '%');
    tr.append(nameCell, Pigeon.el('td', rate(r.messagesPerSecond), { class: 'number' }),
      Pigeon.el('td', rate(r.bytesPerSecond), { class: 'number' }), shareCell);
    return tr;
  });
}

function crumbs() {
  const nav = $('crumbs');
  const parts = prefix === '' ? [] : prefix.split('/');
  const top = Pigeon.el('button', 'all topics', { type: 'button' });
  top.addEventListener('click', () => show(''));
  nav.replaceChildren(top);
  parts.forEach((part, i) => {
    const path = parts.slice(0, i + 1).join('/');
    const b = Pigeon.el('button', part === '' ? '(empty)' : part, { type: 'button' });
    b.addEventListener('click', () => show(path));
    nav.append(' / ', b);
  });
}

function show(newPrefix) {
  prefix = newPrefix;
  crumbs();
  poll();
}

async function poll() {
  try {
    const report = await Pigeon.api('/api/traffic?prefix=' + encodeURIComponent(prefix));
    if (report.prefix !== prefix) {
      return;
    }
    $('window').textContent = String(Math.round(report.windowSeconds));
    $('warming').textContent = report.warmingUp ? 'Counting started; the rates fill in over the next seconds.' : '';
    $('topics').querySelector('tbody').replaceChildren(...rows(report.topics, true));
    $('clients').querySelector('tbody').replaceChildren(...rows(report.clients, false));
    $('traffic-error').textContent = '';
  } catch (e) {
    $('traffic-error').textContent = 'The traffic figures are not available: ' + e.message;
  }
}

Pigeon.start(() => {
  $('page').hidden = false;
  crumbs();
  const loop = async () => {
    await poll();
    setTimeout(loop, EVERY_MS);
  };
  loop();
});
