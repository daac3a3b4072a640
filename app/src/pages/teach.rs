//! The authoring home for teachers and admins: every course of the organisation, filtered by
//! status and searched, and the form that starts a new course.

use domain::course::CourseView;
use domain::dto::Page;
use domain::{CourseStatus, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::courses::{teaching_courses, CreateCourse};
use crate::components::auth::{urlencode, RequireRole};
use crate::components::course::{Pagination, LINK_CLASS};
use crate::components::form::{
    action_error, Field, FormError, TextArea, BUTTON_CLASS, INPUT_CLASS,
};
use crate::components::table::DataTable;

#[component]
pub fn TeachPage() -> impl IntoView {
    view! {
        <Title text="Teach" />
        <RequireRole min_role=Role::Teacher>
            <Teach />
        </RequireRole>
    }
}

#[component]
fn Teach() -> impl IntoView {
    let query = use_query_map();
    let filters = move || {
        let query = query.read();
        (
            query.get("q").filter(|q| !q.trim().is_empty()),
            query
                .get("status")
                .and_then(|s| CourseStatus::parse("status", &s).ok()),
            query.get("page").and_then(|p| p.parse::<u32>().ok()),
        )
    };
    let courses = Resource::new(filters, |(q, status, page)| async move {
        let base = [
            q.as_ref().map(|q| format!("q={}", urlencode(q))),
            status.map(|s| format!("status={s}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("&");
        (base, teaching_courses(q, status, page).await)
    });
    let (initial_q, initial_status) = {
        let query = query.read_untracked();
        (
            query.get("q").unwrap_or_default(),
            query
                .get("status")
                .and_then(|s| CourseStatus::parse("status", &s).ok()),
        )
    };
    view! {
        <h1 class="text-2xl font-semibold">"Teach"</h1>
        <Form method="GET" action="" attr:class="mt-4 flex flex-wrap items-end gap-3" attr:role="search" attr:aria-label="Filter courses">
            <div>
                <label for="teach-search" class="block text-sm font-medium">"Title or summary"</label>
                <input id="teach-search" type="search" name="q" maxlength="200" value=initial_q class=INPUT_CLASS />
            </div>
            <div>
                <label for="teach-status" class="block text-sm font-medium">"Status"</label>
                <select id="teach-status" name="status" class=INPUT_CLASS>
                    <option value="" selected=initial_status.is_none()>"Any status"</option>
                    {CourseStatus::ALL.iter().map(|s| view! {
                        <option value=s.as_str() selected=initial_status == Some(*s)>{status_label(*s)}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class=BUTTON_CLASS>"Filter"</button>
        </Form>
        <Transition fallback=|| view! { <p class="mt-6">"Loading courses…"</p> }>
            {move || Suspend::new(async move {
                let (base, result) = courses.await;
                match result {
                    Ok(page) => view! { <CourseTable page base /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="mt-6 text-red-800">{error.message}</p> }.into_any(),
                }
            })}
        </Transition>
        <NewCourseForm />
    }
}

pub fn status_label(status: CourseStatus) -> &'static str {
    match status {
        CourseStatus::Draft => "Draft",
        CourseStatus::Published => "Published",
        CourseStatus::Archived => "Archived",
    }
}

#[component]
fn CourseTable(page: Page<CourseView>, base: String) -> impl IntoView {
    if page.items.is_empty() {
        return view! {
            <p class="mt-6 text-slate-700" data-testid="no-courses">"No course matches these filters. Start one below."</p>
        }
        .into_any();
    }
    let (current, total_pages, total) = (page.page, page.total_pages(), page.total);
    let estimate = page.total_is_estimate;
    view! {
        <DataTable caption="Courses of this organisation" columns=vec!["Title", "Status", "Modules", "Lessons", "Updated"]>
            {page.items.into_iter().map(|course| view! {
                <tr class="border-t border-slate-200" data-testid="teach-row">
                    <td class="px-4 py-2 font-medium">
                        <a class=LINK_CLASS href=format!("/teach/courses/{}", course.id)>{course.title}</a>
                    </td>
                    <td class="px-4 py-2">{status_label(course.status)}</td>
                    <td class="px-4 py-2">{course.module_count}</td>
                    <td class="px-4 py-2">{course.lesson_count}</td>
                    <td class="px-4 py-2">{short_date(&course.updated_at)}</td>
                </tr>
            }).collect_view()}
        </DataTable>
        <Pagination page=current total_pages total noun="courses" base estimate />
    }
    .into_any()
}

/// The date part of an RFC 3339 timestamp.
pub fn short_date(timestamp: &str) -> String {
    timestamp.get(..10).unwrap_or(timestamp).to_string()
}

/// Makes a draft course, then opens its editor.
#[component]
fn NewCourseForm() -> impl IntoView {
    let create = ServerAction::<CreateCourse>::new();
    let error = action_error(create.value());
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(course)) = create.value().get() {
            navigate(&format!("/teach/courses/{}", course.id), Default::default());
        }
    });
    view! {
        <section class="mt-8 max-w-xl rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="new-course-heading">
            <h2 id="new-course-heading" class="text-lg font-semibold">"New course"</h2>
            <p class="mb-4 text-sm text-slate-700">"The course starts as a draft that only staff see."</p>
            <FormError error=Signal::derive(move || error.get().filter(|e| e.details.is_empty())) />
            <ActionForm action=create>
                <Field name="title" label="Title" autocomplete="off" required=true error />
                <TextArea name="summary" label="Summary (optional)" rows=3 error />
                <button type="submit" class=BUTTON_CLASS>"Create course"</button>
            </ActionForm>
        </section>
    }
}
