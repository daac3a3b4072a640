// Shared by the browser tests: Chromium from the system, sign-in, and the accessibility scan.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

export const BASE = process.env.LECTERN_URL ?? 'http://127.0.0.1:3000';
export const DEMO_PASSWORD = 'lectern-demo-2026';
export const DEMO = {
  admin: 'admin@demo.lectern.test',
  teacher: 'teacher@demo.lectern.test',
  student: 'student1@demo.lectern.test',
  student2: 'student2@demo.lectern.test',
};

// launch() gives each run a fresh, throwaway profile.
// Without the background-networking flags Chromium floods a closed network with refused connections.
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

export async function open(browser, path) {
  const context = await browser.newContext({ baseURL: BASE });
  const page = await context.newPage();
  await goto(page, path);
  return page;
}

// A panic in the browser's wasm (a hydration mismatch, say) leaves a page that looks right but no
// longer answers clicks; every page the tests open is watched for one.
const panics = new WeakMap();

function watchForPanics(page) {
  if (panics.has(page)) return;
  const seen = [];
  panics.set(page, seen);
  page.on('console', (message) => {
    const text = message.text();
    if (/panicked at|hydration error/i.test(text)) seen.push(`${page.url()}: ${text.slice(0, 300)}`);
  });
}

/** Navigates and waits until the page has hydrated, so clicks reach the app rather than bare HTML. */
export async function goto(page, path) {
  watchForPanics(page);
  await page.goto(path);
  await page.locator('body[data-hydrated="true"]').waitFor();
}

export async function signIn(page, email, password = DEMO_PASSWORD, organisation = 'demo') {
  await goto(page, '/sign-in');
  await page.getByLabel('Organisation').fill(organisation);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** A page of a fresh browser context, signed in as `email` and on the home page. */
export async function signedIn(browser, email) {
  const context = await browser.newContext({ baseURL: BASE });
  const page = await context.newPage();
  await signIn(page, email);
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByTestId('user-role').waitFor();
  return page;
}

/** Waits until the locator's elements have exactly these texts, in this order. */
export async function expectTexts(locator, expected) {
  const deadline = Date.now() + 10_000;
  let actual;
  while (Date.now() < deadline) {
    actual = (await locator.allTextContents()).map((t) => t.trim());
    if (JSON.stringify(actual) === JSON.stringify(expected)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(actual, expected);
}

export async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/sign-in**');
  // The header shows the visitor signed out once the user has been fetched again.
  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Sign in' }).waitFor();
}

/** Fails with the rule ids and elements of every WCAG 2.2 A/AA violation axe-core finds. */
export async function expectAccessible(page) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  const violations = results.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  assert.deepEqual(violations, [], `accessibility violations on ${page.url()}`);
  assert.deepEqual(panics.get(page) ?? [], [], 'the page panicked');
}

export async function navLinks(page) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
}
