//! The control of a running attempt, for its course's staff: pause, resume, add time, end it, or
//! flag it for review, each with a reason the audit log and the proctoring timeline keep. A plain
//! form: it works before the page is interactive.

use domain::proctoring::ControlAction;
use domain::{AttemptId, QuizId};
use leptos::prelude::*;

use crate::api::proctoring::ControlAttempt;
use crate::components::form::{action_error, Field, FormError, BUTTON_CLASS};
use crate::pages::quiz_questions::bump_on_success;

fn action_label(action: ControlAction) -> &'static str {
    match action {
        ControlAction::Pause => "Pause (the clock stops)",
        ControlAction::Resume => "Resume",
        ControlAction::Extend => "Add time",
        ControlAction::Terminate => "End the attempt now (submitted with its saved answers)",
        ControlAction::Flag => "Flag for review",
    }
}

#[component]
pub fn AttemptControlPanel(
    quiz_id: QuizId,
    attempt_id: AttemptId,
    paused: bool,
    proctored: bool,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let action = ServerAction::<ControlAttempt>::new();
    bump_on_success(action.value(), changed);
    let error = action_error(action.value());
    let actions: Vec<ControlAction> = ControlAction::ALL
        .iter()
        .copied()
        .filter(|a| match a {
            ControlAction::Pause => !paused,
            ControlAction::Resume => paused,
            ControlAction::Flag => proctored,
            _ => true,
        })
        .collect();
    let first = actions.first().copied();
    view! {
        <section class="mt-6 max-w-xl rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="control-heading" data-testid="attempt-control">
            <h2 id="control-heading" class="text-lg font-semibold">"Running attempt"</h2>
            <p class="mt-1 text-sm text-slate-700">
                {if paused { "Paused: the learner's clock is stopped." } else { "The learner's page learns of a change within 10 seconds." }}
            </p>
            <FormError error=Signal::derive(move || error.get().filter(|e| e.details.is_empty())) />
            <ActionForm action attr:class="mt-4">
                <input type="hidden" name="quiz_id" value=quiz_id.to_string() />
                <input type="hidden" name="attempt_id" value=attempt_id.to_string() />
                <fieldset class="mb-4">
                    <legend class="font-medium text-slate-900">"Action"</legend>
                    {actions.into_iter().map(|a| {
                        let id = format!("control-{}", a.as_str());
                        view! {
                            <div class="mt-2 flex items-center gap-2">
                                <input id=id.clone() type="radio" name="action" value=a.as_str() checked=Some(a) == first class="h-4 w-4" />
                                <label for=id>{action_label(a)}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <Field name="minutes" label="Minutes to add" kind="number" hint="For “Add time” only, 1 to 600." error />
                <Field name="reason" label="Reason" required=true autocomplete="off" hint="Kept in the audit log and on the timeline." error />
                <button type="submit" class=BUTTON_CLASS disabled=move || action.pending().get()>"Apply"</button>
            </ActionForm>
        </section>
    }
}
