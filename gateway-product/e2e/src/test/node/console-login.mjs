// The console's first login, shared by the browser tests: log in as admin (or another user whose password an
// administrator set) with the first password and choose a new one when the page asks for it. Leaves the page on the
// explorer with the page shown.
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
