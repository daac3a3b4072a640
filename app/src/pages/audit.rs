//! The tenant's audit log for its admins: who did what, when, from where; filtered by action,
//! actor and dates, newest first, page by page.

use domain::dto::{AuditEventView, CursorPage};
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::api::audit::audit_log;
use crate::components::auth::{urlencode, RequireRole};
use crate::components::form::{BUTTON_CLASS, INPUT_CLASS};
use crate::components::table::DataTable;

#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <Title text="Audit log" />
        <RequireRole min_role=Role::Admin>
            <AuditLog />
        </RequireRole>
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Filters {
    action: Option<String>,
    actor: Option<String>,
    since: Option<String>,
    until: Option<String>,
    cursor: Option<String>,
}

impl Filters {
    /// The query string of these filters with another cursor.
    fn with_cursor(&self, cursor: &str) -> String {
        let pairs = [
            ("action", &self.action),
            ("actor", &self.actor),
            ("since", &self.since),
            ("until", &self.until),
        ];
        let mut query: Vec<String> = pairs
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", urlencode(v))))
            .collect();
        query.push(format!("cursor={}", urlencode(cursor)));
        format!("?{}", query.join("&"))
    }
}

#[component]
fn AuditLog() -> impl IntoView {
    let query = use_query_map();
    let filters = move || {
        let q = query.read();
        let get = |name: &str| q.get(name).filter(|v| !v.trim().is_empty());
        Filters {
            action: get("action"),
            actor: get("actor"),
            since: get("since"),
            until: get("until"),
            cursor: get("cursor"),
        }
    };
    let entries = Resource::new(filters, |f| {
        audit_log(f.action, f.actor, f.since, f.until, f.cursor)
    });
    view! {
        <h1 class="text-2xl font-semibold">"Audit log"</h1>
        <p class="mt-1 max-w-3xl text-slate-700">"Every administrative change and security event of this organisation, newest first. Entries cannot be edited or deleted."</p>
        <FilterForm current=filters() />
        <Transition fallback=|| view! { <p>"Loading entries…"</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok(page) => view! { <Entries page filters=filters() /> }.into_any(),
                    Err(error) => {
                        let messages: Vec<String> = if error.details.is_empty() {
                            vec![error.message.clone()]
                        } else {
                            error.details.iter().map(|d| format!("{}: {}", d.field, d.message)).collect()
                        };
                        view! {
                            <div role="alert" class="mt-4 rounded border border-red-300 bg-red-50 px-3 py-2 text-red-900" data-testid="form-error">
                                {messages.into_iter().map(|m| view! { <p>{m}</p> }).collect_view()}
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn FilterForm(current: Filters) -> impl IntoView {
    let field = |id: &'static str,
                 name: &'static str,
                 label: &'static str,
                 kind: &'static str,
                 value: Option<String>,
                 hint: &'static str| {
        let hint_id = format!("{id}-hint");
        view! {
            <div>
                <label for=id class="block text-sm font-medium">{label}</label>
                <input id=id name=name type=kind value=value.unwrap_or_default() aria-describedby=hint_id.clone() class=INPUT_CLASS />
                <p id=hint_id class="text-xs text-slate-700">{hint}</p>
            </div>
        }
    };
    view! {
        <Form method="GET" action="" attr:class="mt-4 flex flex-wrap items-start gap-3" attr:role="search" attr:aria-label="Filter the audit log">
            {field("audit-action", "action", "Action", "text", current.action, "Such as user.role_changed, or api_key. for a family")}
            {field("audit-actor", "actor", "Actor id", "text", current.actor, "A user (usr_…) or key (key_…)")}
            {field("audit-since", "since", "From", "date", current.since, "Inclusive")}
            {field("audit-until", "until", "Before", "date", current.until, "Exclusive")}
            <button type="submit" class=format!("{BUTTON_CLASS} mt-6")>"Filter"</button>
        </Form>
    }
}

#[component]
fn Entries(page: CursorPage<AuditEventView>, filters: Filters) -> impl IntoView {
    if page.items.is_empty() {
        return view! { <p class="mt-6 text-slate-700" data-testid="no-entries">"No entry matches these filters."</p> }.into_any();
    }
    let older = page.next_cursor.map(|cursor| filters.with_cursor(&cursor));
    let newest = filters.cursor.is_some().then(|| {
        let mut first = filters.clone();
        first.cursor = None;
        let query = first.with_cursor("");
        query
            .trim_end_matches("cursor=")
            .trim_end_matches('&')
            .to_string()
    });
    view! {
        <DataTable caption="Audit log entries, newest first" columns=vec!["Time (UTC)", "Action", "Actor", "Target", "From", "Details"]>
            {page.items.into_iter().map(|entry| view! { <EntryRow entry /> }).collect_view()}
        </DataTable>
        <nav aria-label="Audit log pages" class="mt-3 flex gap-4 text-sm">
            {newest.map(|href| view! { <a class="text-blue-800 underline" href=href>"Newest entries"</a> })}
            {older.map(|href| view! { <a class="text-blue-800 underline" href=href>"Older entries"</a> })}
        </nav>
    }
    .into_any()
}

#[component]
fn EntryRow(entry: AuditEventView) -> impl IntoView {
    let time = entry
        .created_at
        .replace('T', " ")
        .trim_end_matches('Z')
        .chars()
        .take(19)
        .collect::<String>();
    let actor = match (&entry.actor_name, &entry.actor_id) {
        (Some(name), _) if entry.actor_type == "api_key" => format!("{name} (API key)"),
        (Some(name), _) => name.clone(),
        (None, Some(id)) => id.clone(),
        (None, None) => "—".to_string(),
    };
    let target = match (&entry.target_type, &entry.target_id) {
        (Some(kind), Some(id)) => format!("{kind} {id}"),
        _ => "—".to_string(),
    };
    let details = if entry.data.as_object().is_some_and(|o| o.is_empty()) {
        String::new()
    } else {
        entry.data.to_string()
    };
    view! {
        <tr class="border-t border-slate-200 align-top" data-testid="audit-row">
            <td class="whitespace-nowrap px-4 py-2">{time}</td>
            <td class="px-4 py-2"><code>{entry.action.clone()}</code></td>
            <td class="px-4 py-2">{actor}</td>
            <td class="px-4 py-2 break-all">{target}</td>
            <td class="px-4 py-2">{entry.ip.clone().unwrap_or_default()}</td>
            <td class="px-4 py-2 break-all font-mono text-xs">{details}</td>
        </tr>
    }
}
