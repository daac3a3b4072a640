//! The organisation's proctoring rules, retention and learner access, on the settings page.

use domain::proctoring::ProctoringSettings;
use leptos::prelude::*;

use crate::api::proctoring::{get_proctoring_settings, SaveProctoringSettings};
use crate::components::form::{action_error, Checkbox, Field, FormError, BUTTON_CLASS};
use crate::pages::quiz_questions::bump_on_success;

#[component]
pub fn ProctoringSettingsSection() -> impl IntoView {
    let save = ServerAction::<SaveProctoringSettings>::new();
    // Read again after a save that succeeded; a refused one keeps what was typed, with the errors.
    let changed = RwSignal::new(0_u32);
    bump_on_success(save.value(), changed);
    let settings = Resource::new(move || changed.get(), |_| get_proctoring_settings());
    view! {
        <section class="mt-8 max-w-2xl" aria-labelledby="proctoring-settings-heading">
            <h2 id="proctoring-settings-heading" class="text-xl font-semibold">"Proctoring"</h2>
            <p class="mt-1 text-slate-800">
                "What raises an incident in a proctored quiz, and how long events are kept. Lectern records browser and server events only: never the camera, the microphone or the screen."
            </p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(current) => view! { <ProctoringForm current save /> }.into_any(),
                        Err(error) => view! { <p role="alert" class="text-red-800">{error.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ProctoringForm(
    current: ProctoringSettings,
    save: ServerAction<SaveProctoringSettings>,
) -> impl IntoView {
    let error = action_error(save.value());
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    let rules = current.rules;
    view! {
        <ActionForm action=save attr:class="mt-3 rounded-lg border border-slate-200 bg-white p-6">
            <FormError error=Signal::derive(move || error.get().filter(|e| e.details.is_empty())) />
            <div class="grid gap-x-4 sm:grid-cols-2">
                <Field name="max_tab_switches" label="Tab switches allowed" kind="number" value=rules.max_tab_switches.to_string() hint="More raise an incident (medium)." error />
                <Field name="max_fullscreen_exit_seconds" label="Seconds out of full screen allowed" kind="number" value=rules.max_fullscreen_exit_seconds.to_string() hint="Strict quizzes; longer raises an incident (medium)." error />
                <Field name="heartbeat_gap_seconds" label="Seconds of silence allowed" kind="number" value=rules.heartbeat_gap_seconds.to_string() hint="A page silent longer (15 or more) raises an incident (low)." error />
                <Field name="min_seconds_per_answer" label="Fewest seconds per answer" kind="number" value=rules.min_seconds_per_answer.to_string() hint="Faster submissions raise an incident (medium); 0 turns it off." error />
                <Field name="retention_days" label="Days events are kept" kind="number" value=current.retention_days.to_string() hint="1 to 3650; incidents and their reviews stay." error />
            </div>
            <fieldset class="mb-4">
                <legend class="font-medium text-slate-900">"Also raise an incident for"</legend>
                <Checkbox name="flag_paste_in_strict" label="Any paste in a strict quiz (high)" checked=rules.flag_paste_in_strict />
                <Checkbox name="flag_second_tab" label="The quiz open in a second tab or window (high)" checked=rules.flag_second_tab />
                <Checkbox name="flag_ip_change" label="The IP address changing during an attempt (medium)" checked=rules.flag_ip_change />
            </fieldset>
            <Checkbox name="learner_sees_timeline" label="Learners may read their own timeline once their attempt is over" checked=current.learner_sees_timeline />
            <button type="submit" class=format!("mt-4 {BUTTON_CLASS}")>"Save proctoring settings"</button>
            <p role="status" class="mt-2 text-green-900" data-testid="proctoring-saved">{move || saved().then_some("Saved.")}</p>
        </ActionForm>
    }
}
