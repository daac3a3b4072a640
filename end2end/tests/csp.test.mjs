// The Content-Security-Policy in a real browser: every page Lectern serves carries it, the page's
// scripts carry its nonce, and a teacher editing a lesson (with the live preview) and a learner
// reading and completing one cause no violation at all, while the pages hydrate and react.
// Works on the seeded demo tenant; it leaves the demo lesson's text as it found it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE, DEMO, goto, launch, signIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const COURSE = 'Introduction to Lectern';
const LESSON = 'Welcome';

/**
 * A fresh browser context that records every CSP violation (from the `securitypolicyviolation`
 * event in each document, and from Chromium's console messages) and every document's policy.
 */
async function watched() {
  const context = await browser.newContext({ baseURL: BASE });
  const violations = [];
  const documents = [];
  await context.exposeBinding('__cspViolation', ({ frame }, v) => {
    violations.push(`${frame.url()}: ${v.directive} blocked ${v.blocked} (${v.sample})`);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolation({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
    });
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => violations.push(`page error: ${error.message}`));
  page.on('response', async (response) => {
    if (response.request().resourceType() !== 'document') return;
    const entry = { url: response.url() };
    documents.push(entry);
    entry.csp = await response.headerValue('content-security-policy');
  });
  return { context, page, violations, documents };
}

/** Every document had a policy; pages allow scripts by nonce only, and their scripts carry it. */
async function expectPolicies(page, documents) {
  assert.ok(documents.length > 0, 'documents were loaded');
  for (const { url, csp } of documents) {
    assert.ok(csp, `no Content-Security-Policy on ${url}`);
    assert.match(csp, /frame-ancestors 'none'/, url);
    if (new URL(url).pathname.startsWith('/docs')) continue;
    const scriptSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src '));
    assert.ok(scriptSrc && /'nonce-[A-Za-z0-9_-]{22,}'/.test(scriptSrc), `${url}: ${csp}`);
    assert.doesNotMatch(scriptSrc, /unsafe-inline/, url);
  }
  // The page now shown: its hydration script carries the nonce of its own response's header.
  const last = documents[documents.length - 1];
  const nonce = /'nonce-([^']+)'/.exec(last.csp)?.[1];
  const scriptNonces = await page.evaluate(() => [...document.querySelectorAll('script')].map((s) => s.nonce));
  assert.ok(scriptNonces.length > 0);
  assert.deepEqual([...new Set(scriptNonces)], [nonce], `script nonces on ${last.url}`);
}

test('a teacher edits and saves a lesson with the live preview, without a CSP violation', async () => {
  const { context, page, violations, documents } = await watched();
  await signIn(page, DEMO.teacher);
  await page.waitForURL((url) => url.pathname === '/');
  await goto(page, '/teach');
  await page.getByTestId('teach-row').getByRole('link', { name: COURSE }).click();
  await page.waitForURL(/\/teach\/courses\/crs_/);
  await page.getByRole('link', { name: `Edit lesson ${LESSON}` }).click();
  await page.waitForURL(/\/teach\/lessons\/les_/);
  await page.getByRole('heading', { name: 'Edit lesson', level: 1 }).waitFor();

  const text = page.getByLabel('Text (Markdown)').first();
  const original = await text.inputValue();
  const preview = page.getByTestId('lesson-preview');
  const marker = `csp${Date.now()}`;
  await text.fill(`${original}\n\nChecked **${marker}**.`);
  await preview.locator('strong', { hasText: marker }).waitFor();
  // A click that only the hydrated page answers: a new block appears, and goes again.
  await page.getByRole('button', { name: 'Add text' }).click();
  await page.getByLabel('Text (Markdown)').nth(1).waitFor();
  await page.getByRole('button', { name: 'Remove block 2' }).click();
  await text.fill(original);
  await preview.locator('strong', { hasText: marker }).waitFor({ state: 'detached' });
  const saved = page.waitForResponse((r) => r.url().includes('/lessons/save'));
  await page.getByRole('button', { name: 'Save lesson' }).click();
  assert.equal((await saved).status(), 200);
  await page.getByTestId('lesson-saved').getByText('Saved.').waitFor();

  await expectPolicies(page, documents);
  assert.deepEqual(violations, []);
  await context.close();
});

test('a learner opens the course, reads a lesson and completes it, without a CSP violation', async () => {
  const { context, page, violations, documents } = await watched();
  await signIn(page, DEMO.student);
  await page.waitForURL((url) => url.pathname === '/');
  await goto(page, '/courses');
  await page.getByTestId('course-card').getByRole('link', { name: COURSE }).click();
  await page.waitForURL(/\/courses\/crs_/);
  await page.getByRole('heading', { name: COURSE, level: 1 }).waitFor();
  const enrol = page.getByRole('button', { name: 'Enrol', exact: true });
  if (await enrol.isVisible()) {
    await enrol.click();
  }
  // The progress bar's width is the one inline style attribute the pages use.
  await page.getByTestId('course-progress').waitFor();

  await page.getByRole('link', { name: LESSON, exact: true }).click();
  await page.getByRole('heading', { name: LESSON, level: 1 }).waitFor();
  await page.getByTestId('lesson-content').locator('strong', { hasText: 'Lectern' }).waitFor();
  const complete = page.getByRole('button', { name: 'Mark complete' });
  if (await complete.isVisible()) {
    await complete.click();
  }
  await page.getByTestId('lesson-completed').waitFor();
  await page.getByTestId('lesson-progress').waitFor();
  // Hydrated: the app's effect marked the body, and the client-side router answers a link click.
  await page.locator('body[data-hydrated="true"]').waitFor();
  const documentsBefore = documents.length;
  await page.getByRole('link', { name: COURSE }).first().click();
  await page.getByRole('heading', { name: COURSE, level: 1 }).waitFor();
  assert.equal(documents.length, documentsBefore, 'the link was followed in the page, without a new document');

  await expectPolicies(page, documents);
  assert.deepEqual(violations, []);
  await context.close();
});

test('the API reference renders under its own policy without a violation', async () => {
  const { context, page, violations, documents } = await watched();
  await page.goto('/docs/');
  await page.locator('.swagger-ui .info .title').waitFor();
  await page.locator('.opblock').first().waitFor();
  assert.ok(documents.every(({ csp }) => csp && !/unsafe-inline/.test(csp)), JSON.stringify(documents));
  assert.deepEqual(violations, []);
  await context.close();
});
