'use strict';
// The explorer page: publish, subscribe and watch live traffic, the topic tree, charts. Uses common.js (Pigeon.api)
// and, for the CBOR decoder, the cborg library (loaded as an ES module from /static/vendor/cborg/).

// The live list keeps the newest messages only: at most this many, and at most this many payload bytes in all
const MAX_MESSAGES = 500;
const MAX_BUFFER_BYTES = 4 * 1024 * 1024;
// a longer payload is shown cut to this many characters
const MAX_SHOWN_CHARS = 16 * 1024;
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
    pollTopics();
    refreshPublishHistory();
  } catch (e) {
    status.textContent = e.message;
  }
});

function bytesOf(base64) {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function hexOf(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    out += bytes[i].toString(16).padStart(2, '0') + (i % 16 === 15 ? '\n' : ' ');
  }
  return out.trim();
}

function hex(base64) {
  return hexOf(bytesOf(base64));
}

// ---- CBOR (RFC 8949), decoded by the cborg library; shown as JSON with byte strings and tags made readable ----

let cbor = null; // the cborg module, once loaded
let cborProblem = null;

/** Every tag is kept as cborg's Tagged(tag, value), whatever its number, so that any CBOR decodes. */
const ANY_TAG = new Proxy({}, {
  get: (target, key) => (typeof key === 'string' && /^\d+$/.test(key) ? cbor.Tagged.decoder(Number(key)) : undefined),
});

function bignum(bytes, negative) {
  let n = 0n;
  for (const b of bytes) {
    n = (n << 8n) | BigInt(b);
  }
  return (negative ? -1n - n : n).toString();
}

/** A decoded CBOR value as plain JSON: byte strings as h'..', big integers as strings, tags as {tag, value}. */
function cborJson(v) {
  if (v instanceof Uint8Array) {
    return "h'" + hexOf(v).replace(/\s/g, '') + "'";
  }
  if (typeof v === 'bigint' || (typeof v === 'number' && !Number.isFinite(v)) || v === undefined) {
    return String(v);
  }
  if (v instanceof cbor.Tagged) {
    if ((v.tag === 2 || v.tag === 3) && v.value instanceof Uint8Array) {
      return { tag: v.tag, value: bignum(v.value, v.tag === 3) };
    }
    const out = { tag: v.tag, value: cborJson(v.value) };
    if (v.tag === 1 && typeof v.value === 'number') {
      out.date = new Date(v.value * 1000).toISOString();
    }
    return out;
  }
  if (Array.isArray(v)) {
    return v.map(cborJson);
  }
  if (v instanceof Map) {
    const out = {};
    for (const [key, value] of v) {
      const k = cborJson(key);
      out[typeof k === 'string' ? k : JSON.stringify(k)] = cborJson(value);
    }
    return out;
  }
  return v;
}

/** {value} for a CBOR payload, or {error}. */
function decodeCbor(base64) {
  if (!cbor) {
    return { error: cborProblem || 'the CBOR decoder is still loading' };
  }
  try {
    return { value: cborJson(cbor.decode(bytesOf(base64), { useMaps: true, tags: ANY_TAG })) };
  } catch (e) {
    return { error: e.message };
  }
}

function loadCbor() {
  return import('/static/vendor/cborg/cborg.js').then((module) => {
    cbor = module;
  }, (e) => {
    cborProblem = 'the CBOR decoder did not load (' + e.message + ')';
  });
}

function formatPayload(message, format) {
  if (format === 'cbor') {
    if (message.base64 === '') {
      return '';
    }
    const decoded = decodeCbor(message.base64);
    return decoded.error === undefined ? JSON.stringify(decoded.value, null, 2)
      : 'not CBOR (' + decoded.error + '); as hex:\n' + hex(message.base64);
  }
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

/** The MQTT 5 properties of a received message, one line, or ''. */
function propertiesText(p) {
  if (!p) {
    return '';
  }
  const parts = [];
  if (p.contentType !== undefined) parts.push('content type ' + p.contentType);
  if (p.responseTopic !== undefined) parts.push('response topic ' + p.responseTopic);
  if (p.correlationData !== undefined) parts.push('correlation data ' + hex(p.correlationData));
  if (p.messageExpirySeconds !== undefined) parts.push('expiry ' + p.messageExpirySeconds + ' s');
  if (p.payloadFormatUtf8 !== undefined) parts.push('payload format ' + (p.payloadFormatUtf8 ? 'UTF-8' : 'bytes'));
  for (const [name, value] of p.userProperties || []) parts.push(name + '=' + value);
  return parts.join(', ');
}

// The live list: a buffer bounded in count and bytes, shown through the text filter; paused, new messages wait
const received = []; // { message, item, bytes }
let receivedBytes = 0;
const waiting = []; // messages that came while paused
let waitingBytes = 0;

function shownText(message) {
  const rule = decoderFor(message.topic);
  const payload = formatPayload(message, rule ? rule.decoder : $('sub-format').value);
  return payload.length > MAX_SHOWN_CHARS ? payload.slice(0, MAX_SHOWN_CHARS) + '\n… ('
    + (payload.length - MAX_SHOWN_CHARS) + ' more characters)' : payload;
}

function matchesTextFilter(entry) {
  const filter = $('sub-text-filter').value;
  return !filter || entry.message.topic.includes(filter) || entry.item.lastChild.textContent.includes(filter);
}

function renderMessage(message) {
  const item = document.createElement('li');
  const topic = Pigeon.el('span', message.topic, { class: 'topic' });
  const props = propertiesText(message.properties);
  const meta = Pigeon.el('span', ' qos ' + message.qos + (message.retain ? ' retained' : '') + ' '
      + new Date(message.time).toLocaleTimeString() + ' ' + message.size + ' B' + (props ? ' · ' + props : '') + '\n');
  meta.className = 'meta';
  item.append(topic, meta, Pigeon.el('span', shownText(message), { class: 'payload' }));
  return item;
}

function listStatus() {
  const shown = received.filter((e) => !e.item.hidden).length;
  let text = received.length + ' messages (' + Math.round(receivedBytes / 1024) + ' KiB)';
  if (shown !== received.length) {
    text += ', ' + shown + ' match the text filter';
  }
  if ($('sub-pause').checked) {
    text += '; paused, ' + waiting.length + ' waiting';
  }
  $('buffer-status').textContent = text;
}

function show(message) {
  const entry = { message, item: renderMessage(message), bytes: message.size };
  entry.item.hidden = !matchesTextFilter(entry);
  received.push(entry);
  receivedBytes += entry.bytes;
  $('messages').prepend(entry.item);
  while (received.length > MAX_MESSAGES || (receivedBytes > MAX_BUFFER_BYTES && received.length > 1)) {
    const old = received.shift();
    receivedBytes -= old.bytes;
    old.item.remove();
  }
}

function addMessage(message) {
  if ($('sub-pause').checked) {
    waiting.push(message);
    waitingBytes += message.size;
    while (waiting.length > MAX_MESSAGES || (waitingBytes > MAX_BUFFER_BYTES && waiting.length > 1)) {
      waitingBytes -= waiting.shift().size;
    }
  } else {
    show(message);
  }
  listStatus();
}

$('sub-pause').addEventListener('change', () => {
  if (!$('sub-pause').checked) {
    waiting.splice(0).forEach(show);
    waitingBytes = 0;
  }
  listStatus();
});
$('sub-text-filter').addEventListener('input', () => {
  received.forEach((e) => { e.item.hidden = !matchesTextFilter(e); });
  listStatus();
});
$('sub-format').addEventListener('change', redrawMessages);

/** Draws the kept messages again (after the decoder choice changed). */
function redrawMessages() {
  for (const e of received) {
    const item = renderMessage(e.message);
    e.item.replaceWith(item);
    e.item = item;
    item.hidden = !matchesTextFilter(e);
  }
  listStatus();
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
$('sub-clear').addEventListener('click', () => {
  received.length = 0;
  receivedBytes = 0;
  waiting.length = 0;
  waitingBytes = 0;
  $('messages').replaceChildren();
  listStatus();
});

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
        pollTopics();
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

// ---- Topic tree: live while this page shows it. The gateway keeps the tree only while some page asks for it
// (about once a second, for what changed since the last answer), and this page says when it goes. ----

const TREE_EVERY_MS = 1000;
const viewer = [...crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16).padStart(2, '0')).join('');
const treeAt = { epoch: 0, version: 0 };
const topicEntries = new Map(); // topic -> its last answer from /api/topics
const collapsed = new Set();
let tree = newNode('', '', null);
let treeTimer = null;
let treeBusy = false;
let treeOn = false;

/** A level of the tree; item/line/list are its elements while it is drawn. */
function newNode(name, path, parent) {
  return { name, path, parent, children: new Map(), topic: null, total: 0, item: null, line: null, list: null };
}

/** Takes in one topic's new figures; returns the nodes whose line changed (the topic's and its ancestors'). */
function applyTopic(t, changed) {
  const before = topicEntries.get(t.topic);
  const added = t.count - (before ? before.count : 0);
  topicEntries.set(t.topic, t);
  let node = tree;
  node.total += added;
  const levels = t.topic.split('/');
  levels.forEach((level, i) => {
    if (!node.children.has(level)) {
      node.children.set(level, newNode(level, levels.slice(0, i + 1).join('/'), node));
    }
    node = node.children.get(level);
    node.total += added;
    changed.add(node);
  });
  node.topic = t;
}

/** The payload in a topic's decoder as a value to compare: {value} for JSON and CBOR, else {text}. */
function comparable(topic, text, base64) {
  const rule = decoderFor(topic);
  if (rule && rule.decoder === 'cbor') {
    const decoded = decodeCbor(base64);
    return decoded.error === undefined ? { value: decoded.value } : { text: hex(base64) };
  }
  if (text === null) {
    return { text: hex(base64) };
  }
  try {
    return { value: JSON.parse(text), text };
  } catch (e) {
    return { text };
  }
}

/** What changed from the previous value to the last: a numeric delta, the changed fields, or the old value. */
function diff(t) {
  if (t.previousBase64 === null || t.previousBase64 === undefined) {
    return '';
  }
  if (t.previousBase64 === t.base64) {
    return 'unchanged';
  }
  const before = comparable(t.topic, t.previousText, t.previousBase64);
  const after = comparable(t.topic, t.text, t.base64);
  const x = before.value;
  const y = after.value;
  if (typeof x === 'number' && typeof y === 'number') {
    const delta = y - x;
    return (delta >= 0 ? '+' : '') + Number(delta.toPrecision(12)) + ' (was ' + (before.text ?? x) + ')';
  }
  if (x && y && typeof x === 'object' && typeof y === 'object') {
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    return [...keys].filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]))
      .map((k) => k + ': ' + JSON.stringify(x[k]) + ' → ' + JSON.stringify(y[k])).join(', ');
  }
  return 'was ' + (before.text ?? JSON.stringify(x));
}

function sortedChildren(node) {
  return [...node.children.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function renderLine(node) {
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
    redraw(node);
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
        button.disabled = true;
        try {
          await api('/api/retained/delete', { topic: t.topic });
        } catch (e) {
          $('topics-status').textContent = e.message;
        }
        pollTopics();
      });
      line.append(button);
    }
  }
  return line;
}

/** Forgets the elements of a node's subtree (before it is drawn again or taken out). */
function undraw(node) {
  node.item = node.line = node.list = null;
  node.children.forEach(undraw);
}

/** The element of a node and, when expanded, of the levels below it. */
function renderItem(node) {
  node.item = Pigeon.el('li', null, { 'data-path': node.path });
  node.line = renderLine(node);
  node.item.append(node.line);
  node.list = null;
  if (node.children.size > 0 && !collapsed.has(node.path)) {
    node.list = Pigeon.el('ul');
    node.list.append(...sortedChildren(node).map(renderItem));
    node.item.append(node.list);
  }
  return node.item;
}

/** Draws one node and its subtree again (after expanding or collapsing it). */
function redraw(node) {
  const old = node.item;
  undraw(node);
  old.replaceWith(renderItem(node));
}

function renderTree() {
  undraw(tree);
  tree.list = $('topic-tree');
  tree.list.replaceChildren(...sortedChildren(tree).map(renderItem));
}

/** Draws what changed: new lines for changed nodes that are shown, new nodes where their parent is open. */
function drawChanges(changed) {
  const nodes = [...changed].sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  for (const node of nodes) {
    const parent = node.parent;
    if (node.item) {
      const line = renderLine(node);
      node.line.replaceWith(line);
      node.line = line;
      if (node.children.size > 0 && !node.list && !collapsed.has(node.path)) {
        node.list = Pigeon.el('ul');
        node.item.append(node.list);
      }
    } else if (parent.list) {
      // a new level under a drawn, open one: in its place among its siblings
      const item = renderItem(node);
      const siblings = sortedChildren(parent);
      const next = siblings.slice(siblings.indexOf(node) + 1).find((s) => s.item && s.item !== item);
      parent.list.insertBefore(item, next ? next.item : null);
    }
  }
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

$('topics-expand').addEventListener('click', () => { collapsed.clear(); renderTree(); });
$('topics-collapse').addEventListener('click', () => { allPaths(tree, []).forEach((p) => collapsed.add(p)); renderTree(); });

/** Asks for what changed in the tree since the last answer (everything the first time) and draws it. */
async function pollTopics() {
  if (treeBusy || !treeOn) {
    return;
  }
  treeBusy = true;
  try {
    const data = await api('/api/topics?viewer=' + viewer + '&epoch=' + treeAt.epoch + '&since=' + treeAt.version);
    const changed = new Set();
    if (data.full) {
      topicEntries.clear();
      tree = newNode('', '', null);
      data.topics.forEach((t) => applyTopic(t, changed));
      renderTree();
    } else {
      data.topics.forEach((t) => applyTopic(t, changed));
      drawChanges(changed);
    }
    treeAt.epoch = data.epoch;
    treeAt.version = data.version;
    $('topics-status').textContent = topicEntries.size + ' topics'
      + (data.dropped > 0 ? ', ' + data.dropped + ' messages on further topics not shown (the tree is full)' : '');
  } catch (e) {
    $('topics-status').textContent = e.message;
  } finally {
    treeBusy = false;
  }
}

function startTree() {
  if (treeOn) {
    return;
  }
  treeOn = true;
  const loop = async () => {
    await pollTopics();
    if (treeOn) {
      treeTimer = setTimeout(loop, TREE_EVERY_MS);
    }
  };
  loop();
}

/** The page no longer shows the tree: stop asking, and tell the gateway (keepalive: it is sent while leaving). */
function stopTree() {
  if (!treeOn) {
    return;
  }
  treeOn = false;
  clearTimeout(treeTimer);
  fetch('/api/topics/close', {
    method: 'POST',
    keepalive: true,
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': Pigeon.csrfToken },
    body: JSON.stringify({ viewer }),
  }).catch(() => {});
}

window.addEventListener('pagehide', stopTree);
window.addEventListener('pageshow', (e) => {
  if (e.persisted && Pigeon.csrfToken) {
    startTree(); // back from the browser's page cache
  }
});

// ---- Charts: numeric topics or JSON fields over time, from the recording plus live updates, on one time axis ----

const chartSeries = []; // { topic, field, points: [[seconds, value]] }
let chartEvents = null;
let plot = null;

/**
 * The number in a message's payload, or in one of its fields (a.b.c) as its topic's decoder reads it (JSON, or CBOR
 * where a CBOR decoder is chosen); null when there is none.
 */
function numberIn(message, field) {
  let value;
  const rule = decoderFor(message.topic);
  if (rule && rule.decoder === 'cbor') {
    value = message.base64 ? decodeCbor(message.base64).value : undefined;
  } else if (message.text === null || message.text === undefined) {
    return null;
  } else if (field) {
    try {
      value = JSON.parse(message.text);
    } catch (e) {
      return null;
    }
  } else {
    value = message.text.trim() === '' ? NaN : Number(message.text);
  }
  if (field) {
    value = field.split('.').reduce((v, k) => (v === null || v === undefined ? undefined : v[k]), value);
  }
  const n = Number(value);
  return value === null || value === undefined || value === '' || typeof value === 'object' || !Number.isFinite(n)
    ? null : n;
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
      const v = s.topic === m.topic ? numberIn(m, s.field) : null;
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
    const points = data.messages.map((m) => [m.time / 1000, numberIn(m, field)]).filter((p) => p[1] !== null);
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
      && ['text', 'json', 'hex', 'cbor'].includes(r.decoder)) : [];
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
  redrawMessages();
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
Pigeon.onLogout.push(stopTree);
Pigeon.start(() => {
  renderDecoders();
  updateExportLink();
  startTree();
  refreshPublishHistory();
  loadCbor().then(() => {
    // what was drawn before the decoder was there
    renderTree();
    redrawMessages();
  });
});
