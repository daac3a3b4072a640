//! One lesson as a learner reads it: where it sits, its content, marking it complete, and the
//! way to the previous and next lessons.

use domain::course::{LessonGateView, LessonPage as Page, LessonPageView as Lesson};
use domain::{LessonId, Role};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::learning::{lesson_page, CompleteLesson, Enroll};
use crate::components::auth::RequireRole;
use crate::components::course::{not_found, route_id, ProgressBar, RenderedBlocks, LINK_CLASS};
use crate::components::form::{action_error, FormError, BUTTON_CLASS};

#[component]
pub fn LessonPage() -> impl IntoView {
    view! {
        <Title text="Lesson" />
        <RequireRole min_role=Role::Student>
            <LessonView />
        </RequireRole>
    }
}

#[component]
fn LessonView() -> impl IntoView {
    let id = route_id::<LessonId>();
    let complete = ServerAction::<CompleteLesson>::new();
    let enroll = ServerAction::<Enroll>::new();
    let lesson = Resource::new(
        move || (id.get(), complete.version().get(), enroll.version().get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => lesson_page(id).await,
                None => Err(not_found()),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading the lesson…"</p> }>
            {move || Suspend::new(async move {
                match lesson.await {
                    Ok(Page::Open(lesson)) => view! { <LessonContent lesson complete /> }.into_any(),
                    Ok(Page::NeedsEnrollment(gate)) => view! { <LessonGate gate enroll /> }.into_any(),
                    Err(error) => view! {
                        <h1 class="text-2xl font-semibold">"Lesson not available"</h1>
                        <p role="alert" class="mt-2 text-red-800">{error.message}</p>
                        <p class="mt-4"><a class=LINK_CLASS href="/my/courses">"Back to my courses"</a></p>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A lesson of a course the learner sees but has not joined: say so, and offer the way in.
#[component]
fn LessonGate(gate: LessonGateView, enroll: ServerAction<Enroll>) -> impl IntoView {
    let course_href = format!("/courses/{}", gate.course_id);
    let way_in = if gate.can_self_enroll {
        view! {
            <ActionForm action=enroll attr:class="mt-4">
                <input type="hidden" name="course_id" value=gate.course_id.to_string() />
                <button type="submit" class=BUTTON_CLASS>"Enrol and read this lesson"</button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! {
            <p class="mt-4 text-slate-800">
                "Learners cannot enrol themselves in this course: a teacher enrols them. Ask your teacher if you want to join."
            </p>
        }
        .into_any()
    };
    view! {
        <Title text=gate.lesson_title.clone() />
        <h1 class="text-2xl font-semibold">{gate.lesson_title.clone()}</h1>
        <div class="mt-4 max-w-3xl rounded border border-slate-300 bg-slate-50 px-4 py-3" data-testid="lesson-gate">
            <p class="text-slate-900">
                "This lesson is part of "
                <a class=LINK_CLASS href=course_href.clone()>{gate.course_title.clone()}</a>
                ", which you have not joined. Its lessons are for the course's learners."
            </p>
            <FormError error=action_error(enroll.value()) />
            {way_in}
        </div>
        <p class="mt-4"><a class=LINK_CLASS href=course_href>"See the course outline"</a></p>
    }
}

#[component]
fn LessonContent(lesson: Lesson, complete: ServerAction<CompleteLesson>) -> impl IntoView {
    let course_href = format!("/courses/{}", lesson.course_id);
    let id = lesson.lesson_id.to_string();
    let status = if !lesson.enrolled {
        view! {
            <p class="text-slate-700">"You are not enrolled in this course, so your progress is not recorded."</p>
        }
        .into_any()
    } else if lesson.completed {
        view! {
            <p class="inline-block rounded bg-green-100 px-3 py-2 font-semibold text-green-900" data-testid="lesson-completed">
                "Completed"
            </p>
        }
        .into_any()
    } else {
        view! {
            <ActionForm action=complete>
                <input type="hidden" name="id" value=id />
                <button type="submit" class=BUTTON_CLASS>"Mark complete"</button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <Title text=lesson.title.clone() />
        <nav aria-label="Breadcrumb" class="text-sm">
            <ol class="flex flex-wrap gap-2 text-slate-700">
                <li><a class=LINK_CLASS href=course_href.clone()>{lesson.course_title.clone()}</a></li>
                <li aria-hidden="true">"›"</li>
                <li>{lesson.module_title.clone()}</li>
            </ol>
        </nav>
        <h1 class="mt-2 text-2xl font-semibold">{lesson.title.clone()}</h1>
        <div class="mt-6 max-w-3xl" data-testid="lesson-content">
            <RenderedBlocks blocks=lesson.blocks />
        </div>
        <section class="mt-8 max-w-3xl border-t border-slate-200 pt-4" aria-label="Your progress">
            <FormError error=action_error(complete.value()) />
            <div role="status">{status}</div>
            {lesson.enrolled.then(|| view! {
                <ProgressBar done=lesson.completed_lessons total=lesson.total_lessons name="Course progress" testid="lesson-progress" />
            })}
        </section>
        <nav aria-label="Lessons" class="mt-6 flex max-w-3xl flex-wrap justify-between gap-4">
            {match lesson.previous {
                Some(previous) => view! { <a class=LINK_CLASS href=format!("/lessons/{previous}")>"← Previous lesson"</a> }.into_any(),
                None => view! { <a class=LINK_CLASS href=course_href.clone()>"← Course outline"</a> }.into_any(),
            }}
            {match lesson.next {
                Some(next) => view! { <a class=LINK_CLASS href=format!("/lessons/{next}")>"Next lesson →"</a> }.into_any(),
                None => view! { <a class=LINK_CLASS href=course_href>"Back to the course →"</a> }.into_any(),
            }}
        </nav>
    }
}
