// Drives Pigeon's GPIO and settings pages in Debian's Chromium through playwright-core, as a person would.
// Usage: node settings.mjs BASE_URL INITIAL_PASSWORD NEW_PASSWORD
// Logs in as admin (choosing a new password), switches the output pin "relay" on from /gpio, adds the output pin
// "lamp" and a pin "bad" on BCM 40 with the pin form, shows the GPIO bundle's refusal of "bad", and on /settings finds
// the listener with the file:line of its values (it comes from the test's pigeon.conf), gets a per-field error for a
// wrong qos and saves
// topic.prefix = house for the GPIO bridge. Between steps it prints "WAIT <what>" and reads one line from stdin, on
// which the Java test has checked the effect with MQTT and files. Prints "OK <step>"; exits 1 with "FAIL ..." else.
import { firstLogin, handshake, inConsolePage, noProblems, shownText } from './console-browser.mjs';

const [base, initialPassword, newPassword] = process.argv.slice(2);
const waitFor = handshake();

await inConsolePage(150000, async (page, problems) => {
  page.on('dialog', (d) => d.accept());

  await firstLogin(page, base, initialPassword, newPassword);
  console.log('OK logged in');

  // GPIO: the relay from etc/io.pigeon.gpio.pin-relay.cfg, OFF at start, switched on with one click
  await page.goto(base + '/gpio');
  const relayState = 'tr[data-pin="relay"] td.gpio-state';
  await page.waitForSelector(relayState + ':text-is("OFF")');
  await page.click('button[data-toggle="relay"]');
  await page.waitForSelector(relayState + ':text-is("ON")');
  console.log('OK relay switched on from the page');
  await waitFor('relay ON on MQTT');

  // a new output pin through the metatype form
  await page.click('#add-pin');
  const pinForm = '#gpio-form form[data-definition="io.pigeon.gpio.pin"]';
  await page.waitForSelector(pinForm);
  await page.fill(pinForm + ' input[name="configuration.name"]', 'lamp');
  await page.selectOption(pinForm + ' select[name="mode"]', 'output');
  await page.fill(pinForm + ' input[name="pin"]', '22');
  await page.click(pinForm + ' button[type="submit"]');
  await page.waitForSelector('tr[data-pin="lamp"] td.gpio-state:text-is("OFF")', { timeout: 20000 });
  console.log('OK pin added through the form');
  await waitFor('lamp on MQTT and in etc');

  // a pin the GPIO bundle refuses: its reason is shown next to it
  await page.click('#add-pin');
  await page.waitForSelector(pinForm);
  await page.fill(pinForm + ' input[name="configuration.name"]', 'bad');
  await page.selectOption(pinForm + ' select[name="mode"]', 'input');
  await page.fill(pinForm + ' input[name="pin"]', '40');
  await page.click(pinForm + ' button[type="submit"]');
  await page.waitForSelector('tr[data-pin="bad"] td.error:has-text("use a BCM GPIO number from 0 to 27")',
    { timeout: 20000 });
  console.log('OK the GPIO bundle\'s refusal is shown');

  // settings: the listener comes from pigeon.conf; its values show their file:line, and the form saves into the file
  await page.goto(base + '/settings');
  await page.click('button[data-open^="io.pigeon.listener~"]');
  const origin = await page.textContent('#settings-form [data-origin="port"]', { timeout: 10000 });
  if (!/\.conf:\d+$/.test(origin.trim())) throw new Error('the listener form does not point at the file: ' + origin);
  if (await page.isDisabled('#settings-form input[name="port"]')) throw new Error('the listener port is read only');
  console.log('OK listener from pigeon.conf shows its file:line and can be changed');

  // the GPIO bridge's settings: a wrong qos is refused on its field, then topic.prefix is saved
  await page.click('button[data-open="io.pigeon.gpio"]');
  const bridgeForm = '#settings-form form[data-definition="io.pigeon.gpio"]';
  await page.waitForSelector(bridgeForm);
  await page.fill(bridgeForm + ' input[name="qos"]', 'high');
  await page.click(bridgeForm + ' button[type="submit"]');
  await page.waitForSelector(bridgeForm + ' [data-error="qos"]:has-text("is not a whole number")');
  console.log('OK a wrong value is refused on its field');
  await page.fill(bridgeForm + ' input[name="qos"]', '1');
  await page.fill(bridgeForm + ' input[name="topic.prefix"]', 'house');
  await page.click(bridgeForm + ' button[type="submit"]');
  await page.waitForSelector('#settings-status:has-text("Saved io.pigeon.gpio")');
  console.log('OK GPIO bridge settings saved');
  await waitFor('the new prefix on MQTT and in etc');

  await page.goto(base + '/gpio');
  await page.waitForSelector('tr[data-pin="relay"] td:text-matches("^house/")', { timeout: 20000 });
  console.log('OK the GPIO page follows the new prefix');
  noProblems(problems);
}, shownText('.error, .read-only, [role=status]'));
