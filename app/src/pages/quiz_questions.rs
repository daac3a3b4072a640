//! The questions of the quiz editor: the list in order, each with its answer key, and the ways to
//! edit, move and delete one; the form for a new question below (the form itself is in `form`).

mod draft;
mod form;

use domain::quiz::{ChoiceScoring, QuestionKind, QuestionView, QuizView};
use domain::{QuestionId, QuizId};
use leptos::prelude::*;

use crate::api::quiz_authoring::{AddQuestion, DeleteQuestion, MoveQuestion, UpdateQuestion};
use crate::components::confirm::{Confirmation, CONFIRM_BUTTON};
use crate::components::course::{focus_later, report_errors, DANGER_BUTTON, SMALL_BUTTON};
use crate::components::form::{action_error, FormError};
use crate::error::AppError;
pub use draft::kind_label;
use draft::Draft;
use form::QuestionEditor;

#[derive(Clone, Copy)]
pub struct QuestionActions {
    add: ServerAction<AddQuestion>,
    update: ServerAction<UpdateQuestion>,
    delete: ServerAction<DeleteQuestion>,
    move_to: ServerAction<MoveQuestion>,
    /// The error of a move or delete, shown above the list (forms show their own).
    error: RwSignal<Option<AppError>>,
    /// The question whose form is open.
    editing: RwSignal<Option<QuestionId>>,
    /// The buttons to focus once the list is drawn again (the first that is enabled).
    focus: RwSignal<Option<Vec<String>>>,
}

impl QuestionActions {
    /// `changed` is bumped after every change that succeeded, so the editor reads the quiz again;
    /// a refused form keeps what the teacher typed.
    pub fn new(changed: RwSignal<u32>) -> Self {
        let actions = QuestionActions {
            add: ServerAction::new(),
            update: ServerAction::new(),
            delete: ServerAction::new(),
            move_to: ServerAction::new(),
            error: RwSignal::new(None),
            editing: RwSignal::new(None),
            focus: RwSignal::new(None),
        };
        report_errors(actions.delete.value(), actions.error);
        report_errors(actions.move_to.value(), actions.error);
        bump_on_success(actions.add.value(), changed);
        bump_on_success(actions.delete.value(), changed);
        bump_on_success(actions.move_to.value(), changed);
        let update = actions.update;
        let editing = actions.editing;
        Effect::new(move |_| {
            if let Some(Ok(_)) = update.value().get() {
                editing.set(None);
                changed.update(|n| *n += 1);
            }
        });
        actions
    }
}

pub fn bump_on_success<T, S>(value: S, changed: RwSignal<u32>)
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(_)) = value.get() {
            changed.update(|n| *n += 1);
        }
    });
}

#[component]
pub fn Questions(quiz: QuizView, actions: QuestionActions) -> impl IntoView {
    let questions = quiz.questions.unwrap_or_default();
    let order: Vec<QuestionId> = questions.iter().map(|q| q.id).collect();
    // Runs once, after this list (drawn afresh after each change) is in the page.
    Effect::new(move |_| {
        if let Some(ids) = actions.focus.try_update_untracked(Option::take).flatten() {
            focus_later(ids);
        }
    });
    let quiz_id = quiz.id;
    view! {
        <section class="mt-8" aria-labelledby="questions-heading">
            <h2 id="questions-heading" class="text-lg font-semibold">"Questions"</h2>
            <FormError error=actions.error />
            {if questions.is_empty() {
                view! { <p class="mt-2 text-slate-700" data-testid="no-questions">"No question yet. Add the first one below."</p> }.into_any()
            } else {
                view! {
                    <ol class="mt-4 space-y-4" data-testid="question-list">
                        {questions.into_iter().map(|question| {
                            view! { <QuestionItem quiz_id question order=order.clone() actions /> }
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
        <NewQuestion quiz_id actions />
    }
}

#[component]
fn NewQuestion(quiz_id: QuizId, actions: QuestionActions) -> impl IntoView {
    let add = actions.add;
    let save = Callback::new(move |form| {
        add.dispatch(AddQuestion { quiz_id, form });
    });
    view! {
        <section class="mt-6 rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="new-question-heading">
            <h2 id="new-question-heading" class="mb-4 text-lg font-semibold">"Add a question"</h2>
            <QuestionEditor
                prefix="new-question".to_string()
                draft=Draft::new()
                error=action_error(add.value())
                pending=add.pending()
                submit_label="Add question".to_string()
                on_save=save
            />
        </section>
    }
}

/// `order` with the question at `index` swapped with its neighbour `offset` places away.
fn swapped(order: &[QuestionId], index: usize, offset: isize) -> Option<Vec<QuestionId>> {
    let other = index.checked_add_signed(offset)?;
    if other >= order.len() || index >= order.len() {
        return None;
    }
    let mut order = order.to_vec();
    order.swap(index, other);
    Some(order)
}

#[component]
fn QuestionItem(
    quiz_id: QuizId,
    question: QuestionView,
    order: Vec<QuestionId>,
    actions: QuestionActions,
) -> impl IntoView {
    let id = question.id;
    let index = order.iter().position(|q| *q == id).unwrap_or(0);
    let number = index + 1;
    let last = index + 1 == order.len();
    let editing = move || actions.editing.get() == Some(id);
    let up_id = format!("question-up-{id}");
    let down_id = format!("question-down-{id}");
    let move_button = move |offset: isize, own: String, other: String, disabled: bool| {
        let ids = swapped(&order, index, offset);
        let focus = vec![own.clone(), other];
        let (word, label) = if offset < 0 {
            ("up", "Move up")
        } else {
            ("down", "Move down")
        };
        view! {
            <button id=own type="button" class=SMALL_BUTTON disabled=disabled aria-label=format!("Move question {number} {word}")
                on:click=move |_| {
                    if let Some(ids) = ids.clone() {
                        actions.focus.set(Some(focus.clone()));
                        actions.move_to.dispatch(MoveQuestion { quiz_id, ids });
                    }
                }>
                {label}
            </button>
        }
    };
    let update = actions.update;
    let view_question = question.clone();
    view! {
        <li class="rounded-lg border border-slate-200 bg-white p-4" data-testid="question">
            <div class="flex flex-wrap items-baseline gap-x-3 gap-y-1">
                <h3 class="font-semibold">{format!("Question {number}")}</h3>
                <span class="text-sm text-slate-700" data-testid="question-kind">{kind_label(question.kind)}</span>
                <span class="text-sm text-slate-700">{points_label(question.points)}</span>
            </div>
            <Show
                when=editing
                fallback=move || view! { <AnswerKey question=view_question.clone() /> }
            >
                {
                    let draft = Draft::from_view(&question);
                    let save = Callback::new(move |form| { update.dispatch(UpdateQuestion { id, form }); });
                    let cancel = Callback::new(move |()| actions.editing.set(None));
                    view! {
                        <div class="mt-3">
                            <QuestionEditor
                                prefix=format!("question-{id}")
                                draft
                                error=action_error(update.value())
                                pending=update.pending()
                                submit_label=format!("Save question {number}")
                                on_save=save
                                on_cancel=cancel
                            />
                        </div>
                    }
                }
            </Show>
            <div class="mt-3 flex flex-wrap items-center gap-2">
                <Show when=move || !editing()>
                    <button type="button" class=SMALL_BUTTON aria-label=format!("Edit question {number}")
                        on:click=move |_| {
                            // A message left by another question's form is not this one's.
                            actions.update.value().set(None);
                            actions.editing.set(Some(id));
                        }>"Edit"</button>
                </Show>
                {move_button(-1, up_id.clone(), down_id.clone(), index == 0)}
                {move_button(1, down_id.clone(), up_id.clone(), last)}
                <DeleteQuestionButton id number actions />
            </div>
        </li>
    }
}

fn points_label(points: i32) -> String {
    match points {
        1 => "1 point".into(),
        n => format!("{n} points"),
    }
}

/// The prompt and the answer key, as a teacher checks them.
#[component]
fn AnswerKey(question: QuestionView) -> impl IntoView {
    let key = match question.kind {
        QuestionKind::SingleChoice | QuestionKind::MultipleChoice | QuestionKind::TrueFalse => {
            let scoring = question.scoring.map(|s| match s {
                ChoiceScoring::AllOrNothing => "Scoring: all or nothing",
                ChoiceScoring::Partial => "Scoring: partial credit",
            });
            view! {
                <ul class="mt-2 list-disc pl-6">
                    {question.options.into_iter().map(|o| view! {
                        <li class={if o.correct { "font-semibold text-green-900" } else { "text-slate-800" }}>
                            {o.text}{o.correct.then_some(" (correct)")}
                        </li>
                    }).collect_view()}
                </ul>
                {scoring.map(|s| view! { <p class="mt-1 text-sm text-slate-700">{s}</p> })}
            }
            .into_any()
        }
        QuestionKind::ShortText => {
            let answers = question.accepted_answers.unwrap_or_default().join(" · ");
            let case = if question.case_sensitive.unwrap_or(false) {
                " (case sensitive)"
            } else {
                ""
            };
            view! { <p class="mt-2 text-slate-800">{format!("Accepted: {answers}{case}")}</p> }
                .into_any()
        }
        QuestionKind::Numeric => {
            let value = question.value.unwrap_or_default();
            let tolerance = question.tolerance.unwrap_or_default();
            view! { <p class="mt-2 text-slate-800">{format!("Answer: {value} ± {tolerance}")}</p> }
                .into_any()
        }
        QuestionKind::Essay => {
            view! { <p class="mt-2 text-slate-700">"Graded by a teacher."</p> }.into_any()
        }
    };
    view! {
        <p class="mt-2 whitespace-pre-wrap text-slate-900" data-testid="question-prompt">{question.prompt}</p>
        {key}
    }
}

/// Deleting asks once more, in place, and keeps the keyboard on the choice.
#[component]
fn DeleteQuestionButton(id: QuestionId, number: usize, actions: QuestionActions) -> impl IntoView {
    let confirm = Confirmation::new();
    view! {
        <Show
            when=move || confirm.confirming.get()
            fallback=move || view! {
                <button type="button" node_ref=confirm.ask_button class=DANGER_BUTTON aria-label=format!("Delete question {number}")
                    on:click=move |_| confirm.ask()>"Delete"</button>
            }
        >
            <span class="text-sm font-medium text-red-900">{format!("Delete question {number}? Attempts already made keep it.")}</span>
            <button type="button" node_ref=confirm.confirm_button class=CONFIRM_BUTTON
                on:click=move |_| { actions.delete.dispatch(DeleteQuestion { id }); }>
                {format!("Yes, delete question {number}")}
            </button>
            <button type="button" class=SMALL_BUTTON on:click=move |_| confirm.cancel()>"Cancel"</button>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::swapped;
    use domain::QuestionId;
    use uuid::Uuid;

    #[test]
    fn moving_swaps_a_question_with_its_neighbour_within_the_list() {
        let ids: Vec<QuestionId> = (1..=3)
            .map(|n| QuestionId::from_uuid(Uuid::from_u128(n)))
            .collect();
        assert_eq!(swapped(&ids, 1, -1), Some(vec![ids[1], ids[0], ids[2]]));
        assert_eq!(swapped(&ids, 1, 1), Some(vec![ids[0], ids[2], ids[1]]));
        assert_eq!(swapped(&ids, 0, -1), None);
        assert_eq!(swapped(&ids, 2, 1), None);
    }
}
