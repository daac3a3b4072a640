//! One question of an attempt as a fieldset whose legend is the question, with the answer field
//! its kind takes. Every change goes to the autosave.

use domain::attempt::ShownQuestion;
use domain::quiz::{QuestionKind, Response};
use domain::OptionId;
use leptos::prelude::*;

use super::quiz_autosave::Autosave;
use crate::components::form::INPUT_CLASS;

#[component]
pub fn QuestionFieldset(
    question: ShownQuestion,
    number: usize,
    count: usize,
    autosave: Autosave,
) -> impl IntoView {
    let points = if question.points == 1 {
        "1 point".to_string()
    } else {
        format!("{} points", question.points)
    };
    let hint = match question.kind {
        QuestionKind::MultipleChoice => Some("Choose every answer that applies."),
        QuestionKind::Numeric => Some("Enter a number, like 42 or 3.5."),
        _ => None,
    };
    let value = autosave.value(question.id);
    let field = match question.kind {
        QuestionKind::SingleChoice | QuestionKind::TrueFalse => {
            view! { <SingleChoice question=question.clone() value autosave /> }.into_any()
        }
        QuestionKind::MultipleChoice => {
            view! { <MultipleChoice question=question.clone() value autosave /> }.into_any()
        }
        QuestionKind::ShortText | QuestionKind::Numeric | QuestionKind::Essay => {
            view! { <Written question=question.clone() value autosave /> }.into_any()
        }
    };
    view! {
        <fieldset class="mb-6 rounded border border-slate-300 bg-white p-4" data-question-id=question.id.to_string()>
            <legend class="px-1 font-semibold text-slate-900">
                <span class="sr-only">{format!("Question {number} of {count}: ")}</span>
                <span aria-hidden="true">{format!("{number}. ")}</span>
                {question.prompt.clone()}
                <span class="ml-2 text-sm font-normal text-slate-700">{format!("({points})")}</span>
            </legend>
            {hint.map(|hint| view! { <p class="mb-2 text-sm text-slate-700">{hint}</p> })}
            {field}
        </fieldset>
    }
}

#[component]
fn SingleChoice(
    question: ShownQuestion,
    value: Signal<Option<Response>>,
    autosave: Autosave,
) -> impl IntoView {
    let id = question.id;
    question
        .options
        .into_iter()
        .map(|option| {
            let option_id = option.id;
            let checked = move || value.get() == Some(Response::SelectedOptionId(option_id));
            view! {
                <label class="flex items-center gap-2 py-1 text-slate-900">
                    <input
                        type="radio"
                        name=format!("answer-{id}")
                        value=option_id.to_string()
                        checked=checked
                        prop:checked=checked
                        on:change=move |_| autosave.set(id, Response::SelectedOptionId(option_id))
                        class="h-4 w-4"
                    />
                    {option.text}
                </label>
            }
        })
        .collect_view()
}

#[component]
fn MultipleChoice(
    question: ShownQuestion,
    value: Signal<Option<Response>>,
    autosave: Autosave,
) -> impl IntoView {
    let id = question.id;
    let selected = move || match value.get() {
        Some(Response::SelectedOptionIds(ids)) => ids,
        _ => Vec::new(),
    };
    // The options' order as shown, so a saved answer lists them the same way every time.
    let order: Vec<OptionId> = question.options.iter().map(|o| o.id).collect();
    question
        .options
        .into_iter()
        .map(|option| {
            let option_id = option.id;
            let order = order.clone();
            let toggle = move |ev: leptos::ev::Event| {
                let on = event_target_checked(&ev);
                let mut ids = selected();
                ids.retain(|o| *o != option_id);
                if on {
                    ids.push(option_id);
                }
                ids.sort_by_key(|o| order.iter().position(|x| x == o));
                autosave.set(id, Response::SelectedOptionIds(ids));
            };
            view! {
                <label class="flex items-center gap-2 py-1 text-slate-900">
                    <input
                        type="checkbox"
                        name=format!("answer-{id}")
                        value=option_id.to_string()
                        checked=move || selected().contains(&option_id)
                        prop:checked=move || selected().contains(&option_id)
                        on:change=toggle
                        class="h-4 w-4"
                    />
                    {option.text}
                </label>
            }
        })
        .collect_view()
}

/// Short text, a number or an essay: what the learner types.
#[component]
fn Written(
    question: ShownQuestion,
    value: Signal<Option<Response>>,
    autosave: Autosave,
) -> impl IntoView {
    let id = question.id;
    let kind = question.kind;
    let field_id = format!("answer-{id}");
    let error_id = format!("{field_id}-error");
    let invalid = RwSignal::new(false);
    let shown = move || match value.get() {
        Some(Response::Text(text)) => text,
        Some(Response::Number(number)) => number.to_string(),
        _ => String::new(),
    };
    let on_input = move |ev: leptos::ev::Event| {
        let typed = event_target_value(&ev);
        if kind != QuestionKind::Numeric {
            autosave.set(id, Response::Text(typed));
            return;
        }
        // A decimal comma is what many learners type.
        match typed.trim().replace(',', ".").parse::<f64>() {
            Ok(number) if number.is_finite() => {
                invalid.set(false);
                autosave.set(id, Response::Number(number));
            }
            _ => invalid.set(!typed.trim().is_empty()),
        }
    };
    let label = match kind {
        QuestionKind::Essay => "Your essay",
        QuestionKind::Numeric => "Your number",
        _ => "Your answer",
    };
    let describedby = {
        let error_id = error_id.clone();
        move || invalid.get().then(|| error_id.clone())
    };
    let field = if kind == QuestionKind::Essay {
        view! {
            <textarea id=field_id.clone() rows=8 class=INPUT_CLASS prop:value=shown on:input=on_input>{shown}</textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=field_id.clone()
                type="text"
                inputmode=(kind == QuestionKind::Numeric).then_some("decimal")
                autocomplete="off"
                class=INPUT_CLASS
                value=shown
                prop:value=shown
                aria-invalid=move || invalid.get().then_some("true")
                aria-describedby=describedby
                on:input=on_input
            />
        }
        .into_any()
    };
    view! {
        <label for=field_id class="block text-sm font-medium text-slate-900">{label}</label>
        {field}
        <Show when=move || invalid.get()>
            <p id=error_id.clone() class="mt-1 text-sm text-red-800">"Enter a number, like 42 or 3.5. This answer is not saved until it is one."</p>
        </Show>
    }
}
