//! The frame of every page: a header with the organisation, the navigation that fits the role and
//! the signed-in user; the page; a footer. A skip link lets keyboard users go straight to the page.

use domain::dto::SessionUser;
use domain::Role;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::use_auth;

/// The links a role sees, in order.
pub fn nav_links(role: Role) -> Vec<(&'static str, &'static str)> {
    let mut links = vec![
        ("/", "Home"),
        ("/courses", "Catalog"),
        ("/my/courses", "My courses"),
    ];
    match role {
        Role::Student => {}
        Role::Teacher => {
            links.push(("/teach", "Teach"));
            links.push(("/admin/users", "People"));
        }
        Role::Admin => {
            links.push(("/teach", "Teach"));
            links.push(("/admin/users", "Users"));
            links.push(("/admin/api", "API"));
            links.push(("/admin/webhooks", "Webhooks"));
            links.push(("/admin/audit", "Audit log"));
            links.push(("/admin/settings", "Settings"));
        }
    }
    links
}

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let auth = use_auth();
    view! {
        <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-10 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-blue-800">
            "Skip to content"
        </a>
        <div class="flex min-h-screen flex-col">
            <header class="border-b border-slate-200 bg-white">
                <div class="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
                    <A href="/" attr:class="text-lg font-bold text-blue-800">"Lectern"</A>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match auth.user.await {
                                Ok(Some(user)) => view! { <SignedInHeader user /> }.into_any(),
                                _ => view! {
                                    <nav aria-label="Account" class="ml-auto">
                                        <A href="/sign-in" attr:class="rounded px-3 py-2 font-medium text-blue-800 hover:bg-blue-50">"Sign in"</A>
                                    </nav>
                                }.into_any(),
                            }
                        })}
                    </Transition>
                </div>
            </header>
            <main id="main" tabindex="-1" class="mx-auto w-full max-w-6xl flex-1 px-4 py-6">
                {children()}
            </main>
            <footer class="border-t border-slate-200 bg-white">
                <div class="mx-auto flex max-w-6xl flex-wrap gap-x-6 gap-y-1 px-4 py-4 text-sm text-slate-700">
                    <span>"Lectern " {env!("CARGO_PKG_VERSION")}</span>
                    <a class="underline hover:text-blue-800" href="/v1">"API"</a>
                </div>
            </footer>
        </div>
    }
}

#[component]
fn SignedInHeader(user: SessionUser) -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    let links = nav_links(user.role);
    view! {
        <span class="text-slate-700" data-testid="tenant-name">{user.tenant_name.clone()}</span>
        <nav aria-label="Main" class="order-last w-full sm:order-none sm:w-auto">
            <ul class="flex flex-wrap gap-1">
                {links
                    .into_iter()
                    .map(|(href, label)| {
                        let current = move || {
                            let path = location.pathname.get();
                            let within = href != "/" && path.strip_prefix(href).is_some_and(|rest| rest.starts_with('/'));
                            if path == href {
                                Some("page")
                            } else if within {
                                Some("true")
                            } else {
                                None
                            }
                        };
                        view! {
                            <li>
                                <a
                                    href=href
                                    aria-current=current
                                    class="block rounded px-3 py-2 text-slate-800 hover:bg-slate-100 aria-[current=page]:bg-blue-50 aria-[current=page]:font-semibold aria-[current=page]:text-blue-900 aria-[current=true]:bg-blue-50 aria-[current=true]:text-blue-900"
                                >
                                    {label}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
        <div class="ml-auto flex items-center gap-3">
            <span class="text-sm">
                <span class="font-medium" data-testid="user-name">{user.name.clone()}</span>
                " "
                <span class="rounded bg-slate-100 px-2 py-0.5 text-xs font-semibold uppercase tracking-wide text-slate-800" data-testid="user-role">
                    {user.role.label()}
                </span>
            </span>
            <ActionForm action=auth.sign_out>
                <button type="submit" class="rounded border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 focus:outline-none focus:ring-2 focus:ring-blue-700">
                    "Sign out"
                </button>
            </ActionForm>
        </div>
    }
}
