// Signing in and out as each demo role, the navigation each sees, and failed sign-ins.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO, expectAccessible, goto, launch, navLinks, open, signIn, signOut } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const roles = [
  { email: DEMO.admin, role: 'Admin', nav: ['Home', 'Catalog', 'My courses', 'Teach', 'Users', 'API', 'Webhooks', 'Audit log', 'Settings'] },
  { email: DEMO.teacher, role: 'Teacher', nav: ['Home', 'Catalog', 'My courses', 'Teach', 'People'] },
  { email: DEMO.student, role: 'Student', nav: ['Home', 'Catalog', 'My courses'] },
];

for (const { email, role, nav } of roles) {
  test(`the demo ${role.toLowerCase()} signs in, sees their navigation, and signs out`, async () => {
    const page = await open(browser, '/sign-in');
    await signIn(page, email);
    await page.waitForURL((url) => url.pathname === '/');
    await page.getByTestId('user-role').waitFor();
    assert.equal(await page.getByTestId('user-role').textContent(), role);
    assert.equal(await page.getByTestId('tenant-name').textContent(), 'Demo University');
    assert.deepEqual(await navLinks(page), nav);
    await page.getByRole('heading', { name: 'Introduction to Lectern' }).waitFor();
    await expectAccessible(page);
    await signOut(page);
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
    await goto(page, '/');
    await page.waitForURL('**/sign-in?next=/');
    await page.close();
  });
}

test('a wrong password shows an error and keeps the visitor signed out', async () => {
  const page = await open(browser, '/sign-in');
  await signIn(page, DEMO.student2, 'not the right password');
  const alert = page.getByTestId('form-error');
  await alert.waitFor();
  assert.match(await alert.textContent(), /organisation, email or password is wrong/);
  assert.equal(new URL(page.url()).pathname, '/sign-in');
  await expectAccessible(page);
  await page.close();
});

test('sign-in works with the keyboard alone', async () => {
  const page = await open(browser, '/sign-in');
  await page.getByLabel('Organisation').focus();
  await page.keyboard.type('demo');
  await page.keyboard.press('Tab');
  await page.keyboard.type(DEMO.teacher);
  await page.keyboard.press('Tab');
  await page.keyboard.type('lectern-demo-2026');
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByTestId('user-role').waitFor();
  assert.equal(await page.getByTestId('user-role').textContent(), 'Teacher');
  await page.close();
});

test('after sign-in the visitor returns to the page they asked for', async () => {
  const page = await open(browser, '/sign-in?next=/admin/settings');
  await page.getByLabel('Organisation').fill('demo');
  await page.getByLabel('Email').fill(DEMO.admin);
  await page.getByLabel('Password').fill('lectern-demo-2026');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/admin/settings');
  await page.getByRole('heading', { name: 'Organisation settings' }).waitFor();
  await page.close();
});
