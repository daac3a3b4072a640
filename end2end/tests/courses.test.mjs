// Courses end to end: a teacher builds a course (modules, lessons, content, order) and publishes
// it; a learner finds it in the catalog, enrols, reads a lesson and completes it; the teacher sees
// the learner on the roster and imports more. Every page is checked for WCAG 2.2 AA problems.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO, expectAccessible, expectTexts, goto, launch, signedIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const stamp = Date.now();
const title = `Zephyr studies ${stamp}`;
// A made-up word, so the search finds this course only and no stemmer changes it.
const word = `zephyrology${stamp}`;
let courseId;
let firstLessonId;

function moduleNamed(page, name) {
  return page.getByTestId('module').filter({ has: page.getByTestId('module-title').getByText(name, { exact: true }) });
}

async function addLesson(page, module, lesson) {
  const item = moduleNamed(page, module);
  await item.getByLabel(/New lesson title/).fill(lesson);
  await item.getByRole('button', { name: `Add lesson to ${module}` }).click();
  await moduleNamed(page, module).getByTestId('lesson-title').getByText(lesson, { exact: true }).waitFor();
}

test('a teacher builds a course, orders its outline, writes a lesson and publishes it', async () => {
  const page = await signedIn(browser, DEMO.teacher);
  await goto(page, '/teach');
  await page.getByRole('heading', { name: 'Teach', level: 1 }).waitFor();
  await expectAccessible(page);

  const form = page.getByRole('region', { name: 'New course' });
  await form.getByLabel('Title').fill('ab');
  await form.getByRole('button', { name: 'Create course' }).click();
  await form.getByText('The title needs at least 3 characters.').waitFor();
  assert.equal(await form.getByLabel('Title').getAttribute('aria-invalid'), 'true');
  await form.getByLabel('Title').fill(title);
  await form.getByLabel('Summary (optional)').fill(`Winds, weather and ${word} for beginners.`);
  await form.getByRole('button', { name: 'Create course' }).click();
  await page.waitForURL(/\/teach\/courses\/crs_[0-9a-z]{26}$/);
  courseId = new URL(page.url()).pathname.split('/').pop();
  await page.getByRole('heading', { name: title, level: 1 }).waitFor();
  await page.getByTestId('no-modules').waitFor();

  // An empty course cannot be published, and the editor says why.
  await page.getByRole('region', { name: 'Publishing' }).getByRole('button', { name: 'Publish', exact: true }).click();
  await page.getByTestId('form-error').filter({ hasText: 'Add at least one lesson before publishing this course.' }).waitFor();

  for (const module of ['Basics', 'Advanced']) {
    await page.getByLabel('New module title').fill(module);
    await page.getByRole('button', { name: 'Add module' }).click();
    await moduleNamed(page, module).waitFor();
  }
  await addLesson(page, 'Basics', 'First steps');
  await addLesson(page, 'Basics', 'Second steps');
  await addLesson(page, 'Advanced', 'Deep dive');
  await expectAccessible(page);

  await page.getByRole('button', { name: 'Move module Advanced up' }).click();
  await expectTexts(page.getByTestId('module-title'), ['Advanced', 'Basics']);
  // The keyboard user stays on the moved module's buttons.
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Move module Advanced down');
  await page.getByRole('button', { name: 'Move lesson First steps down' }).click();
  await expectTexts(moduleNamed(page, 'Basics').getByTestId('lesson-title'), ['Second steps', 'First steps']);
  // Dragging a lesson by its handle onto another puts it in that one's place.
  const firstSteps = moduleNamed(page, 'Basics').getByTestId('lesson').filter({ hasText: 'First steps' });
  const secondSteps = moduleNamed(page, 'Basics').getByTestId('lesson').filter({ hasText: 'Second steps' });
  await firstSteps.locator('[draggable="true"]').dragTo(secondSteps);
  await expectTexts(moduleNamed(page, 'Basics').getByTestId('lesson-title'), ['First steps', 'Second steps']);

  // The lesson's content: Markdown with raw HTML that must stay text.
  await page.getByRole('link', { name: 'Edit lesson First steps' }).click();
  await page.waitForURL(/\/teach\/lessons\/les_/);
  firstLessonId = new URL(page.url()).pathname.split('/').pop();
  await page.getByRole('heading', { name: 'Edit lesson', level: 1 }).waitFor();
  await page.getByTestId('no-blocks').waitFor();
  await page.getByRole('button', { name: 'Add text' }).click();
  await page.getByLabel('Text (Markdown)').fill('Hello **bold** world. <script>window.__pwned = 1</script>');
  const preview = page.getByTestId('lesson-preview');
  await preview.locator('strong', { hasText: 'bold' }).waitFor();
  assert.equal(await preview.locator('script').count(), 0);

  // A bad address is refused with a message at the field.
  await page.getByRole('button', { name: 'Add video' }).click();
  await page.getByLabel('Video address (https://…)').fill('http://insecure.example/video');
  await page.getByLabel('Video title').fill('Winds');
  await page.getByRole('button', { name: 'Save lesson' }).click();
  await page.getByText('Enter a full https:// address').first().waitFor();
  assert.equal(await page.getByLabel('Video address (https://…)').getAttribute('aria-invalid'), 'true');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Remove block 2' }).click();

  for (const attempt of [1, 2]) {
    const saved = page.waitForResponse((r) => r.url().includes('/lessons/save'));
    await page.getByRole('button', { name: 'Save lesson' }).click();
    assert.equal((await saved).status(), 200, `save ${attempt}`);
  }
  await page.getByTestId('lesson-saved').getByText('Saved.').waitFor();
  assert.equal(await page.getByTestId('form-error').count(), 0);

  await goto(page, `/teach/courses/${courseId}/roster`);
  await page.getByTestId('no-enrolments').waitFor();
  await expectAccessible(page);

  await goto(page, `/teach/courses/${courseId}`);
  await page.getByRole('region', { name: 'Publishing' }).getByRole('button', { name: 'Publish', exact: true }).click();
  await page.getByTestId('course-status').getByText('Published').waitFor();
  await page.context().close();
});

test('a learner finds the course, enrols, reads a lesson safely and completes it', async () => {
  assert.ok(courseId, 'the teacher test made the course');
  const page = await signedIn(browser, DEMO.student);
  await goto(page, '/courses');
  await page.getByRole('heading', { name: 'Catalog', level: 1 }).waitFor();
  const search = page.getByRole('combobox', { name: 'Search courses' });
  // Suggestions arrive while typing.
  await search.pressSequentially(title);
  await page.locator(`#catalog-suggestions option[value="${title}"]`).waitFor({ state: 'attached' });
  await search.fill(word);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL((url) => url.searchParams.get('q') === word);
  const cards = page.getByTestId('course-card');
  await expectTexts(cards.getByRole('heading'), [title]);
  assert.match(await cards.first().textContent(), /3 lessons/);
  await expectAccessible(page);

  await goto(page, `/courses?q=nothing${stamp}`);
  await page.getByTestId('no-courses').getByText(`No course matches “nothing${stamp}”.`).waitFor();

  await goto(page, `/courses?q=${word}`);
  await cards.getByRole('link', { name: title }).click();
  await page.waitForURL(`**/courses/${courseId}`);
  await page.getByRole('heading', { name: title, level: 1 }).waitFor();
  await expectTexts(page.getByTestId('outline-module').getByRole('heading'), ['Advanced', 'Basics']);

  // A lesson's address before joining: no content, but the way in.
  await goto(page, `/lessons/${firstLessonId}`);
  const gate = page.getByTestId('lesson-gate');
  await gate.getByText('which you have not joined').waitFor();
  assert.equal(await page.getByTestId('lesson-content').count(), 0);
  assert.doesNotMatch(await page.content(), /__pwned/, 'no lesson content before enrolling');
  await expectAccessible(page);
  await gate.getByRole('button', { name: 'Enrol and read this lesson' }).click();
  await page.getByTestId('lesson-content').locator('strong', { hasText: 'bold' }).waitFor();

  await goto(page, `/courses/${courseId}`);
  await page.getByTestId('course-progress').getByText('0 of 3 lessons · 0%').waitFor();
  const bar = page.getByTestId('course-progress').getByRole('progressbar', { name: 'Course progress' });
  assert.equal(await bar.getAttribute('aria-valuenow'), '0');
  await expectAccessible(page);

  await page.getByRole('link', { name: 'First steps', exact: true }).click();
  await page.getByRole('heading', { name: 'First steps', level: 1 }).waitFor();
  const content = page.getByTestId('lesson-content');
  await content.locator('strong', { hasText: 'bold' }).waitFor();
  assert.match(await content.textContent(), /<script>window\.__pwned = 1<\/script>/);
  assert.equal(await content.locator('script').count(), 0);
  assert.equal(await page.evaluate(() => typeof window.__pwned), 'undefined');
  await expectAccessible(page);

  await page.getByRole('button', { name: 'Mark complete' }).click();
  await page.getByTestId('lesson-completed').waitFor();
  await page.getByTestId('lesson-progress').getByText('1 of 3 lessons · 33%').waitFor();

  await goto(page, `/courses/${courseId}`);
  await page.getByTestId('course-progress').getByText('1 of 3 lessons · 33%').waitFor();
  assert.equal(await bar.getAttribute('aria-valuenow'), '33');
  const basics = page.getByTestId('outline-module').filter({ hasText: 'Basics' });
  assert.equal(await basics.getByTestId('module-progress').textContent(), '1 of 2 lessons done');

  await goto(page, '/my/courses');
  const mine = page.getByTestId('my-course').filter({ hasText: title });
  await mine.getByText('1 of 3 lessons · 33%').waitFor();
  await expectAccessible(page);
  await page.context().close();
});

test('the teacher sees the learner on the roster and imports more learners', async () => {
  assert.ok(courseId, 'the teacher test made the course');
  const page = await signedIn(browser, DEMO.teacher);
  await goto(page, `/teach/courses/${courseId}/roster`);
  const row = page.getByTestId('roster-row').filter({ hasText: DEMO.student });
  await row.getByText('1 of 3 lessons · 33%').waitFor();

  // The chosen file is read in the browser into the text area, which the form sends.
  const csv = `email\n${DEMO.student2}\n${DEMO.student}\nnot-an-email\n`;
  await page.getByLabel('CSV file').setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.waitForFunction((text) => document.querySelector('#roster-csv')?.value === text, csv);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const report = page.getByTestId('import-report');
  await report.getByText('1 enrolled, 1 already enrolled, 1 failed.').waitFor();
  await page.getByTestId('roster-row').filter({ hasText: DEMO.student2 }).waitFor();
  await expectAccessible(page);

  // Archived, the course leaves the catalog, so runs against one database do not pile up there.
  await goto(page, `/teach/courses/${courseId}`);
  await page.getByRole('region', { name: 'Publishing' }).getByRole('button', { name: 'Archive', exact: true }).click();
  await page.getByTestId('course-status').getByText('Archived').waitFor();
  await page.context().close();
});
