// Tenant admins manage webhooks in the browser: a refused address says why, a new endpoint shows
// its secret once, a test event reaches a real receiver and shows in the delivery log.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { DEMO, expectAccessible, goto, launch, signedIn } from './helpers.mjs';

let browser;
let receiver;
const received = [];
before(async () => {
  browser = await launch();
  receiver = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await browser?.close();
  receiver?.close();
});

async function waitFor(condition, what) {
  const deadline = Date.now() + 15000;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('an admin adds an endpoint, sends a test event and reads its delivery', async () => {
  const page = await signedIn(browser, DEMO.admin);
  await goto(page, '/admin/webhooks');
  await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
  await expectAccessible(page);

  const form = page.getByRole('region', { name: 'Add an endpoint' });
  await form.getByLabel('Address').fill('https://169.254.169.254/hooks');
  await form.getByRole('button', { name: 'Add endpoint' }).click();
  await page.getByTestId('form-error').filter({ hasText: 'link-local' }).waitFor();

  const url = `http://127.0.0.1:${receiver.address().port}/hooks`;
  await form.getByLabel('Address').fill(url);
  await form.getByLabel('Description (optional)').fill('Browser receiver');
  await form.getByRole('button', { name: 'Add endpoint' }).click();
  await page.getByTestId('fresh-secret').waitFor();
  assert.match(await page.getByTestId('secret-value').inputValue(), /^whsec_/);
  const row = page.getByTestId('webhook-row').filter({ hasText: url });
  await row.waitFor();
  await expectAccessible(page);

  await row.getByRole('button', { name: `Send a test event to ${url}` }).click();
  await page.getByTestId('test-queued').waitFor();
  await waitFor(() => received.some((r) => JSON.parse(r.body).type === 'webhook.test'), 'the test event');
  const delivered = received.find((r) => JSON.parse(r.body).type === 'webhook.test');
  assert.match(delivered.headers['webhook-id'], /^evt_/);
  assert.match(delivered.headers['webhook-signature'], /^v1,/);

  await row.getByRole('link', { name: url }).click();
  await page.getByRole('heading', { name: 'Deliveries' }).waitFor();
  const delivery = page.getByTestId('delivery-row').first();
  for (let i = 0; i < 50; i += 1) {
    if ((await delivery.getByTestId('delivery-status').textContent()) === 'delivered') break;
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForTimeout(200);
  }
  assert.equal(await delivery.getByTestId('delivery-status').textContent(), 'delivered');
  await expectAccessible(page);

  await goto(page, '/admin/webhooks');
  await row.getByRole('button', { name: `Turn off ${url}` }).click();
  await row.getByTestId('webhook-state').filter({ hasText: 'Off' }).waitFor();
  page.once('dialog', (dialog) => dialog.accept());
  await row.getByRole('button', { name: `Delete ${url}` }).click();
  await row.waitFor({ state: 'detached' });
  await page.close();
});
