// Drives the console's Bundles page in Debian's Chromium through playwright-core.
// Usage: node bundles.mjs BASE_URL INITIAL_PASSWORD NEW_PASSWORD JAR SYMBOLIC_NAME NEW_VERSION
// Logs in as admin (choosing the new password on the forced change), opens /bundles, notes the id and version of
// SYMBOLIC_NAME, uploads JAR with the page's form, and checks that the list shows NEW_VERSION for the same id and no
// second bundle of that name; then restores the replaced jar with its button and sees the old version again.
// Prints one "OK <step>" line per step; exits 1 with "FAIL ..." otherwise.
import { firstLogin, inConsolePage, noProblems } from './console-browser.mjs';

const [base, initialPassword, newPassword, jar, name, newVersion] = process.argv.slice(2);

/** The rows of the bundle list named `name`, as {id, version, state}. */
async function rows(page) {
  return page.$$eval('#bundles tbody tr', (trs, n) => trs.filter((tr) => tr.dataset.name === n).map((tr) => ({
    id: tr.dataset.id,
    version: tr.querySelector('.version').textContent,
    state: tr.querySelector('.state').textContent,
  })), name);
}

await inConsolePage(150000, async (page, problems) => {
  await firstLogin(page, base, initialPassword, newPassword);
  console.log('OK logged in');

  await page.click('nav a[href="/bundles"]');
  await page.waitForURL(base + '/bundles');
  await page.waitForSelector(`#bundles tbody tr[data-name="${name}"]`);
  const before = await rows(page);
  if (before.length !== 1) throw new Error(`${before.length} rows for ${name} before the upload`);
  const { id, version: oldVersion } = before[0];
  console.log(`OK ${name} is bundle ${id} version ${oldVersion}`);

  await page.setInputFiles('#upload-file', jar);
  await page.click('#upload');
  await page.waitForFunction((v) => document.getElementById('upload-status').textContent.includes('updated to ' + v),
    newVersion, { timeout: 120000 });
  await page.waitForFunction(([n, v]) => [...document.querySelectorAll('#bundles tbody tr')]
    .some((tr) => tr.dataset.name === n && tr.querySelector('.version').textContent === v), [name, newVersion]);
  const after = await rows(page);
  if (after.length !== 1) throw new Error(`${after.length} rows for ${name} after the upload: ${JSON.stringify(after)}`);
  if (after[0].id !== id) throw new Error(`${name} is bundle ${after[0].id} after the upload, was ${id}`);
  if (after[0].state !== 'ACTIVE') throw new Error(`${name} is ${after[0].state} after the upload`);
  console.log(`OK ${name} shows version ${newVersion} as bundle ${id}`);

  await page.click(`#bundles tbody tr[data-name="${name}"] button[data-action="restore"]`);
  await page.waitForFunction(([n, v]) => [...document.querySelectorAll('#bundles tbody tr')]
    .some((tr) => tr.dataset.name === n && tr.querySelector('.version').textContent === v), [name, oldVersion],
    { timeout: 120000 });
  const restored = await rows(page);
  if (restored.length !== 1 || restored[0].id !== id) throw new Error(`after restore: ${JSON.stringify(restored)}`);
  console.log(`OK restore shows version ${oldVersion} as bundle ${id}`);

  noProblems(problems);
});
