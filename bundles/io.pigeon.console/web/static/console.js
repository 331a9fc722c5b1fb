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
  const payload = formatPayload(message, $('sub-format').value);
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
$('topics-refresh').addEventListener('click', () => refreshTopics());

async function refreshTopics() {
  const data = await api('/api/topics').catch(() => ({ topics: [] }));
  const rows = data.topics.map((t) => {
    const row = document.createElement('tr');
    row.dataset.topic = t.topic;
    const cells = [t.topic, String(t.count), t.text === null ? hex(t.base64) : t.text];
    for (const [i, value] of cells.entries()) {
      const cell = document.createElement('td');
      cell.textContent = value;
      if (i === 2) {
        cell.className = 'value';
      }
      row.append(cell);
    }
    const retained = document.createElement('td');
    if (t.retained) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'delete-retained';
      button.textContent = 'Delete retained';
      button.addEventListener('click', async () => {
        await api('/api/retained/delete', { topic: t.topic });
        refreshTopics();
      });
      retained.append(button);
    }
    row.append(retained);
    return row;
  });
  document.querySelector('#topics tbody').replaceChildren(...rows);
}

Pigeon.onLogout.push(stopSubscription);
Pigeon.start(() => refreshTopics());
