use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::tenant::get_tenant_settings;
use crate::components::auth::RequireRole;

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
    let settings = Resource::new(|| (), |_| get_tenant_settings());
    view! {
        <h1 class="text-2xl font-semibold">"Organisation settings"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(s) => view! {
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
                    }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-red-800">{error.message}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
