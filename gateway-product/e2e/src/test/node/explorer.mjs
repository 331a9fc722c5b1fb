// The explorer page in Debian's Chromium (playwright-core): what a person sees of the recording, the topic tree,
// charts, the publish history and the export. The Java side (ExplorerTest) publishes with mosquitto_pub before the
// browser opens and when the script prints a READY-... line.
// Usage: node explorer.mjs BASE_URL INITIAL_PASSWORD NEW_PASSWORD PREFIX
// Prints one "OK <step>" line per step; exits 1 with "FAIL ..." otherwise.
import { firstLogin, inConsolePage, noProblems } from './console-browser.mjs';

const [base, initialPassword, newPassword, prefix] = process.argv.slice(2);

function node(path) {
  return `#topic-tree li[data-path="${path}"] > .node`;
}

/** The same value with every object's keys in order, to compare decoded payloads whatever their key order. */
function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

/** What the page's status lines say, after a failure. */
const statusLines = (page) => page.evaluate(() => [...document.querySelectorAll('.status')]
  .map((s) => s.id + '=' + s.textContent).join(' '));

await inConsolePage(120000, async (page, problems) => {
  page.on('response', (r) => {
    if (r.status() >= 400) console.log(`note: ${r.status()} for ${r.request().method()} ${r.url()}`);
  });
  await firstLogin(page, base, initialPassword, newPassword);

  // The tree follows every topic (an in-process # subscription) only while some page shows it: the broker's
  // subscription count, as the gateway page and $SYS/broker/subscriptions/count give it, goes down by one when the
  // last such page closes and up again when one opens
  const subscriptions = (p) => p.evaluate(async () => (await (await fetch('/api/gateway/stats')).json()).subscriptions);
  async function awaitSubscriptions(p, want, what) {
    const deadline = Date.now() + 15000;
    let now = await subscriptions(p);
    while (now !== want && Date.now() < deadline) {
      await p.waitForTimeout(200);
      now = await subscriptions(p);
    }
    if (now !== want) throw new Error(`${what}: the broker counts ${now} subscriptions, not ${want}`);
  }
  const treeShown = (p) => p.waitForFunction(() => /\d+ topics/.test(document.getElementById('topics-status').textContent));
  await treeShown(page);
  const withTree = await subscriptions(page);
  const second = await page.context().newPage();
  await second.goto(base + '/');
  await treeShown(second);
  await awaitSubscriptions(page, withTree, 'two pages show the tree');
  await page.goto(base + '/gateway');
  await page.waitForSelector('#page:not([hidden])');
  await awaitSubscriptions(page, withTree, 'one page still shows the tree');
  await second.close({ runBeforeUnload: true });
  await awaitSubscriptions(page, withTree - 1, 'the last page showing the tree closed');
  await page.goto(base + '/');
  await page.waitForSelector('#page:not([hidden])');
  await treeShown(page);
  await awaitSubscriptions(page, withTree, 'a page shows the tree again');
  console.log('OK the tree subscribes while a page shows it and unsubscribes when the last one closes');

  // The tree: levels, counts including descendants, the retained topic, values recorded while no browser was open
  await page.waitForSelector(node(`${prefix}/retained`) + ' .delete-retained');
  const retainedValue = await page.textContent(node(`${prefix}/retained`) + ' .value');
  if (retainedValue !== 'kept value') throw new Error(`retained topic shows "${retainedValue}"`);
  const tempCount = await page.textContent(node(`${prefix}/sensors/temp`) + ' .count');
  if (tempCount !== '3 messages') throw new Error(`temp shows "${tempCount}", not the 3 recorded messages`);
  const diff = await page.textContent(node(`${prefix}/sensors/temp`) + ' .diff');
  if (diff !== '+1.5 (was 21)') throw new Error(`temp's change shows "${diff}"`);
  const sensorsCount = await page.textContent(node(`${prefix}/sensors`) + ' .count');
  if (sensorsCount !== '5 messages') throw new Error(`sensors shows "${sensorsCount}", not 3 temp + 2 bme280`);
  const bmeDiff = await page.textContent(node(`${prefix}/sensors/bme280`) + ' .diff');
  if (bmeDiff !== 'temperature: 19.5 → 20') throw new Error(`bme280's change shows "${bmeDiff}"`);
  console.log('OK the tree shows the recorded and retained topics with counts and changes');

  await page.click(node(`${prefix}/sensors`) + ' .toggle');
  await page.waitForSelector(`#topic-tree li[data-path="${prefix}/sensors/temp"]`, { state: 'detached' });
  await page.click(node(`${prefix}/sensors`) + ' .toggle');
  await page.waitForSelector(node(`${prefix}/sensors/temp`));
  console.log('OK a level collapses and expands');

  await page.click(node(`${prefix}/retained`) + ' .delete-retained');
  await page.waitForSelector(node(`${prefix}/retained`) + ' .delete-retained', { state: 'detached' });
  console.log('OK retained deleted');
  console.log('READY-FOR-RETAINED-CHECK');

  // A chart of the recorded numeric topic, live updates, and a JSON field on the same time axis
  await page.click(node(`${prefix}/sensors/temp`) + ' .chart-topic');
  await page.waitForSelector('#chart .uplot canvas');
  const plotted = () => page.evaluate(() => {
    const plot = document.getElementById('chart').plot;
    return plot ? plot.series.slice(1).map((s, i) => ({ label: s.label, values: plot.data[i + 1].filter((v) => v !== null) })) : [];
  });
  let series = await plotted();
  if (series.length !== 1 || JSON.stringify(series[0].values) !== JSON.stringify([20.5, 21, 22.5])) {
    throw new Error('the chart plots ' + JSON.stringify(series));
  }
  console.log('OK the chart plots the recorded values');
  console.log('READY-FOR-LIVE');
  await page.waitForFunction(() => {
    const plot = document.getElementById('chart').plot;
    return plot && plot.data[1].includes(23.5);
  }, null, { timeout: 20000 });
  const lastCell = await page.textContent('#chart-series tbody tr td:nth-child(3)');
  if (lastCell !== '23.5') throw new Error(`the series table shows last value "${lastCell}"`);
  console.log('OK a live value is added to the chart');

  await page.fill('#chart-topic', `${prefix}/sensors/bme280`);
  await page.fill('#chart-field', 'temperature');
  await page.click('#chart-add');
  await page.waitForFunction(() => document.getElementById('chart').plot?.series.length === 3);
  series = await plotted();
  if (series[1].label !== `${prefix}/sensors/bme280 temperature`
      || JSON.stringify(series[1].values) !== JSON.stringify([19.5, 20])) {
    throw new Error('the second series is ' + JSON.stringify(series[1]));
  }
  console.log('OK a JSON field is plotted on the same time axis');

  // Publish from the page, see it in a subscription, send it again from the history
  await page.fill('#sub-filters', `${prefix}/#`);
  await page.click('#subscribe');
  await page.waitForFunction(() => document.getElementById('subscribe-status').textContent === 'subscribed');
  await page.fill('#pub-topic', `${prefix}/from-page`);
  await page.fill('#pub-payload', 'hello again and again');
  await page.click('#publish');
  await page.waitForSelector('#messages li:has-text("hello again and again")');
  console.log('OK a message published from the page arrives in the subscription');
  await page.waitForSelector('#publish-history li:has-text("hello again and again") .resend');
  await page.click('#publish-history li:has-text("hello again and again") .resend');
  await page.waitForFunction(() => [...document.querySelectorAll('#messages li')]
    .filter((li) => li.textContent.includes('hello again and again')).length === 2, null, { timeout: 20000 });
  const historyItems = await page.locator('#publish-history li').count();
  if (historyItems !== 1) throw new Error(`the publish history has ${historyItems} entries after a re-send, not 1`);
  console.log('OK the publish history sends a message again');

  // Export: the page's download link with a topic filter, as CSV and JSON
  await page.fill('#export-filter', `${prefix}/sensors/temp`);
  await page.selectOption('#export-format', 'csv');
  const csv = await page.evaluate(async () => (await fetch(document.getElementById('export-link').href)).text());
  const lines = csv.trim().split('\r\n');
  const values = lines.slice(1).map((l) => l.split(',').pop());
  if (lines[0] !== 'time,iso,topic,qos,size,encoding,payload' || JSON.stringify(values) !== JSON.stringify(['20.5', '21', '22.5', '23.5'])) {
    throw new Error('the CSV export is ' + csv);
  }
  await page.selectOption('#export-format', 'json');
  const download = page.waitForEvent('download');
  await page.click('#export-link');
  const file = await (await download).path();
  const { readFileSync } = await import('node:fs');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  if (json.length !== 4 || json.some((m) => m.topic !== `${prefix}/sensors/temp`) || json[3].text !== '23.5') {
    throw new Error('the JSON export is ' + JSON.stringify(json));
  }
  console.log('OK the export downloads the filtered history as CSV and JSON');

  // A decoder per topic filter: hex for the temperature, remembered across a reload
  await page.click('#decoders summary');
  await page.fill('#decoder-filter', `${prefix}/sensors/+`);
  await page.selectOption('#decoder-kind', 'hex');
  await page.click('#decoder-add');
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '32 33 2e 35',
    node(`${prefix}/sensors/temp`) + ' .value');
  await page.reload();
  await page.waitForSelector('#page:not([hidden])');
  await page.waitForSelector(`#decoder-rules li[data-filter="${prefix}/sensors/+"]`, { state: 'attached' });
  await page.waitForSelector(node(`${prefix}/sensors/temp`) + ' .value');
  const afterReload = await page.textContent(node(`${prefix}/sensors/temp`) + ' .value');
  if (afterReload !== '32 33 2e 35') throw new Error(`after a reload temp shows "${afterReload}", not hex`);
  const other = await page.textContent(node(`${prefix}/from-page`) + ' .value');
  if (other !== 'hello again and again') throw new Error(`a topic outside the filter shows "${other}"`);
  console.log('OK a decoder chosen for a topic filter applies and is remembered');

  // CBOR: a payload the test made with Python's cbor2 and sent with mosquitto_pub -f, decoded in the live list and
  // in the tree; a payload that is not CBOR says so and shows as hex
  await page.click('#decoders summary'); // closed again since the reload
  await page.fill('#decoder-filter', `${prefix}/cbor/#`);
  await page.selectOption('#decoder-kind', 'cbor');
  await page.click('#decoder-add');
  await page.waitForSelector(`#decoder-rules li[data-filter="${prefix}/cbor/#"]`, { state: 'attached' });
  await page.fill('#sub-filters', `${prefix}/#`);
  await page.click('#subscribe');
  await page.waitForFunction(() => document.getElementById('subscribe-status').textContent === 'subscribed');
  console.log('READY-FOR-CBOR');
  const expected = {
    temperature: 21.5,
    raw: "h'0102ff'",
    when: { tag: 1, value: 1363896240, date: '2013-03-21T20:04:00.000Z' },
    big: { tag: 2, value: '1180591620717411303424' },
    list: [1, -2, null, true],
    7: 'int key',
  };
  const reading = `${prefix}/cbor/reading`;
  const liveItem = page.locator('#messages li').filter({ has: page.locator('.topic', { hasText: reading }) });
  await liveItem.first().waitFor({ timeout: 20000 });
  const livePayload = JSON.parse(await liveItem.first().locator('.payload').textContent());
  if (JSON.stringify(sortKeys(livePayload)) !== JSON.stringify(sortKeys(expected))) {
    throw new Error('the live list decodes the CBOR as ' + JSON.stringify(livePayload));
  }
  await page.waitForSelector(node(reading) + ' .value', { timeout: 20000 });
  const treePayload = JSON.parse(await page.textContent(node(reading) + ' .value'));
  if (JSON.stringify(sortKeys(treePayload)) !== JSON.stringify(sortKeys(expected))) {
    throw new Error('the tree decodes the CBOR as ' + JSON.stringify(treePayload));
  }
  const bad = `${prefix}/cbor/bad`;
  await page.waitForSelector(node(bad) + ' .value', { timeout: 20000 });
  const badText = await page.textContent(node(bad) + ' .value');
  if (!badText.startsWith('not CBOR (') || !badText.endsWith('68 65 6c 6c 6f 21')) {
    throw new Error(`a payload that is not CBOR shows as "${badText}"`);
  }
  console.log('OK a CBOR payload is decoded in the live list and the tree');

  noProblems(problems);
}, statusLines);
