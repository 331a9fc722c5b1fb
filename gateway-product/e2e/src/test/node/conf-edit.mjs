// Drives Pigeon's settings page in Debian's Chromium through playwright-core, on settings kept in etc/pigeon.conf.
// Usage: node conf-edit.mjs BASE_URL INITIAL_PASSWORD NEW_PASSWORD NEW_PORT
// Logs in as admin (choosing a new password), adds a listener on NEW_PORT (127.0.0.1) with the listener form, gives
// it a mount_point, has a wrong max_qos refused on its field with the file's line, is refused a save after the test
// edited the file on disk, and removes the listener. Between steps it prints "WAIT <what>" and reads one line from
// stdin, on which the Java test has checked the effect with MQTT clients and the file. Prints "OK <step>"; exits 1
// with "FAIL ..." otherwise.
import { firstLogin, handshake, inConsolePage, noProblems, shownText } from './console-browser.mjs';

const [base, initialPassword, newPassword, newPort] = process.argv.slice(2);
const waitFor = handshake();
/** Waits until the element's text matches the regular expression (the source, as in new RegExp). */
async function waitForText(page, selector, source) {
  await page.waitForFunction(([sel, src]) => {
    const node = document.querySelector(sel);
    return node !== null && new RegExp(src).test(node.textContent.trim());
  }, [selector, source], { timeout: 20000 });
}

await inConsolePage(150000, async (page, problems) => {
  page.on('dialog', (d) => d.accept());

  await firstLogin(page, base, initialPassword, newPassword);
  console.log('OK logged in');

  // a new listener: a new section at the end of etc/pigeon.conf
  await page.goto(base + '/settings');
  await page.click('button[data-add="io.pigeon.listener"]');
  const newForm = '#settings-form form[data-definition="io.pigeon.listener"]';
  await page.waitForSelector(newForm);
  if (await page.isVisible(newForm + ' input[name="configuration.name"]')) {
    throw new Error('a listener in pigeon.conf is named by its port, yet the form asks for a name');
  }
  const storage = await page.textContent(newForm + ' .origin');
  if (!storage.includes('etc/pigeon.conf')) throw new Error('the form does not say where it saves: ' + storage);
  await page.fill(newForm + ' input[name="port"]', newPort);
  await page.fill(newForm + ' input[name="bind.address"]', '127.0.0.1');
  await page.click(newForm + ' button[type="submit"]');
  const pid = 'io.pigeon.listener~' + newPort + '-127.0.0.1';
  await page.waitForSelector('#settings-status:has-text("Saved ' + pid + '")');
  console.log('OK listener added from the form');
  await waitFor('the new port reaches the untouched listener');

  // the new listener's own form: its lines are in etc/pigeon.conf, each value with its file:line
  const form = '#settings-form form[data-pid="' + pid + '"]';
  await page.waitForSelector(form);
  const origin = await page.textContent(form + ' [data-origin="port"]');
  if (!/^etc\/pigeon\.conf:\d+$/.test(origin.trim())) throw new Error('the port field does not show its line: ' + origin);
  await page.fill(form + ' input[name="mount.point"]', 'site/');
  await page.click(form + ' button[type="submit"]');
  await page.waitForSelector('#settings-status:has-text("Saved ' + pid + '")');
  await waitForText(page, form + ' [data-origin="mount.point"]', '^etc/pigeon\\.conf:\\d+$');
  console.log('OK mount_point saved into the listener section');
  await waitFor('the mount point applies');

  // a value the parser refuses is refused on its field with the parser's words, and nothing is written
  await page.fill(form + ' input[name="max.qos"]', '3');
  await page.click(form + ' button[type="submit"]');
  await waitForText(page, form + ' [data-error="max.qos"]',
    '^etc/pigeon\\.conf:\\d+: max_qos 3: must be 0, 1 or 2\\. Fix the value or remove the line\\.$');
  console.log('OK a wrong max_qos is refused with the file, the line and the fix');
  await waitFor('the file is unchanged, then edited by hand');

  // the form is older than the file now: its save is refused, and the hand edit stays
  await page.fill(form + ' input[name="max.qos"]', '1');
  await page.click(form + ' button[type="submit"]');
  await page.waitForSelector(form + ' [role="alert"]:has-text("changed on disk")');
  console.log('OK a save after an edit on disk is refused');
  await waitFor('the hand edit is kept');

  // a fresh form removes the listener's section
  await page.goto(base + '/settings?pid=' + encodeURIComponent(pid));
  await page.waitForSelector(form);
  await page.click(form + ' button.delete');
  await page.waitForSelector('#settings-status:has-text("Deleted.")');
  console.log('OK listener removed from etc/pigeon.conf');
  await waitFor('the listener is gone');

  noProblems(problems);
}, shownText('.error, .read-only, [role=status]'));
