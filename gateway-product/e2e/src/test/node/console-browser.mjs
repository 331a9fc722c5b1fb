// What the console's browser tests share: a page of Debian's Chromium through playwright-core that records what
// went wrong in it, the first login, and the line-by-line handshake with the Java test on stdin.
import { chromium } from 'playwright-core';
import * as readline from 'node:readline';

/**
 * Runs `steps(page, problems, browser)` in a new page of a headless Chromium and exits the process: 0 when the steps
 * return, 1 with "FAIL ..." when they throw, 3 with "FAIL timeout" after `timeoutMs`. `problems` collects
 * Content-Security-Policy violations and uncaught script errors (not the 401 of the login redirect, which the
 * browser also logs as an error); the steps end with {@link noProblems}. `describe(page)`, when given, says what the
 * page showed, after the failure line.
 */
export async function inConsolePage(timeoutMs, steps, describe = null) {
  const timer = setTimeout(() => { console.error('FAIL timeout'); process.exit(3); }, timeoutMs);
  const browser = await chromium.launch({
    executablePath: process.env.PIGEON_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],
  });
  const problems = [];
  let page = null;
  let failed = false;
  try {
    page = watch(await (await browser.newContext()).newPage(), problems);
    await steps(page, problems, browser);
  } catch (e) {
    failed = true;
    console.error('FAIL ' + (e && e.message ? e.message : e) + (problems.length ? ' (page: ' + problems.join('; ') + ')' : ''));
    if (describe && page) console.error('PAGE ' + page.url() + ': ' + await describe(page).catch((d) => String(d)));
  } finally {
    await browser.close();
    clearTimeout(timer);
  }
  process.exit(failed ? 1 : 0);
}

/** Records the page's Content-Security-Policy violations and uncaught script errors in `problems`; returns the page. */
export function watch(page, problems) {
  page.on('console', (m) => {
    if (m.type() === 'error' && m.text().includes('Content Security Policy')) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return page;
}

/** The last step of every browser test: the pages ran without a script error or a CSP violation. */
export function noProblems(problems) {
  if (problems.length > 0) throw new Error('script errors or CSP violations: ' + problems.join('; '));
  console.log('OK no script error and no Content-Security-Policy violation');
}

/** The text of the page's elements that `selector` matches, joined, for a failure message. */
export function shownText(selector) {
  return (page) => page.evaluate((sel) => Array.from(document.querySelectorAll(sel))
    .map((n) => n.textContent).filter((t) => t).join(' | '), selector);
}

/**
 * The handshake with the Java test: `await waitFor(what)` prints "WAIT <what>" and returns the time it did, once
 * the test has checked or done `what` and answered GO on stdin. Stdin stays open, so the process exits through
 * {@link inConsolePage}.
 */
export function handshake() {
  const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  return async function waitFor(what) {
    const t0 = Date.now();
    console.log('WAIT ' + what);
    const answer = await lines.next();
    if (answer.done || answer.value.trim() !== 'GO') throw new Error('the test did not confirm ' + what);
    return t0;
  };
}

// The console's first login: log in as admin (or another user whose password an administrator set) with the first
// password and choose a new one when the page asks for it. Leaves the page on the explorer with the page shown.
export async function firstLogin(page, base, initialPassword, newPassword, user = 'admin') {
  await page.goto(base + '/');
  await page.waitForURL(base + '/login');
  await page.fill('#user', user);
  await page.fill('#password', initialPassword);
  await page.click('#login-button');
  await page.waitForSelector('#password-section:not([hidden])');
  await page.fill('#current-password', initialPassword);
  await page.fill('#new-password', newPassword);
  await page.click('#change-password');
  await page.waitForSelector('#page:not([hidden])');
}
