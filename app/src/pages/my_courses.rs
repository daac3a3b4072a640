//! "My courses": the learner's enrolments with their progress.

use domain::course::{EnrollmentStatus, MyCourse};
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::learning::my_courses;
use crate::components::auth::RequireRole;
use crate::components::course::{cover_class, ProgressBar, LINK_CLASS};

#[component]
pub fn MyCoursesPage() -> impl IntoView {
    view! {
        <Title text="My courses" />
        <RequireRole min_role=Role::Student>
            <MyCourses />
        </RequireRole>
    }
}

#[component]
fn MyCourses() -> impl IntoView {
    let courses = Resource::new(|| (), |_| my_courses());
    view! {
        <h1 class="text-2xl font-semibold">"My courses"</h1>
        <Suspense fallback=|| view! { <p class="mt-4">"Loading your courses…"</p> }>
            {move || Suspend::new(async move {
                match courses.await {
                    Ok(list) if list.is_empty() => view! {
                        <div class="mt-4" data-testid="no-enrolments">
                            <p class="text-slate-700">"You are not enrolled in any course yet."</p>
                            <p class="mt-2"><a class=LINK_CLASS href="/courses">"Browse the catalog"</a></p>
                        </div>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="mt-4 grid gap-4 sm:grid-cols-2">
                            {list.into_iter().map(|course| view! { <MyCourseCard course /> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <p role="alert" class="mt-4 text-red-800">{error.message}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn MyCourseCard(course: MyCourse) -> impl IntoView {
    let status = match course.status {
        EnrollmentStatus::Active => "In progress",
        EnrollmentStatus::Completed => "Completed",
        EnrollmentStatus::Withdrawn => "Left",
    };
    view! {
        <li class="overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm" data-testid="my-course">
            <div class=format!("h-3 {}", cover_class(course.cover_color))></div>
            <div class="p-4">
                <h2 class="font-semibold">
                    <a class=LINK_CLASS href=format!("/courses/{}", course.course_id)>{course.title.clone()}</a>
                </h2>
                <p class="mt-1 text-sm text-slate-700">{format!("Status: {status}")}</p>
                <ProgressBar
                    done=course.completed_lessons
                    total=course.total_lessons
                    name=format!("Progress in {}", course.title)
                    testid="my-course-progress"
                />
            </div>
        </li>
    }
}
