// The explorer page in Debian's Chromium (playwright-core): what a person sees of the recording, the topic tree,
// charts, the publish history and the export. The Java side (ExplorerTest) publishes with mosquitto_pub before the
// browser opens and when the script prints a READY-... line.
// Usage: node explorer.mjs BASE_URL INITIAL_PASSWORD NEW_PASSWORD PREFIX
// Prints one "OK <step>" line per step; exits 1 with "FAIL ..." otherwise.
import { chromium } from 'playwright-core';
import { firstLogin } from './console-login.mjs';

const [base, initialPassword, newPassword, prefix] = process.argv.slice(2);
const timer = setTimeout(() => { console.error('FAIL timeout'); process.exit(3); }, 120000);
const browser = await chromium.launch({
  executablePath: process.env.PIGEON_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox'],
});
let failed = false;
let page = null;
const violations = [];

function node(path) {
  return `#topic-tree li[data-path="${path}"] > .node`;
}

try {
  page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && m.text().includes('Content Security Policy')) violations.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400) console.log(`note: ${r.status()} for ${r.request().method()} ${r.url()}`);
  });
  page.on('pageerror', (e) => violations.push(String(e)));
  await firstLogin(page, base, initialPassword, newPassword);

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

  if (violations.length > 0) throw new Error('script errors or CSP violations: ' + violations.join('; '));
  console.log('OK no script error and no Content-Security-Policy violation');
} catch (e) {
  failed = true;
  const status = page ? await page.evaluate(() => [...document.querySelectorAll('.status')]
    .map((s) => s.id + '=' + s.textContent).join(' ')).catch(() => '') : '';
  console.error('page status: ' + status);
  console.error('FAIL ' + (e && e.message ? e.message : e) + (violations.length ? ' (console: ' + violations.join('; ') + ')' : ''));
} finally {
  await browser.close();
  clearTimeout(timer);
}
process.exit(failed ? 1 : 0);
