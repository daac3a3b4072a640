use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::{RequestPasswordReset, ResetPassword};
use crate::components::form::{action_error, Field, FormError, BUTTON_CLASS};

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let error = action_error(action.value());
    let done = move || matches!(action.value().get(), Some(Ok(())));
    view! {
        <Title text="Forgot password" />
        <section class="mx-auto max-w-md rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
            <h1 class="mb-4 text-2xl font-semibold">"Reset your password"</h1>
            <div role="status" aria-live="polite">
                <Show when=done>
                    <p class="mb-4 rounded border border-green-300 bg-green-50 px-3 py-2 text-green-900">
                        "If an account with this email exists, we have sent it a link to choose a new password. The link works for one hour."
                    </p>
                </Show>
            </div>
            <FormError error />
            <ActionForm action>
                <Field name="organisation" label="Organisation" autocomplete="organization" required=true error />
                <Field name="email" label="Email" kind="email" autocomplete="email" required=true error />
                <button type="submit" class=BUTTON_CLASS>"Send the link"</button>
            </ActionForm>
            <p class="mt-4 text-sm"><a class="text-blue-800 underline" href="/sign-in">"Back to sign in"</a></p>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let query = use_query_map();
    let organisation = query.read_untracked().get("org").unwrap_or_default();
    let token = query.read_untracked().get("token").unwrap_or_default();
    let error = action_error(action.value());
    let done = move || matches!(action.value().get(), Some(Ok(())));
    let sign_in = format!(
        "/sign-in?org={}",
        crate::components::auth::urlencode(&organisation)
    );
    view! {
        <Title text="Choose a password" />
        <section class="mx-auto max-w-md rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
            <h1 class="mb-4 text-2xl font-semibold">"Choose a new password"</h1>
            <div role="status" aria-live="polite">
                <Show when=done>
                    <p class="mb-4 rounded border border-green-300 bg-green-50 px-3 py-2 text-green-900">
                        "Your password is set. "<a class="underline" href=sign_in.clone()>"Sign in"</a>" with it."
                    </p>
                </Show>
            </div>
            <FormError error />
            <ActionForm action>
                <input type="hidden" name="organisation" value=organisation />
                <input type="hidden" name="token" value=token />
                <Field name="password" label="New password" kind="password" autocomplete="new-password" required=true
                    hint="At least 12 characters. A few unrelated words make a strong password." error />
                <button type="submit" class=BUTTON_CLASS>"Set password"</button>
            </ActionForm>
        </section>
    }
}
