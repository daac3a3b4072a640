// Proctoring in the browser: a teacher makes a strict quiz; a student reads what is recorded,
// accepts the rules, leaves the tab four times and pastes; the teacher's live page is pushed the
// learner's arrival and the incidents (no polling), and its pause reaches the student's page
// without a reload; the list and timeline show those events in order with the incidents they
// raised, and the flagged incident reaches a webhook receiver (from the outbox). Each page is checked for WCAG 2.2 AA problems; the quiz is deleted at the end.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { DEMO, expectAccessible, goto, launch, signedIn } from './helpers.mjs';

const COURSE = 'Introduction to Lectern';
const QUIZ = `Proctored check ${Date.now()}`;

let browser;
let receiver;
const received = [];
before(async () => {
  browser = await launch();
  receiver = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      received.push(JSON.parse(body));
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await browser?.close();
  receiver?.close();
});

async function until(condition, what, ms = 20000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What the quiz page's listeners hear when the learner leaves the tab and comes back. */
async function switchTab(page) {
  for (const hidden of [true, false]) {
    await page.evaluate((value) => {
      Object.defineProperty(document, 'hidden', { value, configurable: true });
      document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
    }, hidden);
  }
}

test('a strict quiz records a learner leaving the tab and pasting, and the teacher reviews it', async () => {
  const admin = await signedIn(browser, DEMO.admin);
  // The organisation's rules: a value out of range is named at its field; the defaults are kept.
  await goto(admin, '/admin/settings');
  await admin.getByRole('heading', { name: 'Proctoring', level: 2 }).waitFor();
  await admin.getByLabel('Seconds of silence allowed').fill('5');
  await admin.getByRole('button', { name: 'Save proctoring settings' }).click();
  await admin.getByText('Give a number from 15 to 3600.').waitFor();
  assert.equal(await admin.getByLabel('Seconds of silence allowed').getAttribute('aria-invalid'), 'true');
  await expectAccessible(admin);
  await admin.getByLabel('Seconds of silence allowed').fill('30');
  await admin.getByLabel('Learners may read their own timeline once their attempt is over').check();
  await admin.getByRole('button', { name: 'Save proctoring settings' }).click();
  await admin.getByTestId('proctoring-saved').getByText('Saved.').waitFor();
  await goto(admin, '/admin/webhooks');
  const endpoints = admin.getByRole('region', { name: 'Add an endpoint' });
  const url = `http://127.0.0.1:${receiver.address().port}/proctoring`;
  await endpoints.getByLabel('Address').fill(url);
  await endpoints.getByRole('button', { name: 'Add endpoint' }).click();
  await admin.getByTestId('fresh-secret').waitFor();

  const teacher = await signedIn(browser, DEMO.teacher);
  await goto(teacher, `/teach?q=${encodeURIComponent(COURSE)}`);
  await teacher.getByRole('link', { name: COURSE, exact: true }).click();
  await teacher.waitForURL(/\/teach\/courses\/crs_[0-9a-z]{26}$/);
  const quizzes = teacher.getByRole('region', { name: 'Quizzes', exact: true });
  await quizzes.getByTestId('quiz-row').first().waitFor();
  await quizzes.getByLabel('Quiz title').fill(QUIZ);
  await quizzes.getByRole('button', { name: 'Create quiz' }).click();
  await teacher.waitForURL(/\/teach\/quizzes\/[a-z]+_[0-9a-z]{26}$/);
  const quizId = new URL(teacher.url()).pathname.split('/').pop();
  const add = teacher.getByRole('region', { name: 'Add a question' });
  await add.getByLabel('Kind of question').selectOption('essay');
  await add.getByLabel('Question', { exact: true }).fill('Explain why a server keeps the time.');
  await add.getByRole('button', { name: 'Add question' }).click();
  await teacher.getByTestId('question').first().waitFor();
  const settings = teacher.getByRole('region', { name: 'Settings' });
  await settings.getByLabel('Time limit (minutes)').fill('15');
  await settings.getByLabel('Proctoring').selectOption('strict');
  await settings.getByRole('button', { name: 'Save settings' }).click();
  await teacher.getByTestId('quiz-saved').waitFor();
  await expectAccessible(teacher);
  await teacher.getByRole('region', { name: 'Publishing' }).getByRole('button', { name: 'Publish', exact: true }).click();
  await teacher.getByTestId('quiz-status').getByText('Published').waitFor();

  // The teacher watches live: the page is pushed each change and never polls.
  const boardReads = [];
  teacher.on('request', (request) => {
    if (request.url().includes('/api/proctoring/live')) boardReads.push(request.url());
  });
  await goto(teacher, `/teach/quizzes/${quizId}/proctoring/live`);
  await teacher.locator('body[data-hydrated="true"]').waitFor();
  const live = teacher.getByTestId('live-state');
  await teacher.locator('[data-testid="live-state"][data-listening="true"]').waitFor();
  await teacher.getByTestId('live-empty').waitFor();
  await expectAccessible(teacher);

  // The learner reads what is recorded, and cannot start before accepting the rules.
  const student = await signedIn(browser, DEMO.student);
  await goto(student, '/courses');
  await student.getByTestId('course-card').getByRole('link', { name: COURSE }).click();
  const enrol = student.getByRole('button', { name: 'Enrol', exact: true });
  await student.locator('body[data-hydrated="true"]').waitFor();
  if (await enrol.isVisible()) {
    await enrol.click();
    await student.getByTestId('course-progress').waitFor();
  }
  await goto(student, `/quizzes/${quizId}`);
  await student.locator('body[data-hydrated="true"]').waitFor();
  const notice = student.getByTestId('proctoring-notice');
  await notice.getByText('never uses your camera, your microphone or your screen').waitFor();
  await expectAccessible(student);
  const start = student.getByRole('button', { name: 'Start attempt' });
  assert.equal(await start.isDisabled(), true);
  await student.getByLabel('I have read the proctoring rules above and accept them.').check();
  await start.click();
  await student.waitForURL(/\/quizzes\/asmnt_[^/]+\/attempts\/att_/);
  await student.locator('body[data-hydrated="true"]').waitFor();
  await student.getByRole('timer').waitFor();

  // Pushed to the live page: the learner is in, with time left counting down.
  const row = teacher.getByTestId('live-row');
  await row.waitFor();
  assert.equal(await row.getByTestId('live-row-state').textContent(), 'In progress');
  const left = Number(await row.getByTestId('live-time-left').getAttribute('data-remaining-ms'));
  assert.ok(left > 14 * 60 * 1000 && left <= 15 * 60 * 1000, `time left ${left}`);

  for (let i = 0; i < 4; i += 1) await switchTab(student);
  await student.locator('textarea').first().focus();
  await student.locator('textarea').first().dispatchEvent('paste');
  await expectAccessible(student);

  await until(async () => {
    const kinds = await teacher.getByTestId('live-incident').evaluateAll((items) => items.map((i) => i.dataset.kind));
    return kinds.includes('paste') && kinds.includes('tab_switches');
  }, 'the incidents pushed to the live page');
  await teacher.getByTestId('live-announcement').getByText(/New incident/).waitFor();
  const pushes = Number(await live.getAttribute('data-pushes'));
  assert.ok(pushes >= 2, `pushes ${pushes}`);
  assert.ok(boardReads.length <= pushes + 1, `${boardReads.length} reads of the board for ${pushes} pushes: a poll?`);
  await expectAccessible(teacher);

  // A pause from the live page reaches the learner's countdown at its next sync.
  await row.getByRole('button', { name: /^Control .*'s attempt$/ }).click();
  const control = teacher.getByTestId('attempt-control');
  await control.getByLabel('Pause (the clock stops)').check();
  await control.getByLabel('Reason').fill('Fire drill');
  await control.getByRole('button', { name: 'Apply' }).click();
  await student.getByTestId('attempt-paused').waitFor({ timeout: 15000 });
  const frozen = await student.getByTestId('time-left').getAttribute('data-remaining-ms');
  await student.waitForTimeout(1500);
  assert.equal(await student.getByTestId('time-left').getAttribute('data-remaining-ms'), frozen);
  await student.getByTestId('timer-warning').getByText('paused this attempt').waitFor();
  await teacher.getByTestId('live-row-state').getByText('Paused').waitFor();
  await expectAccessible(teacher);

  // The teacher's list, highest risk first; the timeline in order, with the incidents.
  await until(async () => {
    await goto(teacher, `/teach/quizzes/${quizId}/proctoring`);
    const risk = teacher.getByTestId('session-risk');
    return (await risk.count()) === 1 && Number(await risk.textContent()) >= 13;
  }, 'the incidents on the teacher\'s list');
  await expectAccessible(teacher);
  await teacher.getByTestId('session-row').getByRole('link', { name: /Timeline of/ }).click();
  await teacher.getByRole('heading', { name: 'Timeline' }).waitFor();
  const whats = await teacher.getByTestId('timeline-row').locator('td:nth-child(2)').allTextContents();
  const browserEvents = whats.filter((w) => ['Left the tab', 'Came back to the tab', 'Pasted'].includes(w));
  assert.deepEqual(browserEvents, [
    'Left the tab', 'Came back to the tab', 'Left the tab', 'Came back to the tab',
    'Left the tab', 'Came back to the tab', 'Left the tab', 'Came back to the tab', 'Pasted',
  ]);
  const kinds = await teacher.getByTestId('incident').evaluateAll((items) => items.map((i) => i.dataset.kind));
  assert.deepEqual(kinds.sort(), ['paste', 'tab_switches']);
  await expectAccessible(teacher);
  await until(() => received.some((e) => e.type === 'proctoring.incident.flagged' && e.data.kind === 'paste'),
    'the flagged incident at the webhook receiver');

  // Resumed from the timeline's own control panel, the learner's clock runs again.
  const resume = teacher.getByTestId('attempt-control');
  await resume.getByLabel('Resume').check();
  await resume.getByLabel('Reason').fill('Drill over');
  await resume.getByRole('button', { name: 'Apply' }).click();
  await student.getByTestId('attempt-paused').waitFor({ state: 'detached', timeout: 15000 });

  // Once it is over, the learner reads what was recorded, as the organisation allows.
  await student.getByRole('button', { name: 'Submit answers' }).click();
  await student.getByTestId('attempt-outcome').waitFor();
  await student.getByRole('link', { name: 'What was recorded during this attempt' }).click();
  await student.getByRole('heading', { name: 'Timeline' }).waitFor();
  const recorded = await student.getByTestId('timeline-row').locator('td:nth-child(2)').allTextContents();
  assert.ok(recorded.includes('Pasted') && recorded.includes('Paused by staff (server)'), recorded.join(', '));
  const flagged = await student.getByTestId('incident').evaluateAll((items) => items.map((i) => i.dataset.kind));
  assert.deepEqual(flagged.sort(), ['paste', 'tab_switches']);
  await expectAccessible(student);

  await goto(teacher, `/teach/quizzes/${quizId}`);
  await teacher.getByRole('button', { name: 'Delete quiz…' }).click();
  await teacher.getByRole('button', { name: 'Yes, delete the quiz' }).click();
  await teacher.waitForURL(/\/teach\/courses\//);
  for (const page of [admin, teacher, student]) await page.context().close();
});
