use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::form::{action_error, Field, FormError, BUTTON_CLASS};

#[component]
pub fn SignInPage() -> impl IntoView {
    let auth = crate::use_auth();
    let query = use_query_map();
    let organisation = query.read_untracked().get("org").unwrap_or_default();
    let next = query
        .read_untracked()
        .get("next")
        .unwrap_or_else(|| "/".to_string());
    let error = action_error(auth.sign_in.value());
    let pending = auth.sign_in.pending();
    view! {
        <Title text="Sign in" />
        <section class="mx-auto max-w-md rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
            <h1 class="mb-4 text-2xl font-semibold">"Sign in"</h1>
            <FormError error />
            <ActionForm action=auth.sign_in>
                <input type="hidden" name="next" value=next />
                <Field name="organisation" label="Organisation" value=organisation autocomplete="organization" required=true
                    hint="Your organisation's short name, such as demo." error />
                <Field name="email" label="Email" kind="email" autocomplete="username" required=true error />
                <Field name="password" label="Password" kind="password" autocomplete="current-password" required=true error />
                <button type="submit" class=BUTTON_CLASS disabled=move || pending.get()>
                    {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
            <p class="mt-4 text-sm">
                <a class="text-blue-800 underline" href="/forgot-password">"Forgot your password?"</a>
            </p>
        </section>
    }
}
