// Tenant admins manage users: invite one, who sets a password from the mailed link and signs in;
// change a role; deactivate. Students cannot reach the admin pages.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO, expectAccessible, goto, launch, open, signIn, signOut, signedIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('an admin invites a user, who sets a password from the mail and signs in', async () => {
  const page = await signedIn(browser, DEMO.admin);
  await goto(page, '/admin/users');
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await expectAccessible(page);

  const email = `invitee-${Date.now()}@demo.lectern.test`;
  const form = page.getByRole('region', { name: 'Add a user' });
  await form.getByLabel('Name', { exact: true }).fill('Ines Invitee');
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Role').selectOption('student');
  await form.getByRole('button', { name: 'Add user' }).click();
  await page.getByTestId('user-created').waitFor();
  await page.getByRole('cell', { name: email }).waitFor();

  await goto(page, '/dev/mailbox');
  const mail = page.getByTestId('mail').filter({ hasText: email }).first();
  const body = await mail.getByTestId('mail-body').textContent();
  const link = body.match(/https?:\/\/\S+reset-password\S+/)[0];
  await expectAccessible(page);
  await signOut(page);

  await goto(page, new URL(link).pathname + new URL(link).search);
  await page.getByLabel('New password').fill('a fresh passphrase for ines');
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.getByText('Your password is set.').waitFor();
  await expectAccessible(page);

  await signIn(page, email, 'a fresh passphrase for ines');
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByTestId('user-name').waitFor();
  assert.equal(await page.getByTestId('user-name').textContent(), 'Ines Invitee');
  await page.close();
});

test('an invalid new user shows each field\'s problem', async () => {
  const page = await signedIn(browser, DEMO.admin);
  await goto(page, '/admin/users');
  const form = page.getByRole('region', { name: 'Add a user' });
  await form.getByLabel('Name', { exact: true }).fill('Someone');
  await form.getByLabel('Email').fill(DEMO.teacher);
  await form.getByRole('button', { name: 'Add user' }).click();
  await page.getByTestId('form-error').filter({ hasText: 'already exists' }).waitFor();
  await form.getByLabel('Password (optional)').fill('short');
  await form.getByLabel('Email').fill('new-person@demo.lectern.test');
  await form.getByRole('button', { name: 'Add user' }).click();
  await form.getByText('Use at least 12 characters.').waitFor();
  assert.equal(await form.getByLabel('Password (optional)').getAttribute('aria-invalid'), 'true');
  await page.close();
});

test('an admin deactivates a user, who can no longer sign in, and reactivates them', async () => {
  const page = await signedIn(browser, DEMO.admin);
  await goto(page, '/admin/users?q=student2');
  const row = page.getByTestId('user-row').filter({ hasText: DEMO.student2 });
  await row.getByRole('button', { name: /Deactivate/ }).click();
  await row.getByRole('cell', { name: 'deactivated' }).waitFor();

  const other = await open(browser, '/sign-in');
  await signIn(other, DEMO.student2);
  await other.getByTestId('form-error').waitFor();
  await other.close();

  await row.getByRole('button', { name: /Reactivate/ }).click();
  await row.getByRole('cell', { name: 'active', exact: true }).waitFor();
  await page.close();
});

test('an admin changes a role and the list shows it', async () => {
  const page = await signedIn(browser, DEMO.admin);
  await goto(page, '/admin/users?q=student2');
  const row = page.getByTestId('user-row').filter({ hasText: DEMO.student2 });
  await row.getByRole('combobox').selectOption('teacher');
  await row.getByRole('button', { name: 'Change role' }).click();
  await row.getByRole('cell', { name: 'Teacher', exact: true }).waitFor();
  await row.getByRole('combobox').selectOption('student');
  await row.getByRole('button', { name: 'Change role' }).click();
  await row.getByRole('cell', { name: 'Student', exact: true }).waitFor();
  await page.close();
});

test('the settings page shows the tenant and its limits', async () => {
  const page = await signedIn(browser, DEMO.admin);
  await goto(page, '/admin/settings');
  await page.getByText('600 requests a minute').waitFor();
  assert.match(await page.getByTestId('tenant-id').textContent(), /^ten_[0-9a-z]{26}$/);
  await expectAccessible(page);
  await page.close();
});

test('a student who opens an admin page is told it is not for their role', async () => {
  const page = await signedIn(browser, DEMO.student);
  const response = await page.goto('/admin/users');
  assert.equal(response.status(), 403);
  await page.getByRole('heading', { name: 'Not available to your role' }).waitFor();
  await expectAccessible(page);
  await page.close();
});

test('a teacher sees the people list but cannot change it', async () => {
  const page = await signedIn(browser, DEMO.teacher);
  await goto(page, '/admin/users');
  await page.getByTestId('user-row').first().waitFor();
  assert.equal(await page.getByRole('button', { name: 'Change role' }).count(), 0);
  assert.equal(await page.getByRole('region', { name: 'Add a user' }).count(), 0);
  await page.close();
});

test('pages without a user are accessible too', async () => {
  const page = await open(browser, '/forgot-password');
  await expectAccessible(page);
  await goto(page, '/no-such-page');
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  await expectAccessible(page);
  await page.close();
});
