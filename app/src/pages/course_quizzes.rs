//! The quizzes section of the course editor: the course's quizzes with their state, and the form
//! that starts a new one and opens its editor.

use domain::dto::Page;
use domain::quiz::QuizView;
use domain::CourseId;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::course_quiz_list::QuizzesResource;
use super::quiz_editor::quiz_status_label;
use crate::api::quiz_authoring::CreateQuiz;
use crate::components::course::LINK_CLASS;
use crate::components::form::{action_error, FormError, BUTTON_CLASS, INPUT_CLASS};
use crate::components::table::DataTable;

#[component]
pub fn CourseQuizzes(course_id: CourseId, quizzes: QuizzesResource) -> impl IntoView {
    view! {
        <section class="mt-8" aria-labelledby="editor-quizzes-heading">
            <h2 id="editor-quizzes-heading" class="text-lg font-semibold">"Quizzes"</h2>
            <Transition fallback=|| view! { <p class="mt-2">"Loading quizzes…"</p> }>
                {move || Suspend::new(async move {
                    match quizzes.await {
                        Ok(page) => view! { <QuizTable page /> }.into_any(),
                        Err(error) => view! { <p role="alert" class="mt-2 text-red-800">{error.message}</p> }.into_any(),
                    }
                })}
            </Transition>
            <NewQuizForm course_id />
        </section>
    }
}

#[component]
fn QuizTable(page: Page<QuizView>) -> impl IntoView {
    if page.items.is_empty() {
        return view! {
            <p class="mt-2 text-slate-700" data-testid="no-quizzes">"No quiz in this course yet. Start one below."</p>
        }
        .into_any();
    }
    // The editor lists one page of a course's quizzes; say so if a course ever holds more.
    let more = (page.total > page.items.len() as u64).then(|| {
        format!(
            "Showing the first {} of {} quizzes.",
            page.items.len(),
            page.total
        )
    });
    view! {
        <DataTable caption="Quizzes of this course" columns=vec!["Title", "Status", "Questions", "Required for completion"] margin="mt-2">
            {page.items.into_iter().map(|quiz| view! {
                <tr class="border-t border-slate-200" data-testid="quiz-row">
                    <td class="px-4 py-2 font-medium">
                        <a class=LINK_CLASS href=format!("/teach/quizzes/{}", quiz.id)>{quiz.title}</a>
                    </td>
                    <td class="px-4 py-2">{quiz_status_label(quiz.status)}</td>
                    <td class="px-4 py-2">{quiz.question_count}</td>
                    <td class="px-4 py-2">{if quiz.required_for_completion { "Yes" } else { "No" }}</td>
                </tr>
            }).collect_view()}
        </DataTable>
        {more.map(|text| view! { <p class="mt-2 text-sm text-slate-700">{text}</p> })}
    }
    .into_any()
}

/// Makes a draft quiz, then opens its editor.
#[component]
fn NewQuizForm(course_id: CourseId) -> impl IntoView {
    let create = ServerAction::<CreateQuiz>::new();
    let error = action_error(create.value());
    let title_error = Signal::derive(move || error.get().and_then(|e| e.field("title")));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(quiz)) = create.value().get() {
            navigate(&format!("/teach/quizzes/{}", quiz.id), Default::default());
        }
    });
    view! {
        <div class="mt-4 max-w-xl rounded-lg border border-slate-200 bg-white p-6" role="group" aria-labelledby="new-quiz-heading">
            <h3 id="new-quiz-heading" class="text-base font-semibold">"New quiz"</h3>
            <p class="mb-4 text-sm text-slate-700">"The quiz starts as a draft that only staff see."</p>
            <FormError error=Signal::derive(move || error.get().filter(|e| e.details.is_empty())) />
            <ActionForm action=create>
                <input type="hidden" name="course_id" value=course_id.to_string() />
                // Not a `Field`: the course's own title field already has the id `field-title`.
                <div class="mb-4">
                    <label for="new-quiz-title" class="block font-medium text-slate-900">"Quiz title"</label>
                    <input id="new-quiz-title" name="title" required=true autocomplete="off" class=INPUT_CLASS
                        aria-invalid=move || title_error.get().map(|_| "true")
                        aria-describedby=move || title_error.get().map(|_| "new-quiz-title-error") />
                    <Show when=move || title_error.get().is_some()>
                        <p id="new-quiz-title-error" class="mt-1 text-sm text-red-800">{move || title_error.get()}</p>
                    </Show>
                </div>
                <button type="submit" class=BUTTON_CLASS>"Create quiz"</button>
            </ActionForm>
        </div>
    }
}
