//! A secret just issued (an API key, a webhook signing secret), shown once with a copy button and
//! the warning that it will not be shown again.

use leptos::prelude::*;

use crate::components::copy::CopyButton;
use crate::components::form::INPUT_CLASS;

#[component]
pub fn SecretOnce(
    /// What the secret is for, as the heading says it.
    heading: String,
    /// Why to keep it, before the warning.
    note: &'static str,
    secret: String,
    /// What is copied, for the button's and the field's accessible names ("the secret").
    what: &'static str,
) -> impl IntoView {
    let copied = secret.clone();
    view! {
        <section class="mt-6 max-w-3xl rounded-lg border border-amber-400 bg-amber-50 p-4" aria-labelledby="secret-heading" data-testid="fresh-secret">
            <h2 id="secret-heading" class="font-semibold">{heading}</h2>
            <p class="text-sm text-slate-800">{note} " Copy it now: it is shown only this once."</p>
            <label for="fresh-secret-value" class="sr-only">{what}</label>
            <input id="fresh-secret-value" readonly value=secret class=INPUT_CLASS data-testid="secret-value" />
            <div class="mt-2"><CopyButton text=Signal::derive(move || copied.clone()) what=what /></div>
        </section>
    }
}
