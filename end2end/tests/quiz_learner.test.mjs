// A learner takes the demo's timed quiz: by keyboard, through a reload, offline and back, with the
// device's clock an hour ahead, then submits and sees the result. The server's clock is the only
// one that counts; every quiz page is checked for WCAG 2.2 AA problems.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE, DEMO, expectAccessible, goto, launch, signIn } from './helpers.mjs';

const COURSE = 'Introduction to Lectern';
const QUIZ = 'Getting-started check';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The attempt as the server holds it now, read beside the page (the page's clock plays no part). */
async function serverAttempt(page, quizId, attemptId) {
  const response = await page.request.post('/api/quiz/attempt', { form: { quiz_id: quizId, attempt_id: attemptId } });
  assert.equal(response.status(), 200, await response.text());
  return response.json();
}

function question(page, n) {
  return page.locator('fieldset[data-question-id]').nth(n);
}

async function saved(page) {
  await page.locator('[data-testid="save-state"][data-state="Saved"]').waitFor();
}

/** Polls the server until the attempt holds `count` answers. */
async function answersOnServer(page, quizId, attemptId, count) {
  const deadline = Date.now() + 15_000;
  let attempt;
  while (Date.now() < deadline) {
    attempt = await serverAttempt(page, quizId, attemptId);
    if (attempt.answers.length === count) return attempt;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`the server holds ${attempt.answers.length} answers, not ${count}: ${JSON.stringify(attempt.answers)}`);
}

test('a learner takes the timed quiz by keyboard, through a reload, offline, and with the clock moved', async () => {
  const context = await browser.newContext({ baseURL: BASE });
  // Fake timers flow with real time until the test moves the device's clock.
  await context.clock.install();
  const page = await context.newPage();
  await signIn(page, DEMO.student2);
  await page.waitForURL((url) => url.pathname === '/');
  await goto(page, '/courses');
  await page.getByTestId('course-card').getByRole('link', { name: COURSE }).click();
  await page.getByRole('heading', { name: COURSE, level: 1 }).waitFor();
  const enrol = page.getByRole('button', { name: 'Enrol', exact: true });
  if (await enrol.isVisible()) {
    await enrol.click();
    await page.getByTestId('course-progress').waitFor();
  }
  await page.getByTestId('course-quizzes').getByRole('link', { name: QUIZ }).click();
  await page.getByRole('heading', { name: QUIZ, level: 1 }).waitFor();
  await page.locator('body[data-hydrated="true"]').waitFor();
  assert.match(await page.getByTestId('quiz-attempts').textContent(), /0 of 3 used, 3 left/);
  await expectAccessible(page);

  await page.getByRole('button', { name: 'Start attempt' }).click();
  await page.waitForURL(/\/quizzes\/asmnt_[^/]+\/attempts\/att_/);
  await page.locator('body[data-hydrated="true"]').waitFor();
  const [, quizId, attemptId] = new URL(page.url()).pathname.match(/\/quizzes\/([^/]+)\/attempts\/([^/]+)/);
  await page.getByRole('timer').waitFor();
  await expectAccessible(page);

  // Keyboard only: Space checks a focused radio or checkbox, Tab moves to the next option.
  await question(page, 0).getByRole('radio', { name: 'A module' }).focus();
  await page.keyboard.press('Space');
  await question(page, 1).getByRole('checkbox', { name: 'Text' }).focus();
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space');
  await question(page, 2).getByRole('radio', { name: 'True' }).focus();
  await page.keyboard.press('Space');
  await question(page, 3).getByRole('textbox').focus();
  await page.keyboard.type('Catalogue');
  await saved(page);
  let attempt = await answersOnServer(page, quizId, attemptId, 4);

  // A reload loses neither the answers nor the time.
  const before = attempt.remaining_ms;
  await page.reload();
  await page.locator('body[data-hydrated="true"]').waitFor();
  assert.equal(await question(page, 0).getByRole('radio', { name: 'A module' }).isChecked(), true);
  assert.equal(await question(page, 1).getByRole('checkbox', { name: 'Videos' }).isChecked(), true);
  assert.equal(await question(page, 3).getByRole('textbox').inputValue(), 'Catalogue');
  attempt = await serverAttempt(page, quizId, attemptId);
  assert.ok(attempt.remaining_ms <= before, `the reload gave time back: ${before} then ${attempt.remaining_ms}`);

  // Offline: two answers are kept in the browser and sent once the connection is back.
  await context.setOffline(true);
  await question(page, 4).getByRole('textbox').fill('10');
  await question(page, 5).getByRole('textbox').fill('To build courses my colleagues enjoy.');
  await page.getByText('Offline — answers kept and sent when back').waitFor();
  await context.setOffline(false);
  await saved(page);
  attempt = await answersOnServer(page, quizId, attemptId, 6);

  // The device's clock an hour ahead changes nothing: the page counts from what the server said.
  await context.clock.setSystemTime(Date.now() + 3_600_000);
  await page.waitForTimeout(1500);
  attempt = await serverAttempt(page, quizId, attemptId);
  const shown = Number(await page.getByTestId('time-left').getAttribute('data-remaining-ms'));
  assert.ok(Math.abs(shown - attempt.remaining_ms) < 2000, `page ${shown} ms, server ${attempt.remaining_ms} ms`);
  assert.equal(attempt.status, 'in_progress');

  await page.getByRole('button', { name: 'Submit answers' }).focus();
  await page.keyboard.press('Enter');
  const outcome = page.getByTestId('attempt-outcome');
  await outcome.waitFor();
  // The essay waits for a teacher; the other five are graded at once (the demo's right answers).
  assert.match(await outcome.textContent(), /5 of 8 points so far/);
  await expectAccessible(page);

  await goto(page, `/quizzes/${quizId}`);
  assert.match(await page.getByTestId('quiz-attempts').textContent(), /1 of 3 used, 2 left/);
  assert.equal(await page.getByTestId('attempt-history').locator('tbody tr').count(), 1);
  await context.close();
});
