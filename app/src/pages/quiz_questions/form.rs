//! The form that writes one question: its kind, prompt and points, and what the kind needs
//! (options, accepted answers, a number). The server's messages appear at their fields.

use domain::quiz::{ChoiceScoring, QuestionKind};
use domain::quiz_input::QuestionForm;
use leptos::prelude::*;

use super::draft::{kind_label, Draft, OptionRow};
use crate::components::course::{DANGER_BUTTON, SMALL_BUTTON};
use crate::components::form::{FormError, BUTTON_CLASS, INPUT_CLASS};
use crate::error::AppError;

/// The messages an error gives `field` and its parts (`accepted_answers[2]`), joined.
fn messages(error: Option<AppError>, field: &str) -> Option<String> {
    let error = error?;
    let found: Vec<String> = error
        .details
        .iter()
        .filter(|d| {
            d.field == field
                || d.field
                    .strip_prefix(field)
                    .is_some_and(|rest| rest.starts_with('['))
        })
        .map(|d| d.message.clone())
        .collect();
    (!found.is_empty()).then(|| found.join(" "))
}

/// A field's message under it, with the id the field's `aria-describedby` points at.
fn field_message(id: String, message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <p id=id.clone() class="mt-1 text-sm text-red-800">{move || message.get()}</p>
        </Show>
    }
}

/// The question form. `prefix` keeps its element ids apart from the page's other question forms.
#[component]
pub fn QuestionEditor(
    prefix: String,
    draft: Draft,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(into)] pending: Signal<bool>,
    submit_label: String,
    on_save: Callback<QuestionForm>,
    #[prop(optional)] on_cancel: Option<Callback<()>>,
) -> impl IntoView {
    // Numbers the browser cannot read are reported here, before anything is sent.
    let local = RwSignal::new(None::<AppError>);
    let prefix = StoredValue::new(prefix);
    let shown = Signal::derive(move || local.get().or_else(|| error.get()));
    let message = move |field: &'static str| Signal::derive(move || messages(shown.get(), field));
    let id = move |name: &str| format!("{}-{name}", prefix.get_value());
    let described = move |name: &'static str, field: &'static str| {
        let error_id = id(&format!("{name}-error"));
        let message = message(field);
        move || message.get().map(|_| error_id.clone())
    };
    let invalid = move |field: &'static str| {
        let message = message(field);
        move || message.get().map(|_| "true")
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match draft.to_form() {
            Ok(form) => {
                local.set(None);
                on_save.run(form);
            }
            Err(error) => local.set(Some(error)),
        }
    };
    let kind = draft.kind;
    let is = move |k: QuestionKind| move || kind.get() == k;
    let is_choice = move || {
        matches!(
            kind.get(),
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice
        )
    };
    view! {
        <form on:submit=submit novalidate=true class="space-y-4">
            <FormError error=Signal::derive(move || shown.get().filter(|e| e.details.is_empty())) />
            <div>
                <label for=id("kind") class="block font-medium text-slate-900">"Kind of question"</label>
                <select id=id("kind") class=INPUT_CLASS aria-invalid=invalid("kind") aria-describedby=described("kind", "kind")
                    on:change=move |ev| {
                        if let Ok(k) = QuestionKind::parse("kind", &event_target_value(&ev)) { draft.set_kind(k) }
                    }>
                    {QuestionKind::ALL.iter().map(|k| view! {
                        <option value=k.as_str() selected=move || kind.get() == *k>{kind_label(*k)}</option>
                    }).collect_view()}
                </select>
                {field_message(id("kind-error"), message("kind"))}
            </div>
            <div>
                <label for=id("prompt") class="block font-medium text-slate-900">"Question"</label>
                <textarea id=id("prompt") rows="3" class=INPUT_CLASS aria-invalid=invalid("prompt") aria-describedby=described("prompt", "prompt")
                    prop:value=move || draft.prompt.get() on:input=move |ev| draft.prompt.set(event_target_value(&ev))></textarea>
                {field_message(id("prompt-error"), message("prompt"))}
            </div>
            <div>
                <label for=id("points") class="block font-medium text-slate-900">"Points"</label>
                <input id=id("points") type="number" min="1" max="1000" step="1" class=INPUT_CLASS aria-invalid=invalid("points") aria-describedby=described("points", "points")
                    prop:value=move || draft.points.get() on:input=move |ev| draft.points.set(event_target_value(&ev)) />
                {field_message(id("points-error"), message("points"))}
            </div>
            <Show when=is_choice>
                <OptionRows prefix=prefix.get_value() draft shown />
            </Show>
            <Show when=is(QuestionKind::MultipleChoice)>
                <fieldset>
                    <legend class="font-medium text-slate-900">"Scoring"</legend>
                    {[(ChoiceScoring::AllOrNothing, "All or nothing: only the exact set of right options earns points"),
                      (ChoiceScoring::Partial, "Partial credit: each right option earns a share, each wrong one takes a share back")]
                        .into_iter().map(|(scoring, label)| {
                            let input_id = id(&format!("scoring-{scoring}"));
                            view! {
                                <div class="mt-1 flex items-center gap-2">
                                    <input id=input_id.clone() type="radio" name=id("scoring") class="h-4 w-4"
                                        prop:checked=move || draft.scoring.get() == scoring on:change=move |_| draft.scoring.set(scoring) />
                                    <label for=input_id>{label}</label>
                                </div>
                            }
                        }).collect_view()}
                </fieldset>
            </Show>
            <Show when=is(QuestionKind::TrueFalse)>
                <fieldset aria-describedby=described("truth", "correct_answer")>
                    <legend class="font-medium text-slate-900">"The statement is"</legend>
                    {[(true, "True"), (false, "False")].into_iter().map(|(value, label)| {
                        let input_id = id(&format!("truth-{value}"));
                        view! {
                            <div class="mt-1 flex items-center gap-2">
                                <input id=input_id.clone() type="radio" name=id("truth") class="h-4 w-4"
                                    prop:checked=move || draft.truth.get() == Some(value) on:change=move |_| draft.truth.set(Some(value)) />
                                <label for=input_id>{label}</label>
                            </div>
                        }
                    }).collect_view()}
                    {field_message(id("truth-error"), message("correct_answer"))}
                </fieldset>
            </Show>
            <Show when=is(QuestionKind::ShortText)>
                <div>
                    <label for=id("accepted") class="block font-medium text-slate-900">"Accepted answers (one per line)"</label>
                    <textarea id=id("accepted") rows="3" class=INPUT_CLASS aria-invalid=invalid("accepted_answers") aria-describedby=described("accepted", "accepted_answers")
                        prop:value=move || draft.accepted.get() on:input=move |ev| draft.accepted.set(event_target_value(&ev))></textarea>
                    {field_message(id("accepted-error"), message("accepted_answers"))}
                </div>
                <div class="flex items-center gap-2">
                    <input id=id("case") type="checkbox" class="h-4 w-4"
                        prop:checked=move || draft.case_sensitive.get() on:change=move |ev| draft.case_sensitive.set(event_target_checked(&ev)) />
                    <label for=id("case")>"Case sensitive"</label>
                </div>
            </Show>
            <Show when=is(QuestionKind::Numeric)>
                <div>
                    <label for=id("value") class="block font-medium text-slate-900">"Right answer"</label>
                    <input id=id("value") inputmode="decimal" class=INPUT_CLASS aria-invalid=invalid("value") aria-describedby=described("value", "value")
                        prop:value=move || draft.value.get() on:input=move |ev| draft.value.set(event_target_value(&ev)) />
                    {field_message(id("value-error"), message("value"))}
                </div>
                <div>
                    <label for=id("tolerance") class="block font-medium text-slate-900">"Tolerance (±, blank for exact)"</label>
                    <input id=id("tolerance") inputmode="decimal" class=INPUT_CLASS aria-invalid=invalid("tolerance") aria-describedby=described("tolerance", "tolerance")
                        prop:value=move || draft.tolerance.get() on:input=move |ev| draft.tolerance.set(event_target_value(&ev)) />
                    {field_message(id("tolerance-error"), message("tolerance"))}
                </div>
            </Show>
            <Show when=is(QuestionKind::Essay)>
                <p class="text-sm text-slate-700">"Essays wait for a teacher to grade them on the attempts page."</p>
            </Show>
            <div class="flex flex-wrap gap-2">
                <button type="submit" class=BUTTON_CLASS disabled=move || pending.get()>{submit_label}</button>
                {on_cancel.map(|cancel| view! {
                    <button type="button" class=SMALL_BUTTON on:click=move |_| cancel.run(())>"Cancel"</button>
                })}
            </div>
        </form>
    }
}

/// The options of a choice question: text, whether it is right, and a way to remove it.
#[component]
fn OptionRows(prefix: String, draft: Draft, shown: Signal<Option<AppError>>) -> impl IntoView {
    let error_id = format!("{prefix}-options-error");
    let message = Signal::derive(move || shown.get().and_then(|e| e.field("options")));
    let described = {
        let error_id = error_id.clone();
        move || message.get().map(|_| error_id.clone())
    };
    view! {
        <fieldset aria-describedby=described>
            <legend class="font-medium text-slate-900">"Options (tick the right ones)"</legend>
            {field_message(error_id, message)}
            <ol class="mt-2 space-y-2">
                <For each=move || draft.options.get() key=|row| row.key let:row>
                    <OptionRowView prefix=prefix.clone() draft row shown />
                </For>
            </ol>
            <button type="button" class=format!("mt-2 {SMALL_BUTTON}") on:click=move |_| draft.add_option()>"Add option"</button>
        </fieldset>
    }
}

#[component]
fn OptionRowView(
    prefix: String,
    draft: Draft,
    row: OptionRow,
    shown: Signal<Option<AppError>>,
) -> impl IntoView {
    let index = Memo::new(move |_| {
        draft
            .options
            .with(|rows| rows.iter().position(|r| r.key == row.key).unwrap_or(0))
    });
    let number = move || index.get() + 1;
    let text_id = format!("{prefix}-option-{}-text", row.key);
    let correct_id = format!("{prefix}-option-{}-correct", row.key);
    let error_id = format!("{text_id}-error");
    let message = Signal::derive(move || {
        shown
            .get()
            .and_then(|e| e.field(&format!("options[{}].text", index.get())))
    });
    let described = {
        let error_id = error_id.clone();
        move || message.get().map(|_| error_id.clone())
    };
    let remove = move |_| {
        draft
            .options
            .update(|rows| rows.retain(|r| r.key != row.key))
    };
    view! {
        <li class="flex flex-wrap items-end gap-3">
            <div class="min-w-64 flex-1">
                <label for=text_id.clone() class="block text-sm font-medium text-slate-900">{move || format!("Option {}", number())}</label>
                <input id=text_id type="text" class=INPUT_CLASS aria-invalid=move || message.get().map(|_| "true") aria-describedby=described
                    prop:value=move || row.text.get() on:input=move |ev| row.text.set(event_target_value(&ev)) />
                {field_message(error_id, message)}
            </div>
            <div class="flex items-center gap-2 pb-2">
                <input id=correct_id.clone() type="checkbox" class="h-4 w-4"
                    prop:checked=move || row.correct.get() on:change=move |ev| row.correct.set(event_target_checked(&ev)) />
                <label for=correct_id>"Correct" <span class="sr-only">{move || format!(" (option {})", number())}</span></label>
            </div>
            <button type="button" class=format!("mb-1 {DANGER_BUTTON}") aria-label=move || format!("Remove option {}", number()) on:click=remove>"Remove"</button>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::messages;
    use crate::error::AppError;
    use domain::{ErrorCode, FieldError};

    #[test]
    fn a_field_gathers_the_messages_of_its_parts() {
        let mut error = AppError::new(ErrorCode::ValidationFailed, "Check the fields.");
        error.details = vec![
            FieldError::new("accepted_answers[0]", "Too long."),
            FieldError::new("accepted_answers_extra", "Not mine."),
            FieldError::new("accepted_answers[2]", "Empty."),
        ];
        assert_eq!(
            messages(Some(error), "accepted_answers").as_deref(),
            Some("Too long. Empty.")
        );
        assert_eq!(messages(None, "prompt"), None);
    }
}
