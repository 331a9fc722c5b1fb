// Drives Pigeon's HTTP console in Debian's Chromium through playwright-core, as a person would.
// Usage: node console.mjs BASE_URL INITIAL_PASSWORD NEW_PASSWORD TOPIC ROUTE...
// Logs in as admin with the generated password, is made to choose a new one, subscribes to TOPIC/#, publishes to
// TOPIC with the page's form and waits for the message in the live list; publishes a message from outside (the
// Java test does, on "READY-FOR-EXTERNAL") if asked; adds the operator "olga" on the users page, and in a second
// browser context olga chooses her password, finds no users link, a read-only settings form, no bundle actions, is
// refused 403 when she asks for one anyway, and publishes; then admin logs out and requests every ROUTE
// ("METHOD /path"), each of which must be refused with 401. Prints one "OK <step>" line per step; exits 1 with
// "FAIL ..." otherwise.
import { firstLogin, inConsolePage, noProblems, watch } from './console-browser.mjs';

const [base, initialPassword, newPassword, topic, ...routes] = process.argv.slice(2);
await inConsolePage(150000, async (page, problems, browser) => {
  await page.goto(base + '/');
  await page.waitForURL(base + '/login');
  await page.fill('#user', 'admin');
  await page.fill('#password', initialPassword);
  await page.click('#login-button');
  await page.waitForSelector('#password-section:not([hidden])');
  if (await page.isVisible('#publish-form')) throw new Error('the console is usable before the password change');
  console.log('OK first login asks for a new password');

  await page.fill('#current-password', initialPassword);
  await page.fill('#new-password', newPassword);
  await page.click('#change-password');
  await page.waitForSelector('#page:not([hidden])');
  console.log('OK password changed');

  await page.fill('#sub-filters', topic + '/#');
  await page.click('#subscribe');
  await page.waitForFunction(() => document.getElementById('subscribe-status').textContent === 'subscribed');
  await page.fill('#pub-topic', topic + '/from-browser');
  await page.fill('#pub-payload', 'hello from chromium');
  await page.selectOption('#pub-qos', '1');
  await page.click('#publish');
  await page.waitForFunction(() => document.getElementById('publish-status').textContent === 'published');
  await page.waitForSelector('#messages li:has-text("hello from chromium")');
  console.log('OK published message arrived in the subscription');

  console.log('READY-FOR-EXTERNAL');
  await page.waitForSelector('#messages li:has-text("hello from mosquitto_pub")', { timeout: 20000 });
  console.log('OK external message arrived in the subscription');

  // the administrator adds an operator on the users page
  await page.goto(base + '/users');
  await page.waitForSelector('tr[data-user="admin"]');
  if (!(await page.isDisabled('select[data-role="admin"]'))) throw new Error('one may change one\'s own role');
  await page.fill('#add-name', 'olga');
  await page.selectOption('#add-role', 'operator');
  await page.fill('#add-password', 'olga first password');
  await page.click('#add-user');
  await page.waitForSelector('tr[data-user="olga"] select[data-role="olga"]');
  if (await page.inputValue('select[data-role="olga"]') !== 'operator') throw new Error('olga is not an operator');
  console.log('OK operator added on the users page');

  // the operator, in a browser context of her own
  const op = watch(await (await browser.newContext()).newPage(), problems);
  await firstLogin(op, base, 'olga first password', 'olga chose this one', 'olga');
  if (await op.isVisible('header nav a[href="/users"]')) throw new Error('an operator sees the users page link');
  console.log('OK operator logged in with a password of her own');

  await op.goto(base + '/settings');
  await op.click('button[data-open="io.pigeon.console"]');
  await op.waitForSelector('#settings-form .read-only:has-text("Only an administrator may change settings.")');
  if (!(await op.isDisabled('#settings-form input[name="port"]'))) throw new Error('an operator may edit settings');
  await op.goto(base + '/bundles');
  await op.waitForSelector('#bundles tbody tr');
  if (await op.isVisible('#upload-form')) throw new Error('an operator sees the upload form');
  if (await op.locator('#bundles button:visible').count() > 0) throw new Error('an operator sees bundle actions');
  const [status, error] = await op.evaluate(async () => {
    const r = await fetch('/api/bundles/stop', { method: 'POST', body: JSON.stringify({ id: 1 }),
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': Pigeon.csrfToken } });
    return [r.status, (await r.json()).error];
  });
  if (status !== 403 || !error.includes('an administrator must do this')) {
    throw new Error('an operator stopping a bundle got ' + status + ': ' + error);
  }
  console.log('OK an operator sees no administrator actions and is refused them');

  await op.goto(base + '/');
  await op.waitForSelector('#page:not([hidden])');
  await op.fill('#pub-topic', topic + '/from-operator');
  await op.fill('#pub-payload', 'hello from olga');
  await op.click('#publish');
  await op.waitForFunction(() => document.getElementById('publish-status').textContent === 'published');
  await page.goto(base + '/');
  await page.waitForSelector('#page:not([hidden])');
  await op.context().close();
  console.log('OK operator published with her MQTT rights');

  await page.click('#logout');
  await page.waitForURL(base + '/login');
  for (const route of routes) {
    const [method, path] = route.split(' ');
    const status = await page.evaluate(async ([m, p]) => {
      const r = await fetch(p, { method: m, headers: { 'Content-Type': 'application/json' }, body: m === 'GET' ? undefined : '{}' });
      return r.status;
    }, [method, path]);
    if (status !== 401) throw new Error(`after logout ${route} answered ${status}, not 401`);
  }
  console.log(`OK after logout all ${routes.length} routes answer 401`);
  noProblems(problems);
});
