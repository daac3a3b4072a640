use domain::dto::TenantSettings;
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::tenant::{get_tenant_settings, SetImageHosts};
use crate::components::auth::RequireRole;
use crate::components::form::{action_error, FormError, BUTTON_CLASS, INPUT_CLASS};
use crate::pages::settings_proctoring::ProctoringSettingsSection;

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings" />
        <RequireRole min_role=Role::Admin>
            <Settings />
        </RequireRole>
    }
}

#[component]
fn Settings() -> impl IntoView {
    let save = ServerAction::<SetImageHosts>::new();
    let settings = Resource::new(move || save.version().get(), |_| get_tenant_settings());
    view! {
        <h1 class="text-2xl font-semibold">"Organisation settings"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(s) => view! { <SettingsView settings=s save /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-red-800">{error.message}</p> }.into_any(),
                }
            })}
        </Transition>
        // Its own resource, beside the one above rather than inside its suspense.
        <ProctoringSettingsSection />
    }
}

#[component]
fn SettingsView(settings: TenantSettings, save: ServerAction<SetImageHosts>) -> impl IntoView {
    let s = settings;
    let hosts = s.image_hosts.as_slice().join("\n");
    let error = action_error(save.value());
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    view! {
        <dl class="mt-4 grid max-w-2xl grid-cols-1 gap-x-6 gap-y-3 rounded-lg border border-slate-200 bg-white p-6 sm:grid-cols-[max-content_1fr]">
            <dt class="font-medium">"Name"</dt><dd>{s.name}</dd>
            <dt class="font-medium">"Short name (for sign-in)"</dt><dd><code>{s.slug}</code></dd>
            <dt class="font-medium">"Tenant id (for the API)"</dt><dd><code data-testid="tenant-id">{s.id.to_string()}</code></dd>
            <dt class="font-medium">"Status"</dt><dd>{s.status.as_str()}</dd>
            <dt class="font-medium">"Users"</dt><dd>{format!("{} of at most {}", s.user_count, s.max_users)}</dd>
            <dt class="font-medium">"API rate limit"</dt>
            <dd>{format!("{} requests a minute, {} an hour", s.requests_per_minute, s.requests_per_hour)}</dd>
        </dl>
        <p class="mt-2 text-sm text-slate-700">"Limits are set by the platform operator."</p>
        <section class="mt-8 max-w-2xl" aria-labelledby="image-hosts-heading">
            <h2 id="image-hosts-heading" class="text-xl font-semibold">"Images in lessons"</h2>
            <p class="mt-1 text-slate-800">
                "Lesson images load over https only. To let them load only from hosts you trust, list those hosts; leave the list empty to allow any https host. An image from any other host is shown as its text alternative."
            </p>
            <ActionForm action=save attr:class="mt-3">
                <label for="image-hosts" class="font-medium">"Allowed image hosts (one per line)"</label>
                <textarea
                    id="image-hosts"
                    name="image_hosts"
                    rows="4"
                    class=INPUT_CLASS
                    aria-describedby="image-hosts-help"
                    placeholder="images.example.org"
                >{hosts}</textarea>
                <p id="image-hosts-help" class="mt-1 text-sm text-slate-700">
                    "A name such as images.example.org, or *.example.org for a domain and its subdomains."
                </p>
                <FormError error />
                <ul class="text-sm text-red-800" data-testid="image-host-errors">
                    {move || error.get().map(|e| e.details.iter().map(|d| {
                        view! { <li>{line_of(&d.field)} {d.message.clone()}</li> }
                    }).collect_view())}
                </ul>
                <button type="submit" class=format!("mt-3 {BUTTON_CLASS}")>"Save image hosts"</button>
                <p role="status" class="mt-2 text-green-900">{move || saved().then_some("Saved.")}</p>
            </ActionForm>
        </section>
    }
}

/// "Line 2:" for `image_hosts[1]`, the way the admin counts the lines they typed.
fn line_of(field: &str) -> String {
    field
        .strip_prefix("image_hosts[")
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|i| i.parse::<usize>().ok())
        .map(|i| format!("Line {}:", i + 1))
        .unwrap_or_default()
}
