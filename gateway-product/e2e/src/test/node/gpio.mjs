// The GPIO page in Debian's Chromium (playwright-core), on Pi4J's mock provider: pin states are pushed to the page,
// so a change shows without a reload and an idle page asks the gateway nothing.
// Usage: node gpio.mjs BASE_URL INITIAL_PASSWORD NEW_PASSWORD
// The output pin "relay" and the input pin "door" come from etc/; the Java side (GpioPageTest) publishes with
// mosquitto_pub when the script prints WAIT <what>, and answers GO on stdin. Prints "OK <step>"; exits 1 with
// "FAIL ..." otherwise.
import { firstLogin, handshake, inConsolePage, noProblems, shownText } from './console-browser.mjs';

const [base, initialPassword, newPassword] = process.argv.slice(2);
/** Returns the time it asked, once the Java side has published `what`. */
const published = handshake();

await inConsolePage(120000, async (page, problems) => {
  const requests = [];
  page.on('request', (r) => requests.push(r.method() + ' ' + new URL(r.url()).pathname));
  let loads = 0;
  page.on('load', () => { loads++; });
  await firstLogin(page, base, initialPassword, newPassword);

  await page.goto(base + '/gpio');
  const relay = 'tr[data-pin="relay"] td.gpio-state';
  const door = 'tr[data-pin="door"] td.gpio-state';
  await page.waitForSelector(relay + ':text-is("OFF")', { timeout: 20000 });
  await page.waitForSelector(door + ':text-is("OFF")', { timeout: 20000 });
  await page.waitForSelector('#gpio-live:text-is("live")');
  const loadsAtStart = loads;
  console.log('OK the page shows the relay and the door');

  let t0 = Date.now();
  await page.click('button[data-toggle="relay"]');
  await page.waitForSelector(relay + ':text-is("ON")', { timeout: 10000 });
  await page.waitForSelector('button[data-toggle="relay"]:text-is("Switch off")');
  console.log(`OK the relay switched on from the page shows ON (${Date.now() - t0} ms)`);

  t0 = await published('relay TOGGLE');
  await page.waitForSelector(relay + ':text-is("OFF")', { timeout: 10000 });
  const toggled = Date.now() - t0;
  console.log(`OK a TOGGLE from mosquitto_pub shows OFF without a reload (${toggled} ms)`);

  t0 = await published('door simulate ON');
  await page.waitForSelector(door + ':text-is("ON")', { timeout: 10000 });
  const simulated = Date.now() - t0;
  console.log(`OK the door driven through /simulate shows ON without a reload (${simulated} ms)`);

  // nothing changes now: the page asks nothing (its one event stream stays open and quiet)
  const before = requests.length;
  await page.waitForTimeout(3500);
  const idle = requests.slice(before);
  if (idle.length > 0) throw new Error('the idle page sent ' + JSON.stringify(idle));
  console.log('OK an idle page sends no request');

  if (loads !== loadsAtStart) throw new Error(`the page was loaded ${loads - loadsAtStart} more times`);
  const gets = requests.filter((r) => r === 'GET /api/gpio').length;
  if (gets !== 1) throw new Error(`the page read /api/gpio ${gets} times, not once: ` + JSON.stringify(requests));
  if (toggled > 2000 || simulated > 2000) throw new Error(`a change took ${Math.max(toggled, simulated)} ms to show`);
  console.log('OK every change was pushed: no reload, no polling');
  noProblems(problems);
}, shownText('tr, .error, [role=status]'));
