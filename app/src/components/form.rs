//! Labelled form fields that show their own error, linked for screen readers.

use leptos::prelude::*;

use crate::error::AppError;

pub const INPUT_CLASS: &str = "mt-1 block w-full rounded border border-slate-400 bg-white px-3 py-2 text-slate-900 focus:border-blue-700 focus:outline-none focus:ring-2 focus:ring-blue-700 aria-[invalid=true]:border-red-700";
pub const BUTTON_CLASS: &str = "rounded bg-blue-700 px-4 py-2 font-semibold text-white hover:bg-blue-800 focus:outline-none focus:ring-2 focus:ring-blue-700 focus:ring-offset-2 disabled:opacity-60";

/// The error of the last run of a form's action, if any.
pub fn action_error<T, S>(value: S) -> Signal<Option<AppError>>
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || value.get().and_then(|r| r.err()))
}

#[component]
pub fn Field(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(into, default = "text".to_string())] kind: String,
    #[prop(into, optional)] value: Option<String>,
    #[prop(into, optional)] autocomplete: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(into, optional)] hint: Option<String>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let field_name = name.clone();
    let message = Signal::derive(move || error.get().and_then(|e| e.field(&field_name)));
    let describedby = described_by(&id, hint.is_some(), message);
    view! {
        <div class="mb-4">
            <label for=id.clone() class="block font-medium text-slate-900">{label}</label>
            {hint.map(|hint| view! { <p id=hint_id.clone() class="text-sm text-slate-700">{hint}</p> })}
            <input
                id=id
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                required=required
                aria-invalid=move || message.get().is_some().then_some("true")
                aria-describedby=describedby
                class=INPUT_CLASS
            />
            <Show when=move || message.get().is_some()>
                <p id=error_id.clone() class="mt-1 text-sm text-red-800">{move || message.get()}</p>
            </Show>
        </div>
    }
}

/// What describes a field (`field-{name}`): its hint, when it has one, and its error, while it
/// shows one.
fn described_by(
    id: &str,
    has_hint: bool,
    message: Signal<Option<String>>,
) -> impl Fn() -> Option<String> + Send + Sync + 'static {
    let (error_id, hint_id) = (format!("{id}-error"), format!("{id}-hint"));
    move || {
        let mut ids = Vec::new();
        if has_hint {
            ids.push(hint_id.clone());
        }
        if message.get().is_some() {
            ids.push(error_id.clone());
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// A text input like [`Field`], its value held in a signal, for forms the page sends itself.
#[component]
pub fn BoundField(
    name: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    value: RwSignal<String>,
    #[prop(optional)] required: bool,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let (error_id, hint_id) = (format!("{id}-error"), format!("{id}-hint"));
    let message = Signal::derive(move || error.get().and_then(|e| e.field(name)));
    let describedby = described_by(&id, hint.is_some(), message);
    view! {
        <div class="mb-4">
            <label for=id.clone() class="block font-medium text-slate-900">{label}</label>
            {hint.map(|hint| view! { <p id=hint_id.clone() class="text-sm text-slate-700">{hint}</p> })}
            <input
                id=id
                name=name
                type="text"
                required=required
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || message.get().is_some().then_some("true")
                aria-describedby=describedby
                class=INPUT_CLASS
            />
            <Show when=move || message.get().is_some()>
                <p id=error_id.clone() class="mt-1 text-sm text-red-800">{move || message.get()}</p>
            </Show>
        </div>
    }
}

/// The form-level message of an error that names no field (wrong password, forbidden, …).
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <div role="alert" aria-live="assertive">
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <p class="mb-4 rounded border border-red-300 bg-red-50 px-3 py-2 text-red-900" data-testid="form-error">
                                {e.message.clone()}
                                {e.request_id.clone().filter(|_| e.details.is_empty()).map(|id| view! {
                                    <span class="block text-xs text-red-800">"Reference: " {id}</span>
                                })}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// A labelled multi-line field that shows its own error, like `Field`.
#[component]
pub fn TextArea(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(into, optional)] value: Option<String>,
    #[prop(default = 4)] rows: u32,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let field_name = name.clone();
    let message = Signal::derive(move || error.get().and_then(|e| e.field(&field_name)));
    let describedby = {
        let error_id = error_id.clone();
        move || message.get().is_some().then(|| error_id.clone())
    };
    view! {
        <div class="mb-4">
            <label for=id.clone() class="block font-medium text-slate-900">{label}</label>
            <textarea
                id=id
                name=name
                rows=rows
                aria-invalid=move || message.get().is_some().then_some("true")
                aria-describedby=describedby
                class=INPUT_CLASS
            >
                {value}
            </textarea>
            <Show when=move || message.get().is_some()>
                <p id=error_id.clone() class="mt-1 text-sm text-red-800">{move || message.get()}</p>
            </Show>
        </div>
    }
}

/// A checkbox sent as `name=on` when ticked, with its label beside it.
#[component]
pub fn Checkbox(name: &'static str, label: &'static str, checked: bool) -> impl IntoView {
    let id = format!("field-{name}");
    view! {
        <div class="mt-2 flex items-center gap-2">
            <input id=id.clone() type="checkbox" name=name value="on" checked=checked class="h-4 w-4" />
            <label for=id>{label}</label>
        </div>
    }
}
