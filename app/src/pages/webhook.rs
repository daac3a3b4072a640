//! One webhook endpoint for its tenant's admins: its settings to edit, and its delivery log
//! (status, attempts, the last answer's status, latency and the start of its body), newest first,
//! with "Redeliver" on each finished delivery.

use domain::dto::CursorPage;
use domain::webhook::{
    DeliveryStatus, WebhookDeliveryView, WebhookEndpointPatch, WebhookEndpointView, ALL_EVENTS,
};
use domain::{Role, WebhookDeliveryId, WebhookEndpointId};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::webhooks::{chosen_events, events_text, EventsField, SMALL_BUTTON};
use crate::api::webhooks::{get_webhook, list_deliveries, Redeliver, SendTestEvent, UpdateWebhook};
use crate::components::auth::RequireRole;
use crate::components::form::{action_error, BoundField, FormError, BUTTON_CLASS};
use crate::components::table::DataTable;
use crate::error::AppError;

#[component]
pub fn WebhookPage() -> impl IntoView {
    view! {
        <Title text="Webhook endpoint" />
        <RequireRole min_role=Role::Admin>
            <WebhookView />
        </RequireRole>
    }
}

#[component]
fn WebhookView() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<WebhookEndpointId>().ok())
    };
    let update = ServerAction::<UpdateWebhook>::new();
    let endpoint = Resource::new(
        move || (id(), update.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_webhook(id).await,
                None => Err(AppError::new(
                    domain::ErrorCode::NotFound,
                    "No such webhook endpoint.",
                )),
            }
        },
    );
    view! {
        <p><a class="text-blue-800 underline" href="/admin/webhooks">"← Webhooks"</a></p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match endpoint.await {
                    Ok(endpoint) => view! {
                        <h1 class="mt-2 text-2xl font-semibold break-all">{endpoint.url.clone()}</h1>
                        <p class="text-slate-700">{format!("{} · {}", events_text(&endpoint.events), if endpoint.enabled { "on" } else { "off" })}</p>
                        {endpoint.disabled_reason.clone().map(|reason| view! {
                            <p class="mt-2 max-w-3xl rounded border border-amber-500 bg-amber-50 px-3 py-2" role="note">{reason}</p>
                        })}
                        <Log endpoint=endpoint.id />
                        <EditForm endpoint=endpoint.clone() update />
                    }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-red-800">{error.message}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn EditForm(endpoint: WebhookEndpointView, update: ServerAction<UpdateWebhook>) -> impl IntoView {
    let error: Signal<Option<AppError>> = action_error(update.value());
    let url = RwSignal::new(endpoint.url.clone());
    let description = RwSignal::new(endpoint.description.clone());
    let all = RwSignal::new(endpoint.events.iter().any(|e| e == ALL_EVENTS));
    let chosen = RwSignal::new(
        endpoint
            .events
            .iter()
            .filter(|e| *e != ALL_EVENTS)
            .cloned()
            .collect::<Vec<_>>(),
    );
    let enabled = RwSignal::new(endpoint.enabled);
    let id = endpoint.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let patch = WebhookEndpointPatch {
            url: Some(url.get_untracked()),
            description: Some(description.get_untracked()),
            events: Some(chosen_events(all.get_untracked(), chosen.get_untracked())),
            enabled: Some(enabled.get_untracked()),
        };
        update.dispatch(UpdateWebhook { id, patch });
    };
    let saved = move || matches!(update.value().get(), Some(Ok(_))).then_some("Saved.");
    view! {
        <section class="mt-8 max-w-xl rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="edit-heading">
            <h2 id="edit-heading" class="text-lg font-semibold">"Settings"</h2>
            <FormError error=Signal::derive(move || error.get().filter(|e| e.details.is_empty())) />
            <form on:submit=submit>
                <BoundField name="url" label="Address" value=url required=true error />
                <BoundField name="description" label="Description" value=description error />
                <EventsField all chosen error />
                <label class="mb-4 flex items-center gap-2">
                    <input type="checkbox" prop:checked=move || enabled.get() on:change=move |ev| enabled.set(event_target_checked(&ev)) />
                    "On: send events to this address"
                </label>
                <button type="submit" class=BUTTON_CLASS>"Save"</button>
                <span role="status" class="ml-3 text-green-900">{saved}</span>
            </form>
        </section>
    }
}

#[component]
fn Log(endpoint: WebhookEndpointId) -> impl IntoView {
    let redeliver = ServerAction::<Redeliver>::new();
    let test = ServerAction::<SendTestEvent>::new();
    let refresh = RwSignal::new(0u32);
    // The pages read so far, by cursor; "Show older" adds the next.
    let cursors = RwSignal::new(vec![None::<WebhookDeliveryId>]);
    let pages = Resource::new(
        move || {
            (
                cursors.get(),
                refresh.get(),
                redeliver.version().get(),
                test.version().get(),
            )
        },
        move |(cursors, _, _, _)| async move {
            let mut pages: Vec<CursorPage<WebhookDeliveryView>> = Vec::new();
            for cursor in cursors {
                pages.push(list_deliveries(endpoint, cursor).await?);
            }
            Ok::<_, AppError>(pages)
        },
    );
    let error = Signal::derive(move || {
        action_error(redeliver.value())
            .get()
            .or_else(|| action_error(test.value()).get())
    });
    view! {
        <section class="mt-8" aria-labelledby="log-heading">
            <div class="flex flex-wrap items-center gap-3">
                <h2 id="log-heading" class="text-lg font-semibold">"Deliveries"</h2>
                <button type="button" class=SMALL_BUTTON on:click=move |_| refresh.update(|n| *n += 1)>"Refresh"</button>
                <button type="button" class=SMALL_BUTTON on:click=move |_| { test.dispatch(SendTestEvent { id: endpoint }); }>"Send test event"</button>
            </div>
            <FormError error />
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match pages.await {
                        Ok(pages) => {
                            let next = pages.last().and_then(|p| p.next_cursor.clone());
                            let rows: Vec<WebhookDeliveryView> = pages.into_iter().flat_map(|p| p.items).collect();
                            if rows.is_empty() {
                                return view! { <p class="mt-3 text-slate-700" data-testid="no-deliveries">"Nothing sent yet. Events appear here as they are delivered; send a test event to try the receiver."</p> }.into_any();
                            }
                            view! {
                                <DataTable caption="Deliveries to this endpoint, newest first" columns=vec!["Queued", "Event", "Status", "Attempts", "Answer", "Latency", "Actions"] margin="mt-3">
                                    {rows.into_iter().map(|delivery| view! { <DeliveryRow delivery redeliver /> }).collect_view()}
                                </DataTable>
                                {next.and_then(|c| c.parse::<WebhookDeliveryId>().ok()).map(|cursor| view! {
                                    <button type="button" class=format!("mt-3 {SMALL_BUTTON}") on:click=move |_| cursors.update(|list| list.push(Some(cursor)))>"Show older deliveries"</button>
                                })}
                            }.into_any()
                        }
                        Err(error) => view! { <p role="alert" class="text-red-800">{error.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn moment(rfc3339: &str) -> String {
    rfc3339.replace('T', " ").chars().take(19).collect()
}

#[component]
fn DeliveryRow(delivery: WebhookDeliveryView, redeliver: ServerAction<Redeliver>) -> impl IntoView {
    let status = match delivery.status {
        DeliveryStatus::Pending => match &delivery.next_attempt_at {
            Some(next) if delivery.attempts > 0 => format!("retrying at {}", moment(next)),
            _ => "sending".to_string(),
        },
        DeliveryStatus::Succeeded => "delivered".to_string(),
        DeliveryStatus::Failed => "failed".to_string(),
    };
    let answer = match (delivery.response_status, &delivery.error) {
        (Some(code), _) => code.to_string(),
        (None, Some(error)) => error.clone(),
        (None, None) => "—".to_string(),
    };
    let id = delivery.id;
    let finished = delivery.status != DeliveryStatus::Pending;
    let label = format!(
        "Redeliver the {} event queued {}",
        delivery.event_type,
        moment(&delivery.created_at)
    );
    view! {
        <tr class="border-t border-slate-200 align-top" data-testid="delivery-row">
            <td class="px-4 py-2 whitespace-nowrap">{moment(&delivery.created_at)}</td>
            <td class="px-4 py-2"><code>{delivery.event_type.clone()}</code><br /><code class="text-xs text-slate-700">{delivery.event_id.to_string()}</code></td>
            <td class="px-4 py-2" data-testid="delivery-status">{status}</td>
            <td class="px-4 py-2">{delivery.attempts}</td>
            <td class="px-4 py-2">
                {answer}
                {delivery.response_body.clone().filter(|b| !b.is_empty()).map(|body| view! {
                    <details class="mt-1"><summary class="cursor-pointer text-blue-800">"Body"</summary><pre class="mt-1 max-w-md overflow-x-auto whitespace-pre-wrap rounded bg-slate-100 p-2 text-xs">{body}</pre></details>
                })}
            </td>
            <td class="px-4 py-2">{delivery.latency_ms.map(|ms| format!("{ms} ms")).unwrap_or_else(|| "—".into())}</td>
            <td class="px-4 py-2">
                {finished.then(|| view! {
                    <button type="button" class=SMALL_BUTTON aria-label=label on:click=move |_| { redeliver.dispatch(Redeliver { id }); }>"Redeliver"</button>
                })}
            </td>
        </tr>
    }
}
