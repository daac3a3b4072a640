//! The home page: a greeting, the way to the learner's courses and the catalog, and the published courses.

use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::learning::catalog;
use crate::components::auth::RequireRole;
use crate::components::course::LINK_CLASS;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Home" />
        <RequireRole min_role=Role::Student>
            <Welcome />
        </RequireRole>
    }
}

#[component]
fn Welcome() -> impl IntoView {
    let auth = crate::use_auth();
    let courses = Resource::new(|| (), |_| catalog(None, None));
    let greeting = move || {
        auth.user
            .get()
            .and_then(|r| r.ok())
            .flatten()
            .map(|u| format!("Welcome, {}", u.name))
            .unwrap_or_default()
    };
    view! {
        <h1 class="text-2xl font-semibold">{greeting}</h1>
        <p class="mt-2 flex flex-wrap gap-4">
            <a class=LINK_CLASS href="/my/courses">"My courses"</a>
            <a class=LINK_CLASS href="/courses">"Browse the catalog"</a>
        </p>
        <h2 class="mt-6 text-lg font-semibold">"Courses"</h2>
        <Suspense fallback=|| view! { <p>"Loading courses…"</p> }>
            {move || Suspend::new(async move {
                match courses.await {
                    Ok(page) if page.items.is_empty() => view! {
                        <p class="mt-2 text-slate-700">"No course is published yet."</p>
                    }.into_any(),
                    Ok(page) => view! {
                        <ul class="mt-2 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
                            {page.items.into_iter().map(|course| view! {
                                <li class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
                                    <h3 class="font-semibold">
                                        <a class=LINK_CLASS href=format!("/courses/{}", course.id)>{course.title}</a>
                                    </h3>
                                    <p class="mt-1 text-sm text-slate-700">{course.summary}</p>
                                    <p class="mt-2 text-xs text-slate-700">{match course.lesson_count { 1 => "1 lesson".to_string(), n => format!("{n} lessons") }}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-red-800">{error.message}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
