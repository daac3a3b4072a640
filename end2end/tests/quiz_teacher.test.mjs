// A teacher writes a quiz in the browser: one question of each kind, edited, moved and deleted,
// its settings saved and the quiz published. A learner's submitted attempt (made through the
// learner's server functions) then waits on the attempts page, where the teacher grades its essay
// and overrides the score. The editor, attempts and review pages are checked for WCAG 2.2 AA
// problems; the quiz is deleted at the end, so the demo course stays as it was.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO, expectAccessible, expectTexts, goto, launch, signedIn } from './helpers.mjs';

const COURSE = 'Introduction to Lectern';
const QUIZ = `Weather check ${Date.now()}`;
const ESSAY_ANSWER = 'A cold front pushes under the warm air and lifts it.';

let browser;
let courseId;
let quizId;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Fills the "Add a question" form with `fill`, sends it and waits for the new question. */
async function addQuestion(page, kind, prompt, fill = async () => {}) {
  const form = page.getByRole('region', { name: 'Add a question' });
  const before = await page.getByTestId('question').count();
  await form.getByLabel('Kind of question').selectOption(kind);
  await form.getByLabel('Question', { exact: true }).fill(prompt);
  await fill(form);
  await form.getByRole('button', { name: 'Add question' }).click();
  await page.getByTestId('question').nth(before).getByTestId('question-prompt').getByText(prompt).waitFor();
}

test('a teacher writes a quiz with a question of each kind and publishes it', async () => {
  const page = await signedIn(browser, DEMO.teacher);
  await goto(page, `/teach?q=${encodeURIComponent(COURSE)}`);
  await page.getByRole('link', { name: COURSE, exact: true }).click();
  await page.waitForURL(/\/teach\/courses\/crs_[0-9a-z]{26}$/);
  courseId = new URL(page.url()).pathname.split('/').pop();
  await page.getByRole('heading', { name: COURSE, level: 1 }).waitFor();

  const quizzes = page.getByRole('region', { name: 'Quizzes', exact: true });
  await quizzes.getByTestId('quiz-row').first().waitFor();
  await quizzes.getByLabel('Quiz title').fill(QUIZ);
  await quizzes.getByRole('button', { name: 'Create quiz' }).click();
  await page.waitForURL(/\/teach\/quizzes\/[a-z]+_[0-9a-z]{26}$/);
  quizId = new URL(page.url()).pathname.split('/').pop();
  await page.getByRole('heading', { name: QUIZ, level: 1 }).waitFor();
  await page.getByTestId('no-questions').waitFor();

  // The server's message appears at the options, and the form keeps what was typed.
  const form = page.getByRole('region', { name: 'Add a question' });
  await form.getByLabel('Question', { exact: true }).fill('What holds a course\'s lessons?');
  await form.getByLabel('Option 1', { exact: true }).fill('A module');
  await form.getByLabel('Option 2', { exact: true }).fill('A quiz');
  await form.getByRole('button', { name: 'Add option' }).click();
  await form.getByLabel('Option 3', { exact: true }).fill('A printer');
  await form.getByRole('button', { name: 'Add question' }).click();
  await form.getByText('Mark exactly one option as correct.').waitFor();
  assert.equal(await form.getByLabel('Option 3', { exact: true }).inputValue(), 'A printer');
  await form.getByRole('button', { name: 'Remove option 3' }).click();
  assert.equal(await form.getByLabel('Option 3', { exact: true }).count(), 0);
  await addQuestion(page, 'single_choice', 'What holds a course\'s lessons?', async (f) => {
    await f.getByLabel('Correct (option 1)').check();
  });

  await addQuestion(page, 'multiple_choice', 'What can a lesson hold?', async (f) => {
    await f.getByLabel('Option 1', { exact: true }).fill('Text');
    await f.getByLabel('Option 2', { exact: true }).fill('Videos');
    await f.getByRole('button', { name: 'Add option' }).click();
    await f.getByLabel('Option 3', { exact: true }).fill('Printers');
    await f.getByLabel('Correct (option 1)').check();
    await f.getByLabel('Correct (option 2)').check();
    await f.getByLabel(/^Partial credit/).check();
  });
  await addQuestion(page, 'true_false', 'The server keeps a timed quiz\'s clock.', async (f) => {
    await f.getByLabel('True', { exact: true }).check();
  });
  await addQuestion(page, 'short_text', 'Where are the courses you can join listed?', async (f) => {
    await f.getByLabel('Accepted answers (one per line)').fill('catalog\ncatalogue');
    await f.getByLabel('Case sensitive').check();
  });
  await addQuestion(page, 'numeric', 'π to two decimal places?', async (f) => {
    await f.getByLabel('Right answer').fill('3.14');
    await f.getByLabel(/^Tolerance/).fill('0.005');
  });
  await addQuestion(page, 'essay', 'Describe a cold front.', async (f) => {
    await f.getByLabel('Points', { exact: true }).fill('5');
  });
  await addQuestion(page, 'essay', 'A question to delete.');

  const kinds = page.getByTestId('question-kind');
  const all = ['Single choice', 'Multiple choice', 'True or false', 'Short text', 'Numeric', 'Essay'];
  await expectTexts(kinds, [...all, 'Essay']);
  const first = page.getByTestId('question').first();
  assert.match(await first.textContent(), /A module \(correct\)/);

  // Reordering by button keeps the keyboard on the moved question.
  await page.getByRole('button', { name: 'Move question 2 up' }).click();
  await expectTexts(kinds, ['Multiple choice', 'Single choice', ...all.slice(2), 'Essay']);
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Move question 1 down');
  await page.getByRole('button', { name: 'Move question 1 down' }).click();
  await expectTexts(kinds, [...all, 'Essay']);

  // Deleting asks first.
  await page.getByRole('button', { name: 'Delete question 7' }).click();
  await page.getByRole('button', { name: 'Yes, delete question 7' }).click();
  await expectTexts(kinds, all);

  // Editing changes the prompt and the key.
  const third = page.getByTestId('question').nth(2);
  await page.getByRole('button', { name: 'Edit question 3' }).click();
  await third.getByLabel('Question', { exact: true }).fill('The server, not the device, keeps a timed quiz\'s clock.');
  await third.getByLabel('True', { exact: true }).check();
  await expectAccessible(page);
  await third.getByRole('button', { name: 'Save question 3' }).click();
  await third.getByTestId('question-prompt').getByText('The server, not the device').waitFor();
  assert.match(await third.textContent(), /True \(correct\)/);

  // Settings: a closing time in the teacher's time zone comes back as typed.
  const settings = page.getByRole('region', { name: 'Settings' });
  await settings.getByLabel('Passing score (%)').fill('60');
  await settings.getByLabel('Closes at').fill('2030-01-15T17:30');
  await settings.getByLabel(/^Required for completion/).check();
  await settings.getByRole('button', { name: 'Save settings' }).click();
  await page.getByTestId('quiz-saved').waitFor();
  await page.getByText('Required for completion', { exact: true }).waitFor();
  // The browser fills the field in the teacher's time zone once the page is drawn again.
  await page.waitForFunction(() => document.querySelector('#field-closes_at')?.value === '2030-01-15T17:30');
  assert.equal(await settings.getByLabel('Passing score (%)').inputValue(), '60');

  const publishing = page.getByRole('region', { name: 'Publishing' });
  await publishing.getByRole('button', { name: 'Publish', exact: true }).click();
  await page.getByTestId('quiz-status').getByText('Published').waitFor();
  await expectAccessible(page);
  // Taken back to draft, and published again.
  await publishing.getByRole('button', { name: 'Unpublish' }).click();
  await page.getByTestId('quiz-status').getByText('Draft').waitFor();
  await publishing.getByRole('button', { name: 'Publish', exact: true }).click();
  await page.getByTestId('quiz-status').getByText('Published').waitFor();

  // A preview is a throwaway attempt on the learner's page.
  await page.getByRole('button', { name: 'Preview as a learner' }).click();
  await page.waitForURL(new RegExp(`/quizzes/${quizId}/attempts/att_[0-9a-z]{26}$`));

  await goto(page, `/teach/courses/${courseId}`);
  const row = page.getByTestId('quiz-row').filter({ hasText: QUIZ });
  assert.match(await row.textContent(), /Published\s*6\s*Yes/);
  await page.context().close();
});

test('a learner submits an attempt through the learner server functions', async () => {
  assert.ok(quizId, 'the teacher test made the quiz');
  const page = await signedIn(browser, DEMO.student);
  // Enrolling again keeps an existing enrolment.
  let response = await page.request.post('/api/learning/enroll', { form: { course_id: courseId } });
  assert.equal(response.status(), 200, await response.text());
  response = await page.request.post('/api/quiz/start', { data: { quiz_id: quizId, preview: false } });
  assert.equal(response.status(), 200, await response.text());
  const attempt = await response.json();
  const byKind = (kind) => attempt.questions.find((q) => q.kind === kind).id;
  const answers = [
    { question_id: byKind('essay'), text: ESSAY_ANSWER },
    { question_id: byKind('numeric'), number: 3.141 },
    { question_id: byKind('short_text'), text: 'Catalog' },
  ];
  response = await page.request.post('/api/quiz/save', {
    data: { quiz_id: quizId, attempt_id: attempt.id, answers, submit: true },
  });
  assert.equal(response.status(), 200, await response.text());
  assert.equal((await response.json()).status, 'submitted');
  await page.context().close();
});

test('the teacher finds the attempt, grades its essay and overrides the score', async () => {
  assert.ok(quizId, 'the teacher test made the quiz');
  const page = await signedIn(browser, DEMO.teacher);
  await goto(page, `/teach/quizzes/${quizId}/attempts`);
  await page.getByRole('heading', { name: `Attempts: ${QUIZ}`, level: 1 }).waitFor();
  await page.getByTestId('attempt-row').first().waitFor();

  const filters = page.getByRole('search', { name: 'Filter attempts' });
  await filters.getByLabel('Status').selectOption('graded');
  await filters.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL((url) => url.searchParams.get('status') === 'graded');
  await page.getByTestId('no-attempts').waitFor();
  await filters.getByLabel('Status').selectOption('submitted');
  await filters.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL((url) => url.searchParams.get('status') === 'submitted');
  const row = page.getByTestId('attempt-row');
  await expectTexts(row.getByTestId('attempt-status'), ['Submitted, needs grading']);
  await expectAccessible(page);

  // The learner by name, with a link to their attempts only.
  await row.getByRole('link', { name: 'Only attempts of Sam Student' }).waitFor();
  await row.getByRole('link', { name: /^Open the attempt of Sam Student started/ }).click();
  await page.waitForURL(/\/teach\/quizzes\/[^/]+\/attempts\/att_[0-9a-z]{26}$/);
  await page.getByRole('heading', { name: 'Attempt review', level: 1 }).waitFor();
  const essay = page.locator('[data-testid="answer"][data-question-kind="essay"]');
  await essay.getByTestId('answer-given').getByText(ESSAY_ANSWER).waitFor();
  await essay.getByText('Waiting for a teacher').waitFor();
  await expectAccessible(page);

  await essay.getByLabel(/^Points \(0 to 5\)/).fill('4');
  await essay.getByLabel(/^Comment/).fill('Clear, but say what happens to the rain.');
  await essay.getByRole('button', { name: 'Save grade for question 6' }).click();
  await page.getByTestId('attempt-status').getByText('Graded', { exact: true }).waitFor();
  // Numeric right (1), short text wrong (case sensitive), the rest unanswered, the essay 4 of 5.
  assert.equal(await page.getByTestId('attempt-score').textContent(), '50% (5 of 10 points)');
  await essay.getByText('Comment: Clear, but say what happens to the rain.').waitFor();

  // An override needs a reason, which the audit log keeps.
  const override = page.getByRole('region', { name: 'Override the score' });
  await override.getByLabel(/^New score/).fill('85');
  await override.getByRole('button', { name: 'Override score' }).click();
  await override.getByText('Say why, in at most 1000 characters.').waitFor();
  await override.getByLabel('Reason').fill('The essay deserved more.');
  await override.getByRole('button', { name: 'Override score' }).click();
  await page.getByTestId('attempt-score').getByText(/^85%/).waitFor();
  await expectAccessible(page);

  await goto(page, `/teach/quizzes/${quizId}/attempts?status=graded`);
  await expectTexts(page.getByTestId('attempt-row').getByTestId('attempt-score'), ['85%']);

  // The quiz goes, with its attempts, and the teacher is back at the course.
  await goto(page, `/teach/quizzes/${quizId}`);
  await page.getByRole('button', { name: 'Delete quiz…' }).click();
  await page.getByRole('button', { name: 'Yes, delete the quiz' }).click();
  await page.waitForURL(`**/teach/courses/${courseId}`);
  await page.getByRole('heading', { name: COURSE, level: 1 }).waitFor();
  await page.getByRole('region', { name: 'Quizzes', exact: true }).getByTestId('quiz-row').first().waitFor();
  assert.equal(await page.getByTestId('quiz-row').filter({ hasText: QUIZ }).count(), 0);
  await page.context().close();
});
