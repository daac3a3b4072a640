use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::dev::mailbox;

/// Mails Lectern would have sent (password resets, invitations) while no SMTP server is set.
#[component]
pub fn MailboxPage() -> impl IntoView {
    let mails = Resource::new(|| (), |_| mailbox());
    view! {
        <Title text="Developer mailbox" />
        <h1 class="text-2xl font-semibold">"Developer mailbox"</h1>
        <p class="mt-1 text-slate-700">"No SMTP server is configured, so mails are kept here instead of being sent."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match mails.await {
                    Ok(None) => view! { <p class="mt-4">"The developer mailbox is off: Lectern sends mail through SMTP or is served beyond this machine."</p> }.into_any(),
                    Ok(Some(list)) if list.is_empty() => view! { <p class="mt-4">"No mail yet."</p> }.into_any(),
                    Ok(Some(list)) => view! {
                        <ol class="mt-4 space-y-4">
                            {list.into_iter().map(|mail| view! {
                                <li class="rounded-lg border border-slate-200 bg-white p-4" data-testid="mail">
                                    <h2 class="font-semibold">{mail.subject}</h2>
                                    <p class="text-sm text-slate-700">"To " <span data-testid="mail-to">{mail.to}</span> " · " {mail.created_at}</p>
                                    <pre class="mt-2 whitespace-pre-wrap break-words text-sm" data-testid="mail-body">{mail.body_text}</pre>
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-red-800">{error.message}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
