'use strict';
// The explorer page: publish, subscribe and watch live traffic, the topic tree. Uses common.js (Pigeon.api).

const MAX_MESSAGES = 500; // the live list keeps the newest messages only
let events = null;
const api = Pigeon.api;

function userProperties(text) {
  return text.split('\n').map((line) => line.trim()).filter((line) => line.length > 0).map((line) => {
    const eq = line.indexOf('=');
    return eq < 0 ? [line, ''] : [line.slice(0, eq), line.slice(eq + 1)];
  });
}

$('publish-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const status = $('publish-status');
  status.textContent = '';
  const expiry = $('pub-expiry').value;
  try {
    await api('/api/publish', {
      topic: $('pub-topic').value,
      payload: $('pub-payload').value,
      qos: Number($('pub-qos').value),
      retain: $('pub-retain').checked,
      contentType: $('pub-content-type').value,
      responseTopic: $('pub-response-topic').value,
      messageExpirySeconds: expiry === '' ? null : Number(expiry),
      userProperties: userProperties($('pub-user-properties').value),
    });
    status.textContent = 'published';
    refreshTopics();
    refreshPublishHistory();
  } catch (e) {
    status.textContent = e.message;
  }
});

function hex(base64) {
  const bytes = atob(base64);
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    out += bytes.charCodeAt(i).toString(16).padStart(2, '0') + (i % 16 === 15 ? '\n' : ' ');
  }
  return out.trim();
}

function formatPayload(message, format) {
  if (format === 'hex' || message.text === null) {
    return hex(message.base64);
  }
  if (format === 'json') {
    try {
      return JSON.stringify(JSON.parse(message.text), null, 2);
    } catch (e) {
      return message.text;
    }
  }
  return message.text;
}

function addMessage(message) {
  if ($('sub-pause').checked) {
    return;
  }
  const filter = $('sub-text-filter').value;
  const rule = decoderFor(message.topic);
  const payload = formatPayload(message, rule ? rule.decoder : $('sub-format').value);
  if (filter && !message.topic.includes(filter) && !payload.includes(filter)) {
    return;
  }
  const item = document.createElement('li');
  const topic = document.createElement('span');
  topic.className = 'topic';
  topic.textContent = message.topic;
  const meta = document.createElement('span');
  meta.textContent = ' qos ' + message.qos + (message.retain ? ' retained' : '') + ' '
      + new Date(message.time).toLocaleTimeString() + '\n';
  const body = document.createElement('span');
  body.className = 'payload';
  body.textContent = payload;
  item.append(topic, meta, body);
  const list = $('messages');
  list.prepend(item);
  while (list.children.length > MAX_MESSAGES) {
    list.lastChild.remove();
  }
}

function stopSubscription() {
  if (events) {
    events.close();
    events = null;
  }
  $('unsubscribe').disabled = true;
  $('subscribe-status').textContent = '';
}

$('subscribe-form').addEventListener('submit', (event) => {
  event.preventDefault();
  stopSubscription();
  const filters = $('sub-filters').value.split(',').map((f) => f.trim()).filter((f) => f.length > 0);
  const query = filters.map((f) => 'filter=' + encodeURIComponent(f)).join('&');
  events = new EventSource('/api/events?' + query);
  $('unsubscribe').disabled = false;
  $('subscribe-status').textContent = 'connecting';
  events.addEventListener('subscribed', () => { $('subscribe-status').textContent = 'subscribed'; });
  events.addEventListener('message', (e) => addMessage(JSON.parse(e.data)));
  events.addEventListener('dropped', (e) => {
    $('subscribe-status').textContent = JSON.parse(e.data).count + ' messages dropped (too fast)';
  });
  events.onerror = () => { $('subscribe-status').textContent = 'disconnected, retrying'; };
});

$('unsubscribe').addEventListener('click', stopSubscription);
$('sub-clear').addEventListener('click', () => { $('messages').replaceChildren(); });

// ---- Publish history: what this user published from the page, sent again with one click ----

async function refreshPublishHistory() {
  const data = await api('/api/publish/history').catch(() => ({ published: [] }));
  const items = data.published.map((p) => {
    const item = Pigeon.el('li');
    const again = Pigeon.el('button', 'Send again', { type: 'button', class: 'resend' });
    again.addEventListener('click', async () => {
      const message = { ...p };
      delete message.time;
      try {
        await api('/api/publish', message);
        $('publish-status').textContent = 'sent again: ' + p.topic;
        refreshTopics();
        refreshPublishHistory();
      } catch (e) {
        $('publish-status').textContent = e.message;
      }
    });
    const payload = p.base64 != null ? hex(p.base64) : (p.payload || '');
    item.append(again, Pigeon.el('span', p.topic, { class: 'topic' }),
      Pigeon.el('span', ' qos ' + p.qos + (p.retain ? ' retained' : '') + ' '
        + new Date(p.time).toLocaleString() + '\n'),
      Pigeon.el('span', payload, { class: 'payload' }));
    return item;
  });
  $('publish-history').replaceChildren(...items);
}

// ---- Topic tree: levels with expand/collapse, counts including descendants, last value and what changed ----

const collapsed = new Set();

function buildTree(topics) {
  const root = { name: '', path: '', children: new Map(), topic: null, total: 0 };
  for (const t of topics) {
    let node = root;
    node.total += t.count;
    const levels = t.topic.split('/');
    levels.forEach((level, i) => {
      const path = levels.slice(0, i + 1).join('/');
      if (!node.children.has(level)) {
        node.children.set(level, { name: level, path, children: new Map(), topic: null, total: 0 });
      }
      node = node.children.get(level);
      node.total += t.count;
    });
    node.topic = t;
  }
  return root;
}

function shown(text, base64) {
  return text === null ? hex(base64) : text;
}

/** What changed from the previous value to the last: a numeric delta, the changed JSON fields, or the old value. */
function diff(t) {
  if (t.previousBase64 === null || t.previousBase64 === undefined) {
    return '';
  }
  if (t.previousBase64 === t.base64) {
    return 'unchanged';
  }
  const before = t.previousText;
  const after = t.text;
  if (before !== null && after !== null) {
    const a = Number(before);
    const b = Number(after);
    if (before.trim() !== '' && after.trim() !== '' && Number.isFinite(a) && Number.isFinite(b)) {
      const delta = b - a;
      return (delta >= 0 ? '+' : '') + Number(delta.toPrecision(12)) + ' (was ' + before + ')';
    }
    try {
      const x = JSON.parse(before);
      const y = JSON.parse(after);
      if (x && y && typeof x === 'object' && typeof y === 'object') {
        const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
        const changed = [...keys].filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]))
          .map((k) => k + ': ' + JSON.stringify(x[k]) + ' → ' + JSON.stringify(y[k]));
        return changed.join(', ');
      }
    } catch (e) {
      // not JSON: show the old value
    }
  }
  return 'was ' + shown(before, t.previousBase64);
}

function renderNode(node) {
  const item = Pigeon.el('li', null, { 'data-path': node.path });
  const line = Pigeon.el('div', null, { class: 'node' });
  const hasChildren = node.children.size > 0;
  const toggle = Pigeon.el('button', hasChildren ? (collapsed.has(node.path) ? '▸' : '▾') : '',
    { type: 'button', class: 'toggle', 'aria-label': 'expand or collapse ' + node.path });
  toggle.disabled = !hasChildren;
  toggle.addEventListener('click', () => {
    if (collapsed.has(node.path)) {
      collapsed.delete(node.path);
    } else {
      collapsed.add(node.path);
    }
    renderTree();
  });
  line.append(toggle, Pigeon.el('span', node.name === '' ? '(empty)' : node.name, { class: 'name' }),
    Pigeon.el('span', node.total + (node.total === 1 ? ' message' : ' messages'), { class: 'count' }));
  const t = node.topic;
  if (t) {
    line.append(Pigeon.el('span', decode(t.topic, t.text, t.base64), { class: 'value' }));
    const change = diff(t);
    if (change) {
      line.append(Pigeon.el('span', change, { class: 'diff' }));
    }
    const chart = Pigeon.el('button', 'Chart', { type: 'button', class: 'chart-topic' });
    chart.addEventListener('click', () => addSeries(t.topic, ''));
    line.append(chart);
    if (t.retained) {
      const button = Pigeon.el('button', 'Delete retained', { type: 'button', class: 'delete-retained' });
      button.addEventListener('click', async () => {
        await api('/api/retained/delete', { topic: t.topic });
        refreshTopics();
      });
      line.append(button);
    }
  }
  item.append(line);
  if (hasChildren && !collapsed.has(node.path)) {
    const list = Pigeon.el('ul');
    for (const child of [...node.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      list.append(renderNode(child));
    }
    item.append(list);
  }
  return item;
}

let tree = buildTree([]);

function renderTree() {
  const nodes = [...tree.children.values()].sort((a, b) => a.name.localeCompare(b.name)).map(renderNode);
  $('topic-tree').replaceChildren(...nodes);
}

function allPaths(node, out) {
  for (const child of node.children.values()) {
    if (child.children.size > 0) {
      out.push(child.path);
    }
    allPaths(child, out);
  }
  return out;
}

$('topics-refresh').addEventListener('click', () => refreshTopics());
$('topics-expand').addEventListener('click', () => { collapsed.clear(); renderTree(); });
$('topics-collapse').addEventListener('click', () => { allPaths(tree, []).forEach((p) => collapsed.add(p)); renderTree(); });

async function refreshTopics() {
  try {
    const data = await api('/api/topics');
    tree = buildTree(data.topics);
    renderTree();
    $('topics-status').textContent = data.topics.length + ' topics';
  } catch (e) {
    $('topics-status').textContent = e.message;
  }
}

// ---- Charts: numeric topics or JSON fields over time, from the recording plus live updates, on one time axis ----

const chartSeries = []; // { topic, field, points: [[seconds, value]] }
let chartEvents = null;
let plot = null;

/** The number in a payload, or in one of its JSON fields (a.b.c); null when there is none. */
function numberIn(text, field) {
  if (text === null || text === undefined) {
    return null;
  }
  let value;
  if (field) {
    try {
      value = field.split('.').reduce((v, k) => (v === null || v === undefined ? undefined : v[k]), JSON.parse(text));
    } catch (e) {
      return null;
    }
  } else {
    value = text.trim() === '' ? NaN : Number(text);
  }
  const n = typeof value === 'boolean' ? Number(value) : Number(value);
  return value === null || value === undefined || value === '' || !Number.isFinite(n) ? null : n;
}

function seriesLabel(s) {
  return s.field ? s.topic + ' ' + s.field : s.topic;
}

function drawChart() {
  const times = [...new Set(chartSeries.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const data = [times, ...chartSeries.map((s) => {
    const byTime = new Map(s.points.map((p) => [p[0], p[1]]));
    return times.map((t) => (byTime.has(t) ? byTime.get(t) : null));
  })];
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];
  if (plot) {
    plot.destroy();
    plot = null;
  }
  const container = $('chart');
  container.replaceChildren();
  if (chartSeries.length > 0) {
    plot = new uPlot({
      width: Math.max(300, container.clientWidth || 800),
      height: 300,
      series: [{}, ...chartSeries.map((s, i) => ({ label: seriesLabel(s), stroke: colors[i % colors.length], spanGaps: true }))],
    }, data, container);
    container.plot = plot; // the browser test reads the plotted values from here
  }
  const rows = chartSeries.map((s) => {
    const row = Pigeon.el('tr', null, { 'data-series': seriesLabel(s) });
    const last = s.points.length > 0 ? s.points[s.points.length - 1][1] : '';
    row.append(Pigeon.el('td', seriesLabel(s)), Pigeon.el('td', s.points.length), Pigeon.el('td', last));
    return row;
  });
  document.querySelector('#chart-series tbody').replaceChildren(...rows);
}

function listenForChart() {
  if (chartEvents) {
    chartEvents.close();
    chartEvents = null;
  }
  const topics = [...new Set(chartSeries.map((s) => s.topic))];
  if (topics.length === 0) {
    return;
  }
  chartEvents = new EventSource('/api/events?' + topics.map((t) => 'filter=' + encodeURIComponent(t)).join('&'));
  chartEvents.addEventListener('message', (e) => {
    const m = JSON.parse(e.data);
    let changed = false;
    for (const s of chartSeries) {
      const v = s.topic === m.topic ? numberIn(m.text, s.field) : null;
      if (v !== null) {
        s.points.push([m.time / 1000, v]);
        changed = true;
      }
    }
    if (changed) {
      drawChart();
    }
  });
}

async function addSeries(topic, field) {
  const status = $('chart-status');
  if (chartSeries.some((s) => s.topic === topic && s.field === field)) {
    status.textContent = 'already on the chart';
    return;
  }
  try {
    const data = await api('/api/history?limit=5000&filter=' + encodeURIComponent(topic));
    const points = data.messages.map((m) => [m.time / 1000, numberIn(m.text, field)]).filter((p) => p[1] !== null);
    chartSeries.push({ topic, field, points });
    status.textContent = points.length + ' recorded values of ' + (field ? topic + ' ' + field : topic);
    drawChart();
    listenForChart();
  } catch (e) {
    status.textContent = e.message;
  }
}

$('chart-form').addEventListener('submit', (event) => {
  event.preventDefault();
  addSeries($('chart-topic').value.trim(), $('chart-field').value.trim());
});
$('chart-clear').addEventListener('click', () => {
  chartSeries.length = 0;
  listenForChart();
  drawChart();
  if (chartEvents) {
    chartEvents.close();
    chartEvents = null;
  }
});

// ---- Export: the download link follows the form ----

function updateExportLink() {
  const params = new URLSearchParams();
  params.set('format', $('export-format').value);
  params.set('filter', $('export-filter').value.trim() || '#');
  for (const [name, id] of [['from', 'export-from'], ['to', 'export-to']]) {
    const v = $(id).value;
    if (v) {
      params.set(name, String(new Date(v).getTime()));
    }
  }
  const link = $('export-link');
  link.href = '/api/history/export?' + params.toString();
  link.setAttribute('download', 'pigeon-history.' + $('export-format').value);
}

for (const id of ['export-filter', 'export-from', 'export-to', 'export-format']) {
  $(id).addEventListener('input', updateExportLink);
  $(id).addEventListener('change', updateExportLink);
}

// ---- Payload decoders per topic filter, remembered in this browser ----

const DECODERS_KEY = 'pigeon.explorer.decoders';

function loadDecoders() {
  try {
    const rules = JSON.parse(localStorage.getItem(DECODERS_KEY) || '[]');
    return Array.isArray(rules) ? rules.filter((r) => r && typeof r.filter === 'string'
      && ['text', 'json', 'hex'].includes(r.decoder)) : [];
  } catch (e) {
    return [];
  }
}

let decoders = loadDecoders();

/** MQTT topic filter matching (+ one level, # the rest; a filter starting with a wildcard skips $ topics). */
function topicMatches(filter, topic) {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) {
    return false;
  }
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') {
      return true;
    }
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) {
      return false;
    }
  }
  return f.length === t.length;
}

function decoderFor(topic) {
  return decoders.find((r) => topicMatches(r.filter, topic)) || null;
}

function decode(topic, text, base64) {
  const rule = decoderFor(topic);
  return formatPayload({ text, base64 }, rule ? rule.decoder : 'text');
}

function saveDecoders() {
  localStorage.setItem(DECODERS_KEY, JSON.stringify(decoders));
  renderDecoders();
  renderTree();
}

function renderDecoders() {
  $('decoder-rules').replaceChildren(...decoders.map((r, i) => {
    const item = Pigeon.el('li', null, { 'data-filter': r.filter });
    const remove = Pigeon.el('button', 'Remove', { type: 'button', class: 'remove-decoder' });
    remove.addEventListener('click', () => { decoders.splice(i, 1); saveDecoders(); });
    item.append(Pigeon.el('span', r.filter + ' → ' + r.decoder + ' '), remove);
    return item;
  }));
}

$('decoder-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const filter = $('decoder-filter').value.trim();
  decoders = decoders.filter((r) => r.filter !== filter);
  decoders.push({ filter, decoder: $('decoder-kind').value });
  saveDecoders();
});

Pigeon.onLogout.push(stopSubscription);
Pigeon.onLogout.push(() => { if (chartEvents) { chartEvents.close(); chartEvents = null; } });
Pigeon.start(() => {
  renderDecoders();
  updateExportLink();
  refreshTopics();
  refreshPublishHistory();
});
