//! The course editor: details, publishing, deleting, the outline (in `course_outline`), the
//! course's quizzes (in `course_quizzes`) and its staff (in `course_staff`). Every change reloads
//! the course, so forms carry the current version.

use domain::course::CourseView;
use domain::{CourseId, CourseStatus, CoverColor, Role};
use leptos::prelude::*;
use leptos_meta::Title;

use super::course_outline::{Outline, OutlineActions};
use super::course_quiz_list::course_quizzes;
use super::course_quizzes::CourseQuizzes;
use super::course_staff::Staff;
use super::teach::status_label;
use crate::api::courses::{get_course, DeleteCourse, SetCourseStatus, UpdateCourse};
use crate::components::auth::RequireRole;
use crate::components::confirm::{Confirmation, DeleteSection, CONFIRM_BUTTON};
use crate::components::course::{not_found, route_id, LINK_CLASS, SMALL_BUTTON};
use crate::components::form::{
    action_error, Field, FormError, TextArea, BUTTON_CLASS, INPUT_CLASS,
};

#[component]
pub fn CourseEditorPage() -> impl IntoView {
    view! {
        <Title text="Edit course" />
        <RequireRole min_role=Role::Teacher>
            <CourseEditor />
        </RequireRole>
    }
}

#[derive(Clone, Copy)]
struct CourseActions {
    update: ServerAction<UpdateCourse>,
    status: ServerAction<SetCourseStatus>,
    delete: ServerAction<DeleteCourse>,
}

#[component]
fn CourseEditor() -> impl IntoView {
    let id = route_id::<CourseId>();
    let actions = CourseActions {
        update: ServerAction::new(),
        status: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let outline = OutlineActions::new();
    let quizzes = course_quizzes(id);
    let course = Resource::new(
        move || {
            (
                id.get(),
                actions.update.version().get(),
                actions.status.version().get(),
                outline.version(),
            )
        },
        |(id, ..)| async move {
            match id {
                Some(id) => get_course(id).await,
                None => Err(not_found()),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading the course…"</p> }>
            {move || Suspend::new(async move {
                match course.await {
                    Ok(course) => view! {
                        <Title text=format!("Edit {}", course.title) />
                        <Header course=course.clone() />
                        <div class="mt-6 grid gap-6 lg:grid-cols-2">
                            <Details course=course.clone() action=actions.update />
                            <div class="space-y-6">
                                <Status course=course.clone() action=actions.status />
                                <Delete course=course.clone() action=actions.delete />
                            </div>
                        </div>
                        <Outline course=course.clone() actions=outline />
                        <CourseQuizzes course_id=course.id quizzes />
                    }.into_any(),
                    Err(error) => view! {
                        <h1 class="text-2xl font-semibold">"Course not available"</h1>
                        <p role="alert" class="mt-2 text-red-800">{error.message}</p>
                        <p class="mt-4"><a class=LINK_CLASS href="/teach">"Back to your courses"</a></p>
                    }.into_any(),
                }
            })}
        </Transition>
        <Staff course_id=id />
    }
}

#[component]
fn Header(course: CourseView) -> impl IntoView {
    view! {
        <p class="text-sm"><a class=LINK_CLASS href="/teach">"← All courses"</a></p>
        <div class="mt-2 flex flex-wrap items-baseline gap-x-4 gap-y-2">
            <h1 class="text-2xl font-semibold">{course.title.clone()}</h1>
            <span class="rounded bg-slate-100 px-2 py-0.5 text-sm font-semibold text-slate-800" data-testid="course-status">
                {status_label(course.status)}
            </span>
            <a class=LINK_CLASS href=format!("/courses/{}", course.id)>"View as learner"</a>
            <a class=LINK_CLASS href=format!("/teach/courses/{}/roster", course.id)>"Roster"</a>
        </div>
    }
}

#[component]
fn Details(course: CourseView, action: ServerAction<UpdateCourse>) -> impl IntoView {
    let error = action_error(action.value());
    let saved = move || matches!(action.value().get(), Some(Ok(_)));
    let color_message = Signal::derive(move || error.get().and_then(|e| e.field("cover_color")));
    view! {
        <section class="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="details-heading">
            <h2 id="details-heading" class="mb-4 text-lg font-semibold">"Details"</h2>
            <div role="status">
                {move || saved().then(|| view! {
                    <p class="mb-4 rounded border border-green-300 bg-green-50 px-3 py-2 text-green-900">"Saved."</p>
                })}
            </div>
            <FormError error=Signal::derive(move || error.get().filter(|e| e.details.is_empty())) />
            <ActionForm action>
                <input type="hidden" name="id" value=course.id.to_string() />
                <input type="hidden" name="version" value=course.version />
                <Field name="title" label="Title" value=course.title.clone() required=true autocomplete="off" error />
                <TextArea name="summary" label="Summary" value=course.summary.clone() rows=4 error />
                <div class="mb-4">
                    <label for="field-cover_color" class="block font-medium">"Cover colour"</label>
                    <select id="field-cover_color" name="cover_color" class=INPUT_CLASS aria-invalid=move || color_message.get().map(|_| "true")>
                        {CoverColor::ALL.iter().map(|c| view! {
                            <option value=c.as_str() selected=*c == course.cover_color>{color_label(*c)}</option>
                        }).collect_view()}
                    </select>
                    <p class="mt-1 text-sm text-red-800">{move || color_message.get()}</p>
                </div>
                <div class="mb-4 flex items-center gap-2">
                    <input id="field-self_enrollment" type="checkbox" name="self_enrollment" value="on" checked=course.self_enrollment class="h-4 w-4" />
                    <label for="field-self_enrollment">"Learners may enrol themselves"</label>
                </div>
                <button type="submit" class=BUTTON_CLASS>"Save details"</button>
            </ActionForm>
        </section>
    }
}

fn color_label(color: CoverColor) -> &'static str {
    match color {
        CoverColor::Blue => "Blue",
        CoverColor::Green => "Green",
        CoverColor::Amber => "Amber",
        CoverColor::Rose => "Rose",
        CoverColor::Violet => "Violet",
        CoverColor::Slate => "Slate",
    }
}

/// Publish, unpublish and archive: one form whose buttons name the new status.
#[component]
fn Status(course: CourseView, action: ServerAction<SetCourseStatus>) -> impl IntoView {
    let note = match course.status {
        CourseStatus::Draft => "Only staff see a draft. Publish it to show it in the catalog.",
        CourseStatus::Published => "Learners find this course in the catalog.",
        CourseStatus::Archived => {
            "Archived: hidden from the catalog; enrolled learners keep read access."
        }
    };
    let buttons: Vec<(&str, &str)> = match course.status {
        CourseStatus::Draft => vec![("published", "Publish"), ("archived", "Archive")],
        CourseStatus::Published => vec![("draft", "Unpublish"), ("archived", "Archive")],
        CourseStatus::Archived => vec![("published", "Publish"), ("draft", "Unpublish")],
    };
    view! {
        <section class="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="status-heading">
            <h2 id="status-heading" class="text-lg font-semibold">"Publishing"</h2>
            <p class="mb-4 mt-1 text-sm text-slate-700">{note}</p>
            <FormError error=action_error(action.value()) />
            <ActionForm action attr:class="flex flex-wrap gap-2">
                <input type="hidden" name="id" value=course.id.to_string() />
                <input type="hidden" name="version" value=course.version />
                {buttons.into_iter().enumerate().map(|(i, (value, label))| {
                    let class = if i == 0 { BUTTON_CLASS } else { SMALL_BUTTON };
                    view! { <button type="submit" name="status" value=value class=class>{label}</button> }
                }).collect_view()}
            </ActionForm>
        </section>
    }
}

/// Deleting asks once more before it happens; the server then sends the teacher to /teach.
#[component]
fn Delete(course: CourseView, action: ServerAction<DeleteCourse>) -> impl IntoView {
    let confirm = Confirmation::new();
    let question = format!("Delete “{}” for good? This cannot be undone.", course.title);
    view! {
        <DeleteSection confirm error=action_error(action.value()) question
            consequence="Deleting removes the course, its modules and lessons." ask="Delete course…">
            <ActionForm action>
                <input type="hidden" name="id" value=course.id.to_string() />
                <input type="hidden" name="version" value=course.version />
                <button type="submit" node_ref=confirm.confirm_button class=CONFIRM_BUTTON>
                    "Yes, delete the course"
                </button>
            </ActionForm>
        </DeleteSection>
    }
}
