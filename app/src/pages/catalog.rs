//! The catalog: published courses as cards, searched by words in their titles and summaries, with
//! title suggestions offered while the learner types.

use std::time::Duration;

use domain::course::CourseView;
use domain::dto::Page;
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::api::learning::{catalog, SuggestCourses};
use crate::components::auth::{urlencode, RequireRole};
use crate::components::course::{cover_class, lessons_label, Pagination, LINK_CLASS};
use crate::components::form::{BUTTON_CLASS, INPUT_CLASS};
use crate::error::AppError;

#[component]
pub fn CatalogPage() -> impl IntoView {
    view! {
        <Title text="Catalog" />
        <RequireRole min_role=Role::Student>
            <Catalog />
        </RequireRole>
    }
}

#[component]
fn Catalog() -> impl IntoView {
    let query = use_query_map();
    let search = move || {
        let query = query.read();
        (
            query.get("q").filter(|q| !q.trim().is_empty()),
            query.get("page").and_then(|p| p.parse::<u32>().ok()),
        )
    };
    let courses = Resource::new(search, |(q, page)| async move {
        let result = catalog(q.clone(), page).await;
        (q, result)
    });
    view! {
        <h1 class="text-2xl font-semibold">"Catalog"</h1>
        <SearchForm initial=query.read_untracked().get("q").unwrap_or_default() />
        <Transition fallback=|| view! { <p class="mt-6">"Loading courses…"</p> }>
            {move || Suspend::new(async move {
                let (q, result) = courses.await;
                match result {
                    Ok(page) => view! { <Results page q /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="mt-6 text-red-800">{error.message}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A GET form, so results have an address; the datalist fills in after hydration.
#[component]
fn SearchForm(initial: String) -> impl IntoView {
    let suggest = ServerAction::<SuggestCourses>::new();
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
        if text.trim().chars().count() < 2 {
            return;
        }
        let handle = set_timeout_with_handle(
            move || {
                suggest.dispatch(SuggestCourses { q: text });
            },
            Duration::from_millis(200),
        );
        timer.set_value(handle.ok());
    };
    let suggestions = move || {
        suggest
            .value()
            .get()
            .and_then(Result::<Vec<String>, AppError>::ok)
            .unwrap_or_default()
    };
    view! {
        <Form method="GET" action="" attr:class="mt-4 flex flex-wrap items-end gap-3" attr:role="search" attr:aria-label="Catalog search">
            <div class="w-full max-w-md">
                <label for="catalog-search" class="block text-sm font-medium">"Search courses"</label>
                <input
                    id="catalog-search"
                    type="search"
                    name="q"
                    maxlength="200"
                    value=initial
                    list="catalog-suggestions"
                    autocomplete="off"
                    class=INPUT_CLASS
                    on:input=on_input
                />
                <datalist id="catalog-suggestions" data-testid="catalog-suggestions">
                    <For each=suggestions key=|title| title.clone() let:title>
                        <option value=title></option>
                    </For>
                </datalist>
            </div>
            <button type="submit" class=BUTTON_CLASS>"Search"</button>
        </Form>
    }
}

#[component]
fn Results(page: Page<CourseView>, q: Option<String>) -> impl IntoView {
    if page.items.is_empty() {
        return match q {
            Some(q) => view! {
                <div class="mt-6" data-testid="no-courses">
                    <p class="text-slate-700">{format!("No course matches “{q}”.")}</p>
                    <p class="mt-2"><a class=LINK_CLASS href="/courses">"Show all courses"</a></p>
                </div>
            }
            .into_any(),
            None => view! {
                <p class="mt-6 text-slate-700" data-testid="no-courses">"No course is published yet."</p>
            }
            .into_any(),
        };
    }
    let base = q
        .map(|q| format!("q={}", urlencode(&q)))
        .unwrap_or_default();
    let (current, total_pages, total) = (page.page, page.total_pages(), page.total);
    let estimate = page.total_is_estimate;
    view! {
        <ul class="mt-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {page.items.into_iter().map(|course| view! { <CourseCard course /> }).collect_view()}
        </ul>
        <Pagination page=current total_pages total noun="courses" base estimate />
    }
    .into_any()
}

#[component]
fn CourseCard(course: CourseView) -> impl IntoView {
    let href = format!("/courses/{}", course.id);
    view! {
        <li class="overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm" data-testid="course-card">
            <div class=format!("h-3 {}", cover_class(course.cover_color))></div>
            <div class="p-4">
                <h2 class="font-semibold">
                    <a class="text-blue-800 underline-offset-2 hover:underline focus:outline-none focus:ring-2 focus:ring-blue-700" href=href>
                        {course.title}
                    </a>
                </h2>
                <p class="mt-1 text-sm text-slate-700">{course.summary}</p>
                <p class="mt-2 text-xs text-slate-700">{lessons_label(course.lesson_count)}</p>
            </div>
        </li>
    }
}
