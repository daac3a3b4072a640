//! The quiz editor: settings, publishing, previewing as a learner, deleting, and the questions (in
//! `quiz_questions`). The quiz is read again after each change that succeeds, so forms carry the
//! current version; a refused form keeps what the teacher typed.

use domain::proctoring::ProctoringMode;
use domain::quiz::{QuizStatus, QuizView, ShowAnswers};
use domain::{QuizId, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use super::quiz_questions::{bump_on_success, QuestionActions, Questions};
use crate::api::quiz_authoring::{get_quiz, DeleteQuiz, SetQuizStatus, UpdateQuiz};
use crate::api::quizzes::StartAttempt;
use crate::components::auth::RequireRole;
use crate::components::confirm::{Confirmation, DeleteSection, CONFIRM_BUTTON};
use crate::components::course::{not_found, route_id, LINK_CLASS, SMALL_BUTTON};
use crate::components::form::{
    action_error, Checkbox, Field, FormError, TextArea, BUTTON_CLASS, INPUT_CLASS,
};
use crate::error::AppError;

#[component]
pub fn QuizEditorPage() -> impl IntoView {
    view! {
        <Title text="Edit quiz" />
        <RequireRole min_role=Role::Teacher>
            <QuizEditor />
        </RequireRole>
    }
}

#[derive(Clone, Copy)]
struct QuizActions {
    update: ServerAction<UpdateQuiz>,
    publish: ServerAction<SetQuizStatus>,
    delete: ServerAction<DeleteQuiz>,
    preview: ServerAction<StartAttempt>,
}

#[component]
fn QuizEditor() -> impl IntoView {
    let id = route_id::<QuizId>();
    let changed = RwSignal::new(0_u32);
    let actions = QuizActions {
        update: ServerAction::new(),
        publish: ServerAction::new(),
        delete: ServerAction::new(),
        preview: ServerAction::new(),
    };
    bump_on_success(actions.update.value(), changed);
    bump_on_success(actions.publish.value(), changed);
    let questions = QuestionActions::new(changed);
    let quiz = Resource::new(
        move || (id.get(), changed.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_quiz(id).await,
                None => Err(not_found()),
            }
        },
    );
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(attempt)) = actions.preview.value().get() {
            let path = format!("/quizzes/{}/attempts/{}", attempt.quiz_id, attempt.id);
            navigate(&path, Default::default());
        }
    });
    view! {
        <Transition fallback=|| view! { <p>"Loading the quiz…"</p> }>
            {move || Suspend::new(async move {
                match quiz.await {
                    Ok(quiz) => view! {
                        <Title text=format!("Edit {}", quiz.title) />
                        <Header quiz=quiz.clone() preview=actions.preview />
                        <div class="mt-6 grid gap-6 lg:grid-cols-3">
                            <div class="lg:col-span-2">
                                <Settings quiz=quiz.clone() action=actions.update />
                            </div>
                            <div class="space-y-6">
                                <Publishing quiz=quiz.clone() action=actions.publish />
                                <Delete quiz=quiz.clone() action=actions.delete />
                            </div>
                        </div>
                        <Questions quiz actions=questions />
                    }.into_any(),
                    Err(error) => view! {
                        <h1 class="text-2xl font-semibold">"Quiz not available"</h1>
                        <p role="alert" class="mt-2 text-red-800">{error.message}</p>
                        <p class="mt-4"><a class=LINK_CLASS href="/teach">"Back to your courses"</a></p>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

pub fn quiz_status_label(status: QuizStatus) -> &'static str {
    match status {
        QuizStatus::Draft => "Draft",
        QuizStatus::Published => "Published",
    }
}

#[component]
fn Header(quiz: QuizView, preview: ServerAction<StartAttempt>) -> impl IntoView {
    let quiz_id = quiz.id;
    view! {
        <p class="text-sm"><a class=LINK_CLASS href=format!("/teach/courses/{}", quiz.course_id)>"← Back to the course"</a></p>
        <div class="mt-2 flex flex-wrap items-baseline gap-x-4 gap-y-2">
            <h1 class="text-2xl font-semibold">{quiz.title.clone()}</h1>
            <span class="rounded bg-slate-100 px-2 py-0.5 text-sm font-semibold text-slate-800" data-testid="quiz-status">
                {quiz_status_label(quiz.status)}
            </span>
            {quiz.required_for_completion.then(|| view! {
                <span class="rounded bg-amber-100 px-2 py-0.5 text-sm font-semibold text-amber-900">"Required for completion"</span>
            })}
            <a class=LINK_CLASS href=format!("/teach/quizzes/{quiz_id}/attempts")>"Attempts"</a>
            {(quiz.proctoring != ProctoringMode::Off).then(|| view! {
                <a class=LINK_CLASS href=format!("/teach/quizzes/{quiz_id}/proctoring")>"Proctoring"</a>
            })}
            <button type="button" class=SMALL_BUTTON disabled=move || preview.pending().get()
                on:click=move |_| { preview.dispatch(StartAttempt { quiz_id, preview: true, accept_proctoring_rules: false }); }>
                "Preview as a learner"
            </button>
        </div>
        <div class="mt-2"><FormError error=action_error(preview.value()) /></div>
    }
}

fn proctoring_label(mode: ProctoringMode) -> &'static str {
    match mode {
        ProctoringMode::Off => "Off",
        ProctoringMode::Record => "Record browser events",
        ProctoringMode::Strict => "Strict: full screen, and rules accepted before the timer starts",
    }
}

fn show_answers_label(show: ShowAnswers) -> &'static str {
    match show {
        ShowAnswers::AfterAttempt => "After each attempt",
        ShowAnswers::AfterClose => "After the quiz closes",
        ShowAnswers::Never => "Never",
    }
}

#[component]
fn Settings(quiz: QuizView, action: ServerAction<UpdateQuiz>) -> impl IntoView {
    let error = action_error(action.value());
    let saved = move || matches!(action.value().get(), Some(Ok(_)));
    let number = |n: Option<i32>| n.map(|n| n.to_string()).unwrap_or_default();
    let show = quiz.show_answers;
    let proctoring = quiz.proctoring;
    view! {
        <section class="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="settings-heading">
            <h2 id="settings-heading" class="mb-4 text-lg font-semibold">"Settings"</h2>
            <div role="status">
                {move || saved().then(|| view! {
                    <p class="mb-4 rounded border border-green-300 bg-green-50 px-3 py-2 text-green-900" data-testid="quiz-saved">"Saved."</p>
                })}
            </div>
            <FormError error=Signal::derive(move || error.get().filter(|e| e.details.is_empty())) />
            <ActionForm action>
                <input type="hidden" name="id" value=quiz.id.to_string() />
                <input type="hidden" name="version" value=quiz.version />
                <Field name="title" label="Title" value=quiz.title.clone() required=true autocomplete="off" error />
                <TextArea name="instructions" label="Instructions (Markdown)" value=quiz.instructions.clone() rows=4 error />
                <div class="grid gap-x-4 sm:grid-cols-3">
                    <Field name="passing_score" label="Passing score (%)" kind="number" value=quiz.passing_score.to_string() required=true error />
                    <Field name="time_limit_minutes" label="Time limit (minutes)" kind="number" value=number(quiz.time_limit_minutes) hint="Blank: untimed." error />
                    <Field name="max_attempts" label="Attempts allowed" kind="number" value=number(quiz.max_attempts) hint="Blank: unlimited." error />
                </div>
                <div class="grid gap-x-4 sm:grid-cols-2">
                    <TimeField name="opens_at" label="Opens at" hint="Your time zone. Blank: open once published." stored=quiz.opens_at.clone() error />
                    <TimeField name="closes_at" label="Closes at" hint="Your time zone. Blank: never closes." stored=quiz.closes_at.clone() error />
                </div>
                <div class="mb-4">
                    <label for="field-show_answers" class="block font-medium text-slate-900">"Show learners the right answers"</label>
                    <select id="field-show_answers" name="show_answers" class=INPUT_CLASS>
                        {ShowAnswers::ALL.iter().map(|s| view! {
                            <option value=s.as_str() selected=*s == show>{show_answers_label(*s)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="mb-4">
                    <label for="field-proctoring" class="block font-medium text-slate-900">"Proctoring"</label>
                    <select id="field-proctoring" name="proctoring" class=INPUT_CLASS aria-describedby="hint-proctoring">
                        {ProctoringMode::ALL.iter().map(|m| view! {
                            <option value=m.as_str() selected=*m == proctoring>{proctoring_label(*m)}</option>
                        }).collect_view()}
                    </select>
                    <p id="hint-proctoring" class="mt-1 text-sm text-slate-700">
                        "Lectern records browser and server events only: never the camera, the microphone or the screen."
                    </p>
                </div>
                <fieldset class="mb-4">
                    <legend class="font-medium text-slate-900">"Options"</legend>
                    <Checkbox name="shuffle_questions" label="Shuffle the questions for each attempt" checked=quiz.shuffle_questions />
                    <Checkbox name="shuffle_options" label="Shuffle the options of choice questions" checked=quiz.shuffle_options />
                    <Checkbox name="required_for_completion" label="Required for completion: the course is complete only once a learner passes this quiz" checked=quiz.required_for_completion />
                </fieldset>
                <button type="submit" class=BUTTON_CLASS>"Save settings"</button>
            </ActionForm>
        </section>
    }
}

/// A date and time in the teacher's time zone. The visible field has no name: the browser turns
/// what is typed into an instant with the offset that applies on that date, in the hidden field
/// the form sends (which, before the page is interactive, keeps the stored instant).
#[component]
fn TimeField(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    stored: Option<String>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let input_id = format!("field-{name}");
    let (hint_id, error_id) = (format!("{input_id}-hint"), format!("{input_id}-error"));
    let message = Signal::derive(move || error.get().and_then(|e| e.field(name)));
    let local = RwSignal::new(String::new());
    let initial = stored.clone().unwrap_or_default();
    // Effects run only in the browser, the one place that knows the time zone.
    Effect::new(move |_| {
        if let Some(at) = &stored {
            local.set(browser_time::local_of(at));
        }
    });
    let described = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || match message.get() {
            Some(_) => format!("{hint_id} {error_id}"),
            None => hint_id.clone(),
        }
    };
    view! {
        <div class="mb-4">
            <label for=input_id.clone() class="block font-medium text-slate-900">{label}</label>
            <p id=hint_id class="text-sm text-slate-700">{hint}</p>
            <input id=input_id type="datetime-local" class=INPUT_CLASS
                aria-invalid=move || message.get().map(|_| "true") aria-describedby=described
                prop:value=move || local.get() on:input=move |ev| local.set(event_target_value(&ev)) />
            <input type="hidden" name=name value=initial prop:value=move || browser_time::instant_of(&local.get()) />
            <Show when=move || message.get().is_some()>
                <p id=error_id.clone() class="mt-1 text-sm text-red-800">{move || message.get()}</p>
            </Show>
        </div>
    }
}

/// Conversions only the browser can make; both leave an empty value alone, so nothing here runs
/// JavaScript while the server renders.
mod browser_time {
    use web_sys::js_sys::Date;
    use web_sys::wasm_bindgen::JsValue;

    /// An RFC 3339 instant as `YYYY-MM-DDTHH:MM` in the browser's time zone.
    pub fn local_of(instant: &str) -> String {
        if instant.is_empty() {
            return String::new();
        }
        let date = Date::new(&JsValue::from_str(instant));
        if date.get_time().is_nan() {
            return String::new();
        }
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            date.get_full_year(),
            date.get_month() + 1,
            date.get_date(),
            date.get_hours(),
            date.get_minutes()
        )
    }

    /// A `datetime-local` value with the browser's offset on that date (RFC 3339); what cannot
    /// be read is sent as typed, for the server to name.
    pub fn instant_of(local: &str) -> String {
        let local = local.trim();
        if local.is_empty() {
            return String::new();
        }
        let date = Date::new(&JsValue::from_str(local));
        if date.get_time().is_nan() {
            return local.to_string();
        }
        // getTimezoneOffset is UTC minus local time, in minutes.
        let east = -(date.get_timezone_offset() as i64);
        let sign = if east < 0 { '-' } else { '+' };
        let seconds = if local.len() == 16 { ":00" } else { "" };
        format!(
            "{local}{seconds}{sign}{:02}:{:02}",
            east.abs() / 60,
            east.abs() % 60
        )
    }
}

#[component]
fn Publishing(quiz: QuizView, action: ServerAction<SetQuizStatus>) -> impl IntoView {
    let body = match quiz.status {
        QuizStatus::Draft => view! {
            <p class="mb-4 mt-1 text-sm text-slate-700">"Only staff see a draft. Publish it so the course's learners can take it."</p>
            <ActionForm action>
                <input type="hidden" name="id" value=quiz.id.to_string() />
                <input type="hidden" name="version" value=quiz.version />
                <button type="submit" name="status" value="published" class=BUTTON_CLASS>"Publish"</button>
            </ActionForm>
        }
        .into_any(),
        QuizStatus::Published => {
            let since = quiz.published_at.as_deref().and_then(|t| t.get(..10)).unwrap_or("");
            view! {
                <p class="mb-4 mt-1 text-sm text-slate-700">{format!("Published {since}. The course's learners can take it within its times.")}</p>
                <ActionForm action>
                    <input type="hidden" name="id" value=quiz.id.to_string() />
                    <input type="hidden" name="version" value=quiz.version />
                    <button type="submit" name="status" value="draft" class=SMALL_BUTTON>"Unpublish"</button>
                </ActionForm>
                <p class="mt-2 text-sm text-slate-700">"Unpublishing stops new attempts; attempts in progress run to their end."</p>
            }.into_any()
        }
    };
    view! {
        <section class="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="publishing-heading">
            <h2 id="publishing-heading" class="text-lg font-semibold">"Publishing"</h2>
            <FormError error=action_error(action.value()) />
            {body}
        </section>
    }
}

/// Deleting asks once more; the server then sends the teacher back to the course.
#[component]
fn Delete(quiz: QuizView, action: ServerAction<DeleteQuiz>) -> impl IntoView {
    let confirm = Confirmation::new();
    let question = format!("Delete “{}” and its attempts for good?", quiz.title);
    view! {
        <DeleteSection confirm error=action_error(action.value()) question
            consequence="Deleting removes the quiz, its questions and every attempt." ask="Delete quiz…">
            <ActionForm action>
                <input type="hidden" name="id" value=quiz.id.to_string() />
                <input type="hidden" name="course_id" value=quiz.course_id.to_string() />
                <input type="hidden" name="version" value=quiz.version />
                <button type="submit" node_ref=confirm.confirm_button class=CONFIRM_BUTTON>
                    "Yes, delete the quiz"
                </button>
            </ActionForm>
        </DeleteSection>
    }
}
