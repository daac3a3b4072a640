//! The "API" page for tenant admins: where and how to connect (tenant id, base URL, a curl example),
//! and the tenant's keys: make one (its secret shown once), rotate, revoke.

use domain::dto::{ApiKeyView, IssuedApiKey};
use domain::{ApiKeyStatus, Role};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::keys::{get_api_access, ApiAccess, CreateApiKey, RevokeApiKey, RotateApiKey};
use crate::components::auth::RequireRole;
use crate::components::copy::CopyButton;
use crate::components::form::{action_error, Field, FormError, BUTTON_CLASS, INPUT_CLASS};
use crate::components::secret::SecretOnce;
use crate::components::table::DataTable;
use crate::error::AppError;

const SMALL_BUTTON: &str = "rounded border border-slate-400 px-2 py-1 hover:bg-slate-100 focus:outline-none focus:ring-2 focus:ring-blue-700";

#[component]
pub fn ApiAccessPage() -> impl IntoView {
    view! {
        <Title text="API" />
        <RequireRole min_role=Role::Admin>
            <ApiAccessView />
        </RequireRole>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    create: ServerAction<CreateApiKey>,
    rotate: ServerAction<RotateApiKey>,
    revoke: ServerAction<RevokeApiKey>,
}

#[component]
fn ApiAccessView() -> impl IntoView {
    let actions = Actions {
        create: ServerAction::<CreateApiKey>::new(),
        rotate: ServerAction::<RotateApiKey>::new(),
        revoke: ServerAction::<RevokeApiKey>::new(),
    };
    let access = Resource::new(
        move || {
            (
                actions.create.version().get(),
                actions.rotate.version().get(),
                actions.revoke.version().get(),
            )
        },
        |_| get_api_access(),
    );
    // The newest secret from a creation or a rotation, whichever answered last.
    let fresh = RwSignal::new(None::<IssuedApiKey>);
    Effect::new(move |_| {
        if let Some(Ok(issued)) = actions.create.value().get() {
            fresh.set(Some(issued));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(issued)) = actions.rotate.value().get() {
            fresh.set(Some(issued));
        }
    });
    let row_error = Signal::derive(move || {
        action_error(actions.rotate.value())
            .get()
            .or_else(|| action_error(actions.revoke.value()).get())
    });
    view! {
        <h1 class="text-2xl font-semibold">"API"</h1>
        <p class="mt-1 max-w-3xl text-slate-700">
            "Programs reach Lectern's REST API with a key of this organisation. Each key acts with the role you give it."
        </p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match access.await {
                    Ok(access) => view! { <Connect access=access.clone() /> <Keys keys=access.keys actions /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-red-800">{error.message}</p> }.into_any(),
                }
            })}
        </Suspense>
        <FreshSecret issued=fresh />
        <FormError error=row_error />
        <NewKeyForm action=actions.create />
    }
}

#[component]
fn Connect(access: ApiAccess) -> impl IntoView {
    let curl = format!(
        "curl {}/users \\\n  -H \"Authorization: Bearer ck_live_…\" \\\n  -H \"X-Tenant-Id: {}\"",
        access.base_url, access.tenant_id
    );
    let curl_text = curl.clone();
    view! {
        <section class="mt-6 max-w-3xl rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="connect-heading">
            <h2 id="connect-heading" class="text-lg font-semibold">"Connect"</h2>
            <dl class="mt-3 grid grid-cols-1 gap-x-6 gap-y-2 sm:grid-cols-[max-content_1fr]">
                <dt class="font-medium">"Base URL"</dt>
                <dd><code data-testid="api-base-url">{access.base_url.clone()}</code></dd>
                <dt class="font-medium">"Tenant id (X-Tenant-Id)"</dt>
                <dd><code data-testid="api-tenant-id">{access.tenant_id.to_string()}</code></dd>
            </dl>
            <h3 class="mt-4 font-medium">"Example"</h3>
            <pre class="mt-2 overflow-x-auto rounded bg-slate-900 p-3 text-sm text-slate-50" data-testid="curl-example"><code>{curl}</code></pre>
            <div class="mt-2"><CopyButton text=Signal::derive(move || curl_text.clone()) what="the example" /></div>
            <p class="mt-3 text-sm text-slate-700">
                "The reference of every endpoint: " <a class="text-blue-800 underline" href="/docs">"API documentation"</a> "."
            </p>
        </section>
    }
}

#[component]
fn Keys(keys: Vec<ApiKeyView>, actions: Actions) -> impl IntoView {
    let body = if keys.is_empty() {
        view! { <p class="mt-3 text-slate-700" data-testid="no-keys">"No key yet. Make one below."</p> }.into_any()
    } else {
        view! {
            <DataTable caption="API keys of this organisation" columns=vec!["Name", "Role", "Key", "Status", "Last used", "Expires", "Actions"] margin="mt-3">
                {keys.into_iter().map(|key| view! { <KeyRow key actions /> }).collect_view()}
            </DataTable>
        }
        .into_any()
    };
    view! {
        <section class="mt-8" aria-labelledby="keys-heading">
            <h2 id="keys-heading" class="text-lg font-semibold">"Keys"</h2>
            {body}
        </section>
    }
}

fn day(rfc3339: &Option<String>, none: &str) -> String {
    rfc3339
        .as_deref()
        .map(|t| t.chars().take(10).collect())
        .unwrap_or_else(|| none.to_string())
}

#[component]
fn KeyRow(key: ApiKeyView, actions: Actions) -> impl IntoView {
    let id = key.id.to_string();
    let active = key.status == ApiKeyStatus::Active;
    let overlap_id = format!("overlap-{id}");
    let key_id = key.id;
    let name = key.name.clone();
    let overlap_label = format!("When the old secret of {} stops working", key.name);
    let rotate_label = format!("Rotate {}", key.name);
    let revoke_label = format!("Revoke {}", key.name);
    // Revoking cannot be undone and stops the programs using the key at once: ask first.
    let revoke = move |_: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            let question =
                format!("Revoke the key “{name}”? Programs using it stop working at once.");
            if window().confirm_with_message(&question).unwrap_or(false) {
                actions.revoke.dispatch(RevokeApiKey { id: key_id });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&name, key_id);
    };
    view! {
        <tr class="border-t border-slate-200" data-testid="key-row">
            <td class="px-4 py-2 font-medium">{key.name.clone()}</td>
            <td class="px-4 py-2">{key.role.label()}</td>
            <td class="px-4 py-2"><code>{format!("{}…", key.prefix)}</code></td>
            <td class="px-4 py-2">{key.status.as_str()}</td>
            <td class="px-4 py-2">{day(&key.last_used_at, "never")}</td>
            <td class="px-4 py-2">{day(&key.expires_at, "never")}</td>
            <td class="px-4 py-2">
                {active.then(|| view! {
                    <div class="flex flex-wrap items-center gap-2">
                        <ActionForm action=actions.rotate attr:class="flex items-center gap-1">
                            <input type="hidden" name="id" value=id.clone() />
                            <label for=overlap_id.clone() class="sr-only">{overlap_label}</label>
                            <select id=overlap_id.clone() name="overlap_seconds" class="rounded border border-slate-400 px-2 py-1">
                                <option value="0">"Old secret stops now"</option>
                                <option value="3600">"Old secret works 1 more hour"</option>
                                <option value="86400">"Old secret works 1 more day"</option>
                                <option value="604800">"Old secret works 7 more days"</option>
                            </select>
                            <button type="submit" class=SMALL_BUTTON aria-label=rotate_label>"Rotate"</button>
                        </ActionForm>
                        <button type="button" on:click=revoke class=SMALL_BUTTON aria-label=revoke_label>"Revoke"</button>
                    </div>
                })}
            </td>
        </tr>
    }
}

/// The secret of a key just made or rotated.
#[component]
fn FreshSecret(#[prop(into)] issued: Signal<Option<IssuedApiKey>>) -> impl IntoView {
    view! {
        <div role="status" aria-live="polite">
            {move || issued.get().map(|issued| view! {
                <SecretOnce
                    heading=format!("The secret of “{}”", issued.key.name)
                    note="Keep it safe."
                    secret=issued.secret
                    what="the secret"
                />
            })}
        </div>
    }
}

#[component]
fn NewKeyForm(action: ServerAction<CreateApiKey>) -> impl IntoView {
    let error: Signal<Option<AppError>> = action_error(action.value());
    view! {
        <section class="mt-8 max-w-xl rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="new-key-heading">
            <h2 id="new-key-heading" class="text-lg font-semibold">"Make a key"</h2>
            <FormError error=Signal::derive(move || error.get().filter(|e| e.details.is_empty())) />
            <ActionForm action>
                <Field name="name" label="Name" hint="What uses it, such as “HR sync”." autocomplete="off" required=true error />
                <div class="mb-4">
                    <label for="field-key-role" class="block font-medium">"Acts as"</label>
                    <select id="field-key-role" name="role" class=INPUT_CLASS>
                        {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == Role::Teacher>{r.label()}</option> }).collect_view()}
                    </select>
                </div>
                <Field name="expires_at" label="Expires (optional)" kind="date" hint="The key works through this day (UTC). Leave empty for no expiry." error />
                <button type="submit" class=BUTTON_CLASS>"Make key"</button>
            </ActionForm>
        </section>
    }
}
