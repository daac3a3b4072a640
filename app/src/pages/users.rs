//! The tenant's users: search, filter and page through them; admins invite, change roles and
//! deactivate. Teachers see the list read-only.

use domain::dto::{Page, UserQuery, UserView};
use domain::{Role, UserStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::api::users::{list_users, ChangeRole, CreateUser, SetUserStatus};
use crate::components::auth::{urlencode, RequireRole};
use crate::components::course::Pagination;
use crate::components::form::{action_error, Field, FormError, BUTTON_CLASS, INPUT_CLASS};
use crate::components::table::DataTable;

#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <Title text="Users" />
        <RequireRole min_role=Role::Teacher>
            <Users />
        </RequireRole>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    create: ServerAction<CreateUser>,
    change_role: ServerAction<ChangeRole>,
    set_status: ServerAction<SetUserStatus>,
}

#[component]
fn Users() -> impl IntoView {
    let auth = crate::use_auth();
    let is_admin = move || {
        auth.user
            .get()
            .and_then(|r| r.ok())
            .flatten()
            .is_some_and(|u| u.role == Role::Admin)
    };
    let actions = Actions {
        create: ServerAction::<CreateUser>::new(),
        change_role: ServerAction::<ChangeRole>::new(),
        set_status: ServerAction::<SetUserStatus>::new(),
    };
    let query = use_query_map();
    let filters = move || {
        let q = query.read();
        UserQuery {
            q: q.get("q").filter(|s| !s.is_empty()),
            role: q.get("role").and_then(|r| Role::parse("role", &r).ok()),
            status: q
                .get("status")
                .and_then(|s| UserStatus::parse("status", &s).ok()),
            page: q.get("page").and_then(|p| p.parse().ok()),
            per_page: None,
        }
    };
    let versions = move || {
        (
            actions.create.version().get(),
            actions.change_role.version().get(),
            actions.set_status.version().get(),
        )
    };
    let users = Resource::new(
        move || (filters(), versions()),
        |(f, _)| list_users(f.q, f.role, f.status, f.page, f.per_page),
    );
    let change_error = Signal::derive(move || {
        action_error(actions.change_role.value())
            .get()
            .or_else(|| action_error(actions.set_status.value()).get())
    });
    view! {
        <div class="flex flex-wrap items-baseline justify-between gap-2">
            <h1 class="text-2xl font-semibold">"Users"</h1>
        </div>
        <SearchForm filters=Signal::derive(filters) />
        <FormError error=change_error />
        <Transition fallback=|| view! { <p>"Loading users…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(page) => view! { <UserTable page actions is_admin=is_admin() base=filter_query(&filters()) /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-red-800">{error.message}</p> }.into_any(),
                }
            })}
        </Transition>
        <Show when=is_admin>
            <InviteForm action=actions.create />
        </Show>
    }
}

/// The filters as a query string without the page, for the page links.
fn filter_query(filters: &UserQuery) -> String {
    [
        filters.q.as_ref().map(|q| format!("q={}", urlencode(q))),
        filters.role.map(|r| format!("role={r}")),
        filters.status.map(|s| format!("status={s}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("&")
}

#[component]
fn SearchForm(filters: Signal<UserQuery>) -> impl IntoView {
    let current = filters.get_untracked();
    let role = current.role;
    view! {
        <Form method="GET" action="" attr:class="mt-4 flex flex-wrap items-end gap-3" attr:role="search" attr:aria-label="Filter users">
            <div>
                <label for="user-search" class="block text-sm font-medium">"Name or email"</label>
                <input id="user-search" type="search" name="q" value=current.q.clone().unwrap_or_default() class=INPUT_CLASS />
            </div>
            <div>
                <label for="user-role-filter" class="block text-sm font-medium">"Role"</label>
                <select id="user-role-filter" name="role" class=INPUT_CLASS>
                    <option value="" selected=role.is_none()>"Any role"</option>
                    {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=role == Some(*r)>{r.label()}</option> }).collect_view()}
                </select>
            </div>
            <button type="submit" class=BUTTON_CLASS>"Search"</button>
        </Form>
    }
}

#[component]
fn UserTable(
    page: Page<UserView>,
    actions: Actions,
    is_admin: bool,
    /// The filters, kept by the page links.
    base: String,
) -> impl IntoView {
    if page.items.is_empty() {
        return view! { <p class="mt-6 text-slate-700" data-testid="no-users">"No user matches these filters."</p> }.into_any();
    }
    let (current, total_pages, total) = (page.page, page.total_pages(), page.total);
    let mut columns = vec!["Name", "Email", "Role", "Status", "Last sign-in"];
    if is_admin {
        columns.push("Actions");
    }
    view! {
        <DataTable caption="Users of this organisation" columns>
            {page.items.into_iter().map(|user| view! { <UserRow user actions is_admin /> }).collect_view()}
        </DataTable>
        <Pagination page=current total_pages total noun="users" base />
    }
    .into_any()
}

#[component]
fn UserRow(user: UserView, actions: Actions, is_admin: bool) -> impl IntoView {
    let id = user.id.to_string();
    let status_form_id = id.clone();
    let role_select_id = format!("role-{id}");
    let (next_status, status_label) = match user.status {
        UserStatus::Active => ("deactivated", format!("Deactivate {}", user.name)),
        UserStatus::Deactivated => ("active", format!("Reactivate {}", user.name)),
    };
    let button_text = if user.status == UserStatus::Active {
        "Deactivate"
    } else {
        "Reactivate"
    };
    view! {
        <tr class="border-t border-slate-200" data-testid="user-row">
            <td class="px-4 py-2 font-medium">{user.name.clone()}</td>
            <td class="px-4 py-2">{user.email.clone()}</td>
            <td class="px-4 py-2">{user.role.label()}</td>
            <td class="px-4 py-2">{user.status.as_str()}</td>
            <td class="px-4 py-2">{user.last_sign_in_at.clone().unwrap_or_else(|| "never".into())}</td>
            {is_admin.then(|| view! {
                <td class="px-4 py-2">
                    <div class="flex flex-wrap items-center gap-2">
                        <ActionForm action=actions.change_role attr:class="flex items-center gap-1">
                            <input type="hidden" name="id" value=id.clone() />
                            <label for=role_select_id.clone() class="sr-only">{format!("Role of {}", user.name)}</label>
                            <select id=role_select_id.clone() name="role" class="rounded border border-slate-400 px-2 py-1">
                                {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == user.role>{r.label()}</option> }).collect_view()}
                            </select>
                            <button type="submit" class="rounded border border-slate-400 px-2 py-1 hover:bg-slate-100">"Change role"</button>
                        </ActionForm>
                        <ActionForm action=actions.set_status>
                            <input type="hidden" name="id" value=status_form_id.clone() />
                            <input type="hidden" name="status" value=next_status />
                            <button type="submit" aria-label=status_label class="rounded border border-slate-400 px-2 py-1 hover:bg-slate-100">{button_text}</button>
                        </ActionForm>
                    </div>
                </td>
            })}
        </tr>
    }
}

#[component]
fn InviteForm(action: ServerAction<CreateUser>) -> impl IntoView {
    let error = action_error(action.value());
    let created = move || action.value().get().and_then(|r| r.ok());
    view! {
        <section class="mt-8 max-w-xl rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="invite-heading">
            <h2 id="invite-heading" class="text-lg font-semibold">"Add a user"</h2>
            <p class="mb-4 text-sm text-slate-700">"Leave the password empty to send an invitation by mail instead."</p>
            <div role="status" aria-live="polite">
                {move || created().map(|user| view! {
                    <p class="mb-4 rounded border border-green-300 bg-green-50 px-3 py-2 text-green-900" data-testid="user-created">
                        {format!("{} ({}) was added.", user.name, user.email)}
                    </p>
                })}
            </div>
            <FormError error=Signal::derive(move || error.get().filter(|e| e.details.is_empty())) />
            <ActionForm action>
                <Field name="name" label="Name" autocomplete="off" required=true error />
                <Field name="email" label="Email" kind="email" autocomplete="off" required=true error />
                <div class="mb-4">
                    <label for="field-role" class="block font-medium">"Role"</label>
                    <select id="field-role" name="role" class=INPUT_CLASS>
                        {Role::ALL.iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
                    </select>
                </div>
                <Field name="password" label="Password (optional)" kind="password" autocomplete="new-password" error />
                <button type="submit" class=BUTTON_CLASS>"Add user"</button>
            </ActionForm>
        </section>
    }
}
