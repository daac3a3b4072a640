// Tenant admins make, rotate and revoke API keys in the browser, and each key works (or stops
// working) on the real /v1 API at once; the audit log shows what they did.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE, DEMO, expectAccessible, goto, launch, signedIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function v1(path, secret, tenant) {
  const response = await fetch(`${BASE}${path}`, {
    headers: { authorization: `Bearer ${secret}`, 'x-tenant-id': tenant },
  });
  return { status: response.status, body: await response.json() };
}

test('an admin makes a key, sees its secret once, rotates it and revokes it', async () => {
  const page = await signedIn(browser, DEMO.admin);
  await goto(page, '/admin/api');
  await page.getByRole('heading', { name: 'Connect' }).waitFor();
  const tenant = await page.getByTestId('api-tenant-id').textContent();
  assert.match(tenant, /^ten_[0-9a-z]{26}$/);
  assert.equal(await page.getByTestId('api-base-url').textContent(), `${BASE}/v1`);
  assert.match(await page.getByTestId('curl-example').textContent(), new RegExp(`X-Tenant-Id: ${tenant}`));
  await expectAccessible(page);

  const form = page.getByRole('region', { name: 'Make a key' });
  // Blank passes the browser's own check for a required field; the server's check names it.
  await form.getByLabel('Name').fill('   ');
  await form.getByRole('button', { name: 'Make key' }).click();
  await form.getByText('Give the key a name of 1 to 100 characters.').waitFor();
  const name = `HR sync ${Date.now()}`;
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Acts as').selectOption('teacher');
  await form.getByRole('button', { name: 'Make key' }).click();
  const secret = await page.getByTestId('secret-value').inputValue();
  assert.match(secret, /^ck_test_[0-9a-z]{26}$/, "the demo organisation is a test tenant");
  const row = page.getByTestId('key-row').filter({ hasText: name });
  await row.getByRole('cell', { name: 'Teacher' }).waitFor();
  assert.equal((await row.textContent()).includes(secret), false, 'the list shows only the prefix');
  await expectAccessible(page);

  let answer = await v1('/v1/users?per_page=1', secret, tenant);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(answer.body.meta.per_page, 1);

  await row.getByRole('button', { name: `Rotate ${name}` }).click();
  await page.waitForFunction(
    (old) => document.querySelector('[data-testid="secret-value"]')?.value !== old, secret);
  const rotated = await page.getByTestId('secret-value').inputValue();
  assert.notEqual(rotated, secret);
  answer = await v1('/v1/users', secret, tenant);
  assert.equal(answer.body.error.code, 'auth.token_revoked');
  assert.equal((await v1('/v1/users', rotated, tenant)).status, 200);

  page.once('dialog', (dialog) => dialog.accept());
  await row.getByRole('button', { name: `Revoke ${name}` }).click();
  await row.getByRole('cell', { name: 'revoked' }).waitFor();
  answer = await v1('/v1/users', rotated, tenant);
  assert.equal(answer.body.error.code, 'auth.token_revoked');

  await page.reload();
  await page.locator('body[data-hydrated="true"]').waitFor();
  assert.equal(await page.getByTestId('fresh-secret').count(), 0, 'a secret is never shown again');

  await goto(page, '/admin/audit?action=api_key.');
  const rows = page.getByTestId('audit-row');
  await rows.first().waitFor();
  const actions = await rows.locator('td:nth-child(2)').allTextContents();
  assert.deepEqual(actions.slice(0, 3), ['api_key.revoked', 'api_key.rotated', 'api_key.created']);
  assert.match(await rows.first().textContent(), /Ada Admin/);
  await expectAccessible(page);
  await page.close();
});

test('the audit log explains bad filters and an empty result', async () => {
  const page = await signedIn(browser, DEMO.admin);
  await goto(page, '/admin/audit?actor=nobody');
  await page.getByTestId('form-error').filter({ hasText: 'actor' }).waitFor();
  await goto(page, '/admin/audit?action=no.such.action');
  await page.getByTestId('no-entries').waitFor();
  await goto(page, '/admin/audit');
  await page.getByLabel('Action').fill('auth.signed_in');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/action=auth.signed_in/);
  await page.getByTestId('audit-row').first().waitFor();
  const actions = await page.getByTestId('audit-row').locator('td:nth-child(2)').allTextContents();
  assert.ok(actions.every((a) => a === 'auth.signed_in'), actions.join(','));
  await expectAccessible(page);
  await page.close();
});

test('teachers have no API page', async () => {
  const page = await signedIn(browser, DEMO.teacher);
  const response = await page.goto('/admin/api');
  assert.equal(response.status(), 403);
  await page.close();
});
