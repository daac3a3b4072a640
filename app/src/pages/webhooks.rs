//! The "Webhooks" page for tenant admins: the endpoints that receive the organisation's events, a
//! notice for any Lectern turned off, and the actions on each (test, turn off or on, rotate the
//! signing secret, delete); adding one shows its secret once. Each endpoint's page has its log.

use domain::webhook::{IssuedWebhookSecret, WebhookEndpointView, ALL_EVENTS};
use domain::{DomainEvent, Role};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::webhooks::{
    list_webhooks, CreateWebhook, DeleteWebhook, RotateWebhookSecret, SendTestEvent, UpdateWebhook,
};
use crate::components::auth::RequireRole;
use crate::components::form::{action_error, BoundField, FormError, BUTTON_CLASS};
use crate::components::secret::SecretOnce;
use crate::components::table::DataTable;
use crate::error::AppError;

pub(crate) const SMALL_BUTTON: &str = "rounded border border-slate-400 px-2 py-1 hover:bg-slate-100 focus:outline-none focus:ring-2 focus:ring-blue-700";

#[component]
pub fn WebhooksPage() -> impl IntoView {
    view! {
        <Title text="Webhooks" />
        <RequireRole min_role=Role::Admin>
            <WebhooksView />
        </RequireRole>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    create: ServerAction<CreateWebhook>,
    toggle: ServerAction<UpdateWebhook>,
    rotate: ServerAction<RotateWebhookSecret>,
    delete: ServerAction<DeleteWebhook>,
    test: ServerAction<SendTestEvent>,
}

#[component]
fn WebhooksView() -> impl IntoView {
    let actions = Actions {
        create: ServerAction::new(),
        toggle: ServerAction::new(),
        rotate: ServerAction::new(),
        delete: ServerAction::new(),
        test: ServerAction::new(),
    };
    let endpoints = Resource::new(
        move || {
            (
                actions.create.version().get(),
                actions.toggle.version().get(),
                actions.rotate.version().get(),
                actions.delete.version().get(),
            )
        },
        |_| list_webhooks(),
    );
    let fresh = RwSignal::new(None::<IssuedWebhookSecret>);
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
        action_error(actions.toggle.value())
            .get()
            .or_else(|| action_error(actions.rotate.value()).get())
            .or_else(|| action_error(actions.delete.value()).get())
            .or_else(|| action_error(actions.test.value()).get())
    });
    let tested = move || {
        actions.test.value().get().and_then(Result::ok).map(|delivery| {
            let href = format!("/admin/webhooks/{}", delivery.endpoint_id);
            view! {
                <p class="mt-4 rounded border border-green-300 bg-green-50 px-3 py-2 text-green-900" data-testid="test-queued">
                    "A test event is on its way. " <a class="underline" href=href>"See its delivery"</a> "."
                </p>
            }
        })
    };
    view! {
        <h1 class="text-2xl font-semibold">"Webhooks"</h1>
        <p class="mt-1 max-w-3xl text-slate-700">
            "Lectern sends the organisation's events (a course published, a user added, an attempt graded…) to the addresses below as they happen, signed as the Standard Webhooks specification says. A receiver that does not answer with a 2xx is tried again for about a day."
        </p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match endpoints.await {
                    Ok(list) => view! { <Disabled endpoints=list.clone() /> <Endpoints endpoints=list actions /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-red-800">{error.message}</p> }.into_any(),
                }
            })}
        </Transition>
        <div role="status" aria-live="polite">{tested}</div>
        <FreshSecret issued=fresh />
        <FormError error=row_error />
        <NewEndpointForm action=actions.create />
    }
}

/// The in-app notice of endpoints Lectern turned off because they failed for days.
#[component]
fn Disabled(endpoints: Vec<WebhookEndpointView>) -> impl IntoView {
    let off: Vec<WebhookEndpointView> = endpoints
        .into_iter()
        .filter(|e| e.disabled_reason.is_some())
        .collect();
    (!off.is_empty()).then(|| view! {
        <section class="mt-4 max-w-3xl rounded-lg border border-amber-500 bg-amber-50 p-4" aria-labelledby="disabled-heading" data-testid="disabled-notice">
            <h2 id="disabled-heading" class="font-semibold">"Lectern turned off an endpoint"</h2>
            <ul class="mt-1 list-disc pl-5 text-slate-900">
                {off.into_iter().map(|e| view! {
                    <li><code>{e.url.clone()}</code>": " {e.disabled_reason.clone().unwrap_or_default()}</li>
                }).collect_view()}
            </ul>
        </section>
    })
}

#[component]
fn Endpoints(endpoints: Vec<WebhookEndpointView>, actions: Actions) -> impl IntoView {
    let body = if endpoints.is_empty() {
        view! { <p class="mt-3 text-slate-700" data-testid="no-webhooks">"No endpoint yet. Add one below."</p> }.into_any()
    } else {
        view! {
            <DataTable caption="Webhook endpoints of this organisation" columns=vec!["Address", "Events", "State", "Actions"] margin="mt-3">
                {endpoints.into_iter().map(|endpoint| view! { <EndpointRow endpoint actions /> }).collect_view()}
            </DataTable>
        }
        .into_any()
    };
    view! {
        <section class="mt-8" aria-labelledby="endpoints-heading">
            <h2 id="endpoints-heading" class="text-lg font-semibold">"Endpoints"</h2>
            {body}
        </section>
    }
}

/// The events an endpoint subscribes to, in words.
pub(crate) fn events_text(events: &[String]) -> String {
    if events.iter().any(|e| e == ALL_EVENTS) {
        "All events".to_string()
    } else {
        events.join(", ")
    }
}

#[component]
fn EndpointRow(endpoint: WebhookEndpointView, actions: Actions) -> impl IntoView {
    let id = endpoint.id;
    let href = format!("/admin/webhooks/{id}");
    let overlap_id = format!("overlap-{id}");
    let address = endpoint.url.clone();
    let shown = endpoint.url.clone();
    let enabled = endpoint.enabled;
    let state = match (enabled, endpoint.disabled_reason.is_some()) {
        (true, _) => "On",
        (false, true) => "Off (turned off by Lectern)",
        (false, false) => "Off",
    };
    let toggle = move |_: leptos::ev::MouseEvent| {
        let patch = domain::webhook::WebhookEndpointPatch {
            enabled: Some(!enabled),
            ..Default::default()
        };
        actions.toggle.dispatch(UpdateWebhook { id, patch });
    };
    // Deleting cannot be undone and ends the deliveries at once: ask first.
    let delete = move |_: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            let question = format!("Delete the endpoint {address}? Its log goes with it.");
            if window().confirm_with_message(&question).unwrap_or(false) {
                actions.delete.dispatch(DeleteWebhook { id });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &address;
    };
    let test = move |_: leptos::ev::MouseEvent| {
        actions.test.dispatch(SendTestEvent { id });
    };
    let test_label = format!("Send a test event to {shown}");
    let toggle_label = format!("Turn {} {shown}", if enabled { "off" } else { "on" });
    let overlap_label = format!("How long the old secret of {shown} keeps signing");
    let rotate_label = format!("Rotate the signing secret of {shown}");
    let delete_label = format!("Delete {shown}");
    view! {
        <tr class="border-t border-slate-200 align-top" data-testid="webhook-row">
            <td class="px-4 py-2">
                <a class="font-medium text-blue-800 underline" href=href><code class="break-all">{shown}</code></a>
                {(!endpoint.description.is_empty()).then(|| view! { <p class="text-slate-700">{endpoint.description.clone()}</p> })}
            </td>
            <td class="px-4 py-2">{events_text(&endpoint.events)}</td>
            <td class="px-4 py-2" data-testid="webhook-state">{state}</td>
            <td class="px-4 py-2">
                <div class="flex flex-wrap items-center gap-2">
                    <button type="button" on:click=test class=SMALL_BUTTON aria-label=test_label>"Send test"</button>
                    <button type="button" on:click=toggle class=SMALL_BUTTON aria-label=toggle_label>
                        {if enabled { "Turn off" } else { "Turn on" }}
                    </button>
                    <ActionForm action=actions.rotate attr:class="flex items-center gap-1">
                        <input type="hidden" name="id" value=id.to_string() />
                        <label for=overlap_id.clone() class="sr-only">{overlap_label}</label>
                        <select id=overlap_id name="overlap_seconds" class="rounded border border-slate-400 px-2 py-1">
                            <option value="86400">"Old secret signs 1 more day"</option>
                            <option value="3600">"Old secret signs 1 more hour"</option>
                            <option value="604800">"Old secret signs 7 more days"</option>
                            <option value="0">"Old secret stops now"</option>
                        </select>
                        <button type="submit" class=SMALL_BUTTON aria-label=rotate_label>"Rotate secret"</button>
                    </ActionForm>
                    <button type="button" on:click=delete class=SMALL_BUTTON aria-label=delete_label>"Delete"</button>
                </div>
            </td>
        </tr>
    }
}

/// The signing secret of an endpoint just added or rotated.
#[component]
fn FreshSecret(#[prop(into)] issued: Signal<Option<IssuedWebhookSecret>>) -> impl IntoView {
    view! {
        <div role="status" aria-live="polite">
            {move || issued.get().map(|issued| view! {
                <SecretOnce
                    heading=format!("The signing secret of {}", issued.endpoint.url)
                    note="Give it to the receiver to verify signatures."
                    secret=issued.secret
                    what="the signing secret"
                />
            })}
        </div>
    }
}

/// Which events an endpoint takes: all of them (the default, types added later included), or the
/// ones ticked.
#[component]
pub(crate) fn EventsField(
    all: RwSignal<bool>,
    chosen: RwSignal<Vec<String>>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let message = Signal::derive(move || error.get().and_then(|e| e.field("events")));
    view! {
        <fieldset class="mb-4" aria-describedby=move || message.get().map(|_| "events-error")>
            <legend class="font-medium">"Events"</legend>
            <label class="mt-1 flex items-center gap-2">
                <input type="checkbox" prop:checked=move || all.get() on:change=move |ev| all.set(event_target_checked(&ev)) data-testid="all-events" />
                "All events, including types added later"
            </label>
            <div class="mt-1 grid grid-cols-1 gap-1 pl-6 sm:grid-cols-2">
                {DomainEvent::TYPES.iter().map(|event| {
                    let event = event.to_string();
                    let (name, checked) = (event.clone(), event.clone());
                    view! {
                        <label class="flex items-center gap-2">
                            <input
                                type="checkbox"
                                prop:disabled=move || all.get()
                                prop:checked=move || chosen.get().contains(&checked)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|list| {
                                        list.retain(|e| *e != name);
                                        if on {
                                            list.push(name.clone());
                                        }
                                    });
                                }
                            />
                            <code>{event}</code>
                        </label>
                    }
                }).collect_view()}
            </div>
            <Show when=move || message.get().is_some()>
                <p id="events-error" class="mt-1 text-sm text-red-800">{move || message.get()}</p>
            </Show>
        </fieldset>
    }
}

/// The events the field's state stands for.
pub(crate) fn chosen_events(all: bool, chosen: Vec<String>) -> Vec<String> {
    if all {
        vec![ALL_EVENTS.to_string()]
    } else {
        chosen
    }
}

#[component]
fn NewEndpointForm(action: ServerAction<CreateWebhook>) -> impl IntoView {
    let error: Signal<Option<AppError>> = action_error(action.value());
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let all = RwSignal::new(true);
    let chosen = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            url.set(String::new());
            description.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(CreateWebhook {
            url: url.get_untracked(),
            description: Some(description.get_untracked()),
            events: chosen_events(all.get_untracked(), chosen.get_untracked()),
        });
    };
    view! {
        <section class="mt-8 max-w-xl rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="new-webhook-heading">
            <h2 id="new-webhook-heading" class="text-lg font-semibold">"Add an endpoint"</h2>
            <FormError error=Signal::derive(move || error.get().filter(|e| e.details.is_empty())) />
            <form on:submit=submit>
                <BoundField name="url" label="Address" hint="An https address on the internet, such as https://example.org/hooks/lectern." value=url required=true error />
                <BoundField name="description" label="Description (optional)" hint="What receives the events, such as “CRM sync”." value=description error />
                <EventsField all chosen error />
                <button type="submit" class=BUTTON_CLASS>"Add endpoint"</button>
            </form>
        </section>
    }
}
