//! A course as a learner sees it: its outline, their progress, and enrolling or leaving.

use std::collections::HashSet;

use domain::course::{EnrollmentStatus, LearnerCourseView, ModuleView};
use domain::{CourseId, CourseStatus, LessonId, Role};
use leptos::prelude::*;
use leptos_meta::Title;

use super::course_quiz_list::{course_quizzes, CourseQuizList, QuizzesResource};
use crate::api::learning::{learner_course, Enroll, Leave};
use crate::components::auth::RequireRole;
use crate::components::course::{
    cover_class, not_found, route_id, ProgressBar, LINK_CLASS, SMALL_BUTTON,
};
use crate::components::form::{action_error, FormError, BUTTON_CLASS};
use crate::error::AppError;

#[component]
pub fn CoursePage() -> impl IntoView {
    view! {
        <Title text="Course" />
        <RequireRole min_role=Role::Student>
            <Course />
        </RequireRole>
    }
}

#[component]
fn Course() -> impl IntoView {
    let id = route_id::<CourseId>();
    let enroll = ServerAction::<Enroll>::new();
    let leave = ServerAction::<Leave>::new();
    let course = Resource::new(
        move || (id.get(), enroll.version().get(), leave.version().get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => learner_course(id).await,
                None => Err(not_found()),
            }
        },
    );
    let quizzes = course_quizzes(id);
    let error = Signal::derive(move || {
        action_error(enroll.value())
            .get()
            .or_else(|| action_error(leave.value()).get())
    });
    view! {
        <Transition fallback=|| view! { <p>"Loading the course…"</p> }>
            {move || Suspend::new(async move {
                match course.await {
                    Ok(course) => view! { <CourseDetails course quizzes enroll leave error /> }.into_any(),
                    Err(error) => view! {
                        <h1 class="text-2xl font-semibold">"Course not available"</h1>
                        <p role="alert" class="mt-2 text-red-800">{error.message}</p>
                        <p class="mt-4"><a class=LINK_CLASS href="/courses">"Back to the catalog"</a></p>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CourseDetails(
    course: LearnerCourseView,
    quizzes: QuizzesResource,
    enroll: ServerAction<Enroll>,
    leave: ServerAction<Leave>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let LearnerCourseView {
        course,
        enrollment,
        completed_lessons,
        can_edit,
    } = course;
    let enrollment = enrollment.filter(|e| e.status != EnrollmentStatus::Withdrawn);
    let enrolled = enrollment.is_some();
    let done: HashSet<LessonId> = completed_lessons.into_iter().collect();
    let modules = course.modules.clone().unwrap_or_default();
    let next_lesson = modules
        .iter()
        .flat_map(|m| m.lessons.iter())
        .find(|l| !done.contains(&l.id))
        .or_else(|| modules.iter().flat_map(|m| m.lessons.iter()).next())
        .map(|l| l.id);
    let id = course.id.to_string();
    let form_id = id.clone();
    let action_area = match &enrollment {
        Some(enrollment) => {
            let label = if enrollment.completed_lessons == 0 { "Start the course" } else { "Continue" };
            view! {
                <ProgressBar done=enrollment.completed_lessons total=enrollment.total_lessons name="Course progress" testid="course-progress" />
                {(enrollment.status == EnrollmentStatus::Completed).then(|| view! {
                    <p class="mt-2 font-medium text-green-900">"You have completed this course."</p>
                })}
                <div class="mt-4 flex flex-wrap items-center gap-3">
                    {next_lesson.map(|lesson| view! {
                        <a class=BUTTON_CLASS href=format!("/lessons/{lesson}")>{label}</a>
                    })}
                    <ActionForm action=leave>
                        <input type="hidden" name="course_id" value=form_id.clone() />
                        <button type="submit" class=SMALL_BUTTON>"Leave course"</button>
                    </ActionForm>
                </div>
            }
            .into_any()
        }
        None if course.self_enrollment && course.status == CourseStatus::Published => view! {
            <ActionForm action=enroll attr:class="mt-4">
                <input type="hidden" name="course_id" value=form_id.clone() />
                <button type="submit" class=BUTTON_CLASS>"Enrol"</button>
            </ActionForm>
        }
        .into_any(),
        None if course.status == CourseStatus::Published => view! {
            <p class="mt-4 rounded border border-slate-300 bg-slate-50 px-3 py-2 text-slate-800" data-testid="enrolment-closed">
                "Learners cannot enrol themselves in this course: a teacher enrols them. Ask your teacher if you want to join."
            </p>
        }
        .into_any(),
        None => view! {
            <p class="mt-4 rounded border border-amber-400 bg-amber-50 px-3 py-2 text-amber-950">
                {format!("This course is {}: learners cannot see or join it.", course.status.as_str())}
            </p>
        }
        .into_any(),
    };
    let open_lessons = enrolled || can_edit;
    view! {
        <Title text=course.title.clone() />
        <article>
            <div class=format!("h-3 max-w-3xl rounded {}", cover_class(course.cover_color))></div>
            <div class="mt-4 flex flex-wrap items-baseline justify-between gap-3">
                <h1 class="text-2xl font-semibold">{course.title.clone()}</h1>
                {can_edit.then(|| view! {
                    <a class=LINK_CLASS href=format!("/teach/courses/{id}")>"Edit course"</a>
                })}
            </div>
            <p class="mt-2 max-w-3xl text-slate-800">{course.summary.clone()}</p>
            <FormError error />
            <section class="mt-4" aria-label="Your enrolment">{action_area}</section>
            <section class="mt-8" aria-labelledby="outline-heading">
                <h2 id="outline-heading" class="text-lg font-semibold">"Outline"</h2>
                {if modules.is_empty() {
                    view! { <p class="mt-2 text-slate-700">"This course has no lessons yet."</p> }.into_any()
                } else {
                    view! {
                        <ol class="mt-2 space-y-4">
                            {modules.into_iter().map(|module| view! {
                                <OutlineModule module done=done.clone() enrolled open_lessons />
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }}
            </section>
            <CourseQuizList quizzes />
        </article>
    }
}

#[component]
fn OutlineModule(
    module: ModuleView,
    done: HashSet<LessonId>,
    enrolled: bool,
    open_lessons: bool,
) -> impl IntoView {
    let total = module.lessons.len();
    let finished = module
        .lessons
        .iter()
        .filter(|l| done.contains(&l.id))
        .count();
    let heading_id = format!("module-{}", module.id);
    view! {
        <li class="rounded-lg border border-slate-200 bg-white p-4" data-testid="outline-module">
            <h3 id=heading_id.clone() class="font-semibold">{module.title}</h3>
            {enrolled.then(|| view! {
                <p class="text-sm text-slate-700" data-testid="module-progress">
                    {format!("{finished} of {total} lessons done")}
                </p>
            })}
            {if module.lessons.is_empty() {
                view! { <p class="mt-2 text-sm text-slate-700">"No lessons yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="mt-2 list-decimal space-y-1 pl-6" aria-labelledby=heading_id>
                        {module.lessons.into_iter().map(|lesson| {
                            let complete = done.contains(&lesson.id);
                            let title = if open_lessons {
                                view! { <a class=LINK_CLASS href=format!("/lessons/{}", lesson.id)>{lesson.title}</a> }.into_any()
                            } else {
                                view! { <span>{lesson.title}</span> }.into_any()
                            };
                            view! {
                                <li data-testid="outline-lesson">
                                    {title}
                                    {complete.then(|| view! {
                                        <span class="ml-2 rounded bg-green-100 px-1.5 py-0.5 text-xs font-semibold text-green-900">"Done"</span>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </li>
    }
}
