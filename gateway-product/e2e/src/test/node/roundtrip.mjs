// MQTT.js 5 round trip for Pigeon's end-to-end tests.
// Usage: node roundtrip.mjs HOST PORT PROTOCOL_VERSION(4|5) [SCHEME(mqtt|mqtts|ws|wss) [CA_FILE|- [PATH]]]
// Publishes at QoS 0, 1 and 2 and expects each back at the same QoS (and, for v5, with its properties). Prints OK.
// mqtts and wss check the server's certificate against CA_FILE; ws and wss go to PATH (default /mqtt).
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';

const [host, port, pv, scheme = 'mqtt', caFile = '-', path = '/mqtt'] = process.argv.slice(2);
const protocolVersion = Number(pv);
const topic = `e2e/node/v${protocolVersion}/${process.pid}`;
const timer = setTimeout(() => { console.error('TIMEOUT'); process.exit(3); }, 15000);
const url = scheme.startsWith('ws') ? `${scheme}://${host}:${port}${path}` : `${scheme}://${host}:${port}`;
const tls = caFile !== '-' ? { ca: readFileSync(caFile), rejectUnauthorized: true } : {};
const opts = (id) => ({ protocolVersion, clientId: `${id}-${process.pid}`, clean: true, reconnectPeriod: 0, connectTimeout: 5000, ...tls });

function fail(message) {
  console.error('FAIL ' + message);
  process.exit(1);
}

const sub = await mqtt.connectAsync(url, opts('node-sub'));
const pub = await mqtt.connectAsync(url, opts('node-pub'));
const granted = await sub.subscribeAsync(`${topic}/#`, { qos: 2 });
if (granted[0].qos !== 2) fail('granted ' + JSON.stringify(granted));

const received = [];
const all = new Promise((resolve) => {
  sub.on('message', (t, payload, packet) => {
    received.push({ t, payload: payload.toString(), qos: packet.qos, properties: packet.properties });
    if (received.length === 3) resolve();
  });
});
for (const qos of [0, 1, 2]) {
  const properties = protocolVersion === 5
    ? { userProperties: { origin: 'mqtt.js', qos: String(qos) }, contentType: 'text/plain' } : undefined;
  await pub.publishAsync(`${topic}/q${qos}`, `node qos ${qos}`, { qos, properties });
}
await all;
for (const qos of [0, 1, 2]) {
  const m = received.find((r) => r.t === `${topic}/q${qos}`);
  if (!m) fail(`no message at QoS ${qos}: ${JSON.stringify(received)}`);
  if (m.payload !== `node qos ${qos}` || m.qos !== qos) fail(`QoS ${qos}: got ${JSON.stringify(m)}`);
  if (protocolVersion === 5) {
    const up = m.properties && m.properties.userProperties;
    if (!up || up.origin !== 'mqtt.js' || up.qos !== String(qos)) fail(`user properties lost: ${JSON.stringify(m)}`);
    if (m.properties.contentType !== 'text/plain') fail(`content type lost: ${JSON.stringify(m)}`);
  }
}
await sub.endAsync();
await pub.endAsync();
clearTimeout(timer);
console.log(`OK protocolVersion=${protocolVersion} url=${url} received=${received.length}`);
