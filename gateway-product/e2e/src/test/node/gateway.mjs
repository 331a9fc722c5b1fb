// Drives the console's /gateway and /traffic pages in Debian's Chromium through playwright-core.
// Usage: node gateway.mjs BASE_URL INITIAL_PASSWORD NEW_PASSWORD WATCHER_ID FLOODER_ID
// The Java test (GatewayPageTest) starts MQTT clients when this script prints READY-FOR-... lines:
//   READY-FOR-SUBSCRIBER  the dashboard shows its client count; now mosquitto_sub WATCHER_ID connects
//   READY-FOR-FLOOD       the watcher is listed; now FLOODER_ID floods a topic while a quiet client publishes a little
// Then the traffic page must rank FLOODER_ID and the flooded topic's first level first, and the Disconnect button
// of WATCHER_ID must end that client. Prints one "OK <step>" line per step; exits 1 with "FAIL ..." otherwise.
import { firstLogin, inConsolePage, noProblems, watch } from './console-browser.mjs';

const [base, initialPassword, newPassword, watcher, flooder, floodLevel] = process.argv.slice(2);
await inConsolePage(150000, async (page, problems) => {
  await firstLogin(page, base, initialPassword, newPassword);

  await page.goto(base + '/gateway');
  await page.waitForSelector('#page:not([hidden])');
  await page.waitForFunction(() => /^\d+$/.test(document.getElementById('fig-clients-connected').textContent));
  const before = Number(await page.textContent('#fig-clients-connected'));
  if (await page.locator('#charts figure canvas').count() < 5) throw new Error('the graphs are not drawn');
  console.log('OK dashboard shows ' + before + ' connected clients and its graphs');
  console.log('READY-FOR-SUBSCRIBER');

  await page.waitForFunction((n) => Number(document.getElementById('fig-clients-connected').textContent) === n + 1,
    before, { timeout: 30000 });
  console.log('OK the live client count went up by one');
  const row = page.locator(`#clients tr[data-client-id="${watcher}"]`);
  await row.waitFor({ timeout: 30000 });
  const cells = await row.locator('td').allTextContents();
  if (cells[2] !== '5') throw new Error('protocol column: ' + cells.join(' | '));
  if (!cells[5].includes('e2e/# (QoS 1)')) throw new Error('subscriptions column: ' + cells.join(' | '));
  if (!/^127\.0\.0\.1:\d+$/.test(cells[1])) throw new Error('address column: ' + cells.join(' | '));
  console.log('OK the subscriber is listed with its address, protocol and subscription');
  console.log('READY-FOR-FLOOD');

  const traffic = watch(await page.context().newPage(), problems);
  await traffic.goto(base + '/traffic');
  await traffic.waitForSelector('#page:not([hidden])');
  await traffic.waitForFunction(([client, level]) => {
    const firstTopic = document.querySelector('#topics tbody tr');
    const firstClient = document.querySelector('#clients tbody tr');
    return firstTopic && firstClient && firstTopic.dataset.name === level && firstClient.dataset.name === client
      && document.querySelectorAll('#clients tbody tr').length >= 2;
  }, [flooder, floodLevel], { timeout: 60000 });
  console.log('OK the traffic view ranks the flooding client and topic first');
  await traffic.click(`#topics tbody tr[data-name="${floodLevel}"] button`);
  await traffic.waitForFunction((level) => {
    const first = document.querySelector('#topics tbody tr');
    return first && first.dataset.name.startsWith(level + '/');
  }, floodLevel, { timeout: 20000 });
  console.log('OK drilling down shows the level below');
  await traffic.close();

  await row.locator('button.disconnect').click();
  await page.waitForFunction((id) => document.getElementById('clients-status').textContent === 'Disconnected ' + id,
    watcher, { timeout: 20000 });
  console.log('OK the disconnect button disconnected the subscriber');
  console.log('DONE-DISCONNECT');

  noProblems(problems);
});
