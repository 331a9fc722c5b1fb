// MQTT.js 5 client that sets a will and then dies without DISCONNECT (process.exit with the socket open).
// Usage: node will.mjs HOST PORT PROTOCOL_VERSION WILL_TOPIC WILL_PAYLOAD
import mqtt from 'mqtt';

const [host, port, pv, topic, payload] = process.argv.slice(2);
setTimeout(() => { console.error('TIMEOUT'); process.exit(3); }, 10000);
await mqtt.connectAsync(`mqtt://${host}:${port}`, {
  protocolVersion: Number(pv), clientId: `node-will-${process.pid}`, reconnectPeriod: 0,
  will: { topic, payload: Buffer.from(payload), qos: 1, retain: false },
});
console.log('CONNECTED');
process.exit(0);
