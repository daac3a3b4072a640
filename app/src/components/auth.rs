//! The signed-in user as the pages see it, refreshed whenever someone signs in or out.

use domain::dto::SessionUser;
use domain::Role;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::api::auth::{current_user, SignIn, SignOut};
use crate::error::AppError;

#[derive(Clone, Copy)]
pub struct Auth {
    pub user: Resource<Result<Option<SessionUser>, AppError>>,
    pub sign_in: ServerAction<SignIn>,
    pub sign_out: ServerAction<SignOut>,
}

pub fn provide_auth() {
    let sign_in = ServerAction::<SignIn>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let user = Resource::new(
        move || (sign_in.version().get(), sign_out.version().get()),
        |_| current_user(),
    );
    provide_context(Auth {
        user,
        sign_in,
        sign_out,
    });
}

/// Shows `children` to a signed-in user whose role is at least `min_role`; sends others to sign
/// in, and tells a signed-in user without the role that the page is not theirs.
#[component]
pub fn RequireRole(min_role: Role, children: ChildrenFn) -> impl IntoView {
    let auth = crate::use_auth();
    let location = use_location();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="p-6 text-slate-700">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) if user.role.at_least(min_role) => children.read_value()().into_any(),
                    Ok(Some(_)) => view! { <Forbidden /> }.into_any(),
                    Ok(None) => {
                        let next = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
                        let path = format!("/sign-in?next={}", urlencode(&next));
                        view! { <Redirect path /> }.into_any()
                    }
                    Err(error) => view! { <p role="alert" class="p-6 text-red-800">{error.message}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Forbidden() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <section class="mx-auto max-w-xl p-6">
            <h1 class="text-2xl font-semibold">"Not available to your role"</h1>
            <p class="mt-2 text-slate-700">"This page is for other roles. If you need access, ask an admin of your organisation."</p>
        </section>
    }
}

/// Percent-encodes a query value.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
