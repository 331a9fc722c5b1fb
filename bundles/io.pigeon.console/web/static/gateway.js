'use strict';
// The gateway page: the broker's $SYS figures with small live graphs (uPlot), the client list with a disconnect
// button, the bridges and the latest log lines. Every value goes into the page as text.

const STATS_EVERY_MS = 2000;
const CLIENTS_EVERY_MS = 3000;
const BRIDGES_EVERY_MS = 5000;
const LOG_EVERY_MS = 2000;
const HISTORY_POINTS = 150; // 5 minutes of graph at one point per 2 s
const MAX_LOG_LINES = 1000;

// What Mosquitto users know from $SYS/broker/..., and how to show each value.
const FIGURES = [
  ['version', 'version', (s) => s.version],
  ['uptime', 'uptime', (s) => duration(s.uptimeSeconds)],
  ['clients-connected', 'clients/connected', (s) => s.clientsConnected],
  ['clients-disconnected', 'clients/disconnected', (s) => s.clientsDisconnected],
  ['clients-total', 'clients/total', (s) => s.clientsTotal],
  ['clients-maximum', 'clients/maximum', (s) => s.clientsMaximum],
  ['clients-expired', 'clients/expired', (s) => s.clientsExpired],
  ['messages-received', 'messages/received', (s) => s.messagesReceived],
  ['messages-sent', 'messages/sent', (s) => s.messagesSent],
  ['publish-received', 'publish/messages/received', (s) => s.publishReceived],
  ['publish-sent', 'publish/messages/sent', (s) => s.publishSent],
  ['publish-dropped', 'publish/messages/dropped', (s) => s.publishDropped],
  ['bytes-received', 'bytes/received', (s) => bytes(s.bytesReceived)],
  ['bytes-sent', 'bytes/sent', (s) => bytes(s.bytesSent)],
  ['subscriptions', 'subscriptions/count', (s) => s.subscriptions],
  ['retained', 'retained messages/count', (s) => s.retainedMessages],
  ['stored', 'store/messages/count', (s) => s.storedMessages],
  ['heap', 'heap/current', (s) => bytes(s.heapUsed) + ' of ' + bytes(s.heapMax)],
];

// The graphs: a value per poll; rates are the difference of two polls.
const CHARTS = [
  ['chart-clients', 'Connected clients', (s) => s.clientsConnected],
  ['chart-received', 'Messages received/s', (s, p, dt) => p ? (s.messagesReceived - p.messagesReceived) / dt : null],
  ['chart-sent', 'Messages sent/s', (s, p, dt) => p ? (s.messagesSent - p.messagesSent) / dt : null],
  ['chart-bytes', 'Bytes received/s', (s, p, dt) => p ? (s.bytesReceived - p.bytesReceived) / dt : null],
  ['chart-heap', 'Heap used (MB)', (s) => s.heapUsed / 1048576],
];

function duration(seconds) {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor(seconds % 86400 / 3600);
  const m = Math.floor(seconds % 3600 / 60);
  const s = seconds % 60;
  return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + (d || h || m ? m + 'm ' : '') + s + 's';
}

function bytes(n) {
  if (n < 0) {
    return 'unlimited';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

function protocol(level) {
  return level === 3 ? '3.1' : level === 4 ? '3.1.1' : level === 5 ? '5' : String(level);
}

function repeat(task, everyMs) {
  const run = async () => {
    try {
      await task();
    } finally {
      setTimeout(run, everyMs);
    }
  };
  run();
}

// ---- $SYS figures and graphs ----

const history = { times: [], series: CHARTS.map(() => []) };
const plots = [];
let previous = null;

function buildFigures() {
  const list = $('figures');
  for (const [id, name] of FIGURES) {
    const row = Pigeon.el('div');
    row.append(Pigeon.el('dt', name), Pigeon.el('dd', '', { id: 'fig-' + id }));
    list.append(row);
  }
}

function buildCharts() {
  const width = Math.min(360, Math.max(240, Math.floor((window.innerWidth - 80) / 3)));
  for (const [id, title] of CHARTS) {
    const figure = Pigeon.el('figure', null, { id });
    figure.append(Pigeon.el('figcaption', title));
    $('charts').append(figure);
    plots.push(new uPlot({
      width,
      height: 120,
      legend: { show: false },
      scales: { y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      series: [{}, { label: title, stroke: '#2a6', width: 2, fill: 'rgba(34,170,102,0.1)' }],
    }, [[], []], figure));
  }
}

async function pollStats() {
  let s;
  try {
    s = await Pigeon.api('/api/gateway/stats');
    $('stats-error').textContent = '';
  } catch (e) {
    $('stats-error').textContent = 'The broker figures are not available: ' + e.message;
    return;
  }
  for (const [id, , show] of FIGURES) {
    $('fig-' + id).textContent = String(show(s));
  }
  const dt = previous ? Math.max(0.001, (s.time - previous.time) / 1000) : 0;
  history.times.push(s.time / 1000);
  CHARTS.forEach(([, , value], i) => history.series[i].push(value(s, previous, dt)));
  if (history.times.length > HISTORY_POINTS) {
    history.times.shift();
    history.series.forEach((values) => values.shift());
  }
  previous = s;
  plots.forEach((plot, i) => plot.setData([history.times, history.series[i]]));
}

// ---- clients ----

/** The outcome of the last Disconnect, shown in place of the counts for a while so that it can be read. */
let clientsNotice = { text: '', until: 0 };
const NOTICE_MILLIS = 10000;

async function pollClients() {
  let data;
  try {
    data = await Pigeon.api('/api/gateway/clients');
  } catch (e) {
    $('clients-status').textContent = 'The client list is not available: ' + e.message;
    return;
  }
  const showOffline = $('show-offline').checked;
  const rows = [];
  for (const c of data.clients) {
    if (!c.connected && !showOffline) {
      continue;
    }
    const tr = Pigeon.el('tr', null, { 'data-client-id': c.clientId });
    const subs = c.subscriptions.map((s) => s.topicFilter + ' (QoS ' + s.qos + ')').join(', ');
    const expiry = c.sessionExpirySeconds < 0 ? 'never expires' : c.sessionExpirySeconds === 0
      ? 'ends on disconnect' : 'expires ' + duration(c.sessionExpirySeconds) + ' after disconnect';
    const since = c.connected ? new Date(c.connectedSinceMillis).toLocaleString() : 'offline';
    tr.append(Pigeon.el('td', c.clientId), Pigeon.el('td', c.remoteAddress || ''),
      Pigeon.el('td', protocol(c.protocolLevel)), Pigeon.el('td', c.username || ''),
      Pigeon.el('td', (c.connected ? (c.cleanStart ? 'clean, ' : 'resumed, ') : '') + expiry),
      Pigeon.el('td', subs), Pigeon.el('td', c.queuedMessages + ' (' + bytes(c.queuedBytes) + ')', { class: 'number' }),
      Pigeon.el('td', c.inflightMessages, { class: 'number' }), Pigeon.el('td', since));
    const action = Pigeon.el('td');
    if (c.connected) {
      const button = Pigeon.el('button', 'Disconnect', { type: 'button', class: 'disconnect admin-only' });
      button.addEventListener('click', () => disconnect(c.clientId, button));
      action.append(button);
    }
    tr.append(action);
    rows.push(tr);
  }
  $('clients').querySelector('tbody').replaceChildren(...rows);
  const connected = data.clients.filter((c) => c.connected).length;
  $('clients-status').textContent = Date.now() < clientsNotice.until ? clientsNotice.text
    : connected + ' connected, ' + (data.clients.length - connected) + ' offline persistent session(s)';
}

async function disconnect(clientId, button) {
  button.disabled = true;
  try {
    await Pigeon.api('/api/gateway/disconnect', { clientId });
    clientsNotice = { text: 'Disconnected ' + clientId, until: Date.now() + NOTICE_MILLIS };
  } catch (e) {
    clientsNotice = { text: e.message, until: Date.now() + NOTICE_MILLIS };
  }
  $('clients-status').textContent = clientsNotice.text;
  pollClients();
}

// ---- bridges ----

async function pollBridges() {
  let data;
  try {
    data = await Pigeon.api('/api/gateway/bridges');
  } catch (e) {
    $('bridges-status').textContent = 'The bridge list is not available: ' + e.message;
    return;
  }
  const rows = data.bridges.map((b) => {
    const tr = Pigeon.el('tr', null, { 'data-bridge': b.name });
    tr.append(Pigeon.el('td', b.name), Pigeon.el('td', b.connected ? 'connected' : 'disconnected'),
      Pigeon.el('td', b.upstream.join(', ')), Pigeon.el('td', b.queuedMessages, { class: 'number' }),
      Pigeon.el('td', bytes(b.queuedBytes), { class: 'number' }));
    return tr;
  });
  $('bridges').querySelector('tbody').replaceChildren(...rows);
  $('bridges-status').textContent = rows.length === 0 ? 'No bridges: add a connection section to etc/pigeon.conf' : '';
}

// ---- log ----

let logAfter = 0;
let logGeneration = 0;

async function pollLog() {
  if ($('log-pause').checked) {
    return;
  }
  const generation = logGeneration;
  const level = $('log-level').value;
  const page = await Pigeon.api('/api/gateway/log?after=' + logAfter + '&level=' + encodeURIComponent(level));
  if (generation !== logGeneration) {
    return; // the level changed while this request ran
  }
  const list = $('log');
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
  for (const line of page.lines) {
    const text = new Date(line.time).toISOString().replace('T', ' ').replace('Z', '') + ' ' + line.level.padEnd(5)
      + ' [' + line.bundle + '] ' + line.message + (line.exception ? '\n' + line.exception : '');
    list.append(Pigeon.el('li', text, { class: line.level }));
  }
  while (list.children.length > MAX_LOG_LINES) {
    list.firstElementChild.remove();
  }
  logAfter = page.next;
  if (atBottom) {
    list.scrollTop = list.scrollHeight;
  }
}

Pigeon.start(() => {
  $('page').hidden = false;
  buildFigures();
  buildCharts();
  $('show-offline').addEventListener('change', pollClients);
  $('log-level').addEventListener('change', () => {
    logGeneration++;
    logAfter = 0;
    $('log').replaceChildren();
    pollLog();
  });
  repeat(pollStats, STATS_EVERY_MS);
  repeat(pollClients, CLIENTS_EVERY_MS);
  repeat(pollBridges, BRIDGES_EVERY_MS);
  repeat(pollLog, LOG_EVERY_MS);
});
