//! The quizzes on a course's page, each with what a learner wants to know before opening it.

use domain::dto::Page;
use domain::quiz::{QuizStatus, QuizView};
use domain::CourseId;
use leptos::prelude::*;

use crate::api::quizzes::quizzes_of_course;
use crate::components::course::{not_found, LINK_CLASS};
use crate::error::AppError;

/// A course's quizzes, for the course page and its editor to create beside their other resources:
/// created inside the page's own `Suspend`, it hydrated against markup the server had not
/// streamed, and panicked.
pub fn course_quizzes(id: Memo<Option<CourseId>>) -> QuizzesResource {
    Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => quizzes_of_course(id).await,
                None => Err(not_found()),
            }
        },
    )
}

pub type QuizzesResource = Resource<Result<Page<QuizView>, AppError>>;

#[component]
pub fn CourseQuizList(quizzes: QuizzesResource) -> impl IntoView {
    view! {
        <section class="mt-8" aria-labelledby="quizzes-heading">
            <h2 id="quizzes-heading" class="text-lg font-semibold">"Quizzes"</h2>
            <Transition fallback=|| view! { <p>"Loading the quizzes…"</p> }>
                {move || Suspend::new(async move {
                    match quizzes.await {
                        Ok(page) if page.items.is_empty() => view! {
                            <p class="mt-2 text-slate-700">"This course has no quizzes."</p>
                        }.into_any(),
                        Ok(page) => view! {
                            <ul class="mt-2 space-y-2" data-testid="course-quizzes">
                                {page.items.into_iter().map(|quiz| {
                                    let facts = [
                                        Some(format!("{} questions", quiz.question_count)),
                                        quiz.time_limit_minutes.map(|m| format!("{m} minutes")),
                                        quiz.required_for_completion.then(|| "required to complete the course".to_string()),
                                        (quiz.status == QuizStatus::Draft).then(|| "draft".to_string()),
                                    ];
                                    let facts = facts.into_iter().flatten().collect::<Vec<_>>().join(" · ");
                                    view! {
                                        <li>
                                            <a class=LINK_CLASS href=format!("/quizzes/{}", quiz.id)>{quiz.title}</a>
                                            <span class="ml-2 text-sm text-slate-700">{facts}</span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <p class="mt-2 text-red-800">{error.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
