//! A course's roster for its staff: who is enrolled and how far they are, enrolling one learner by
//! email, withdrawing one, and enrolling many from a CSV file or a pasted list.

use domain::course::{percent, EnrollmentStatus, EnrollmentView, RosterRow};
use domain::dto::Page;
use domain::{CourseId, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::teach::short_date;
use crate::api::courses::{
    course_roster, get_course, EnrollByEmail, ImportRoster, WithdrawLearner,
};
use crate::components::auth::RequireRole;
use crate::components::course::{
    not_found, report_errors, route_id, Pagination, DANGER_BUTTON, LINK_CLASS,
};
use crate::components::form::{action_error, Field, FormError, BUTTON_CLASS, INPUT_CLASS};
use crate::components::table::DataTable;
use crate::error::AppError;

#[component]
pub fn RosterPage() -> impl IntoView {
    view! {
        <Title text="Roster" />
        <RequireRole min_role=Role::Teacher>
            <Roster />
        </RequireRole>
    }
}

#[component]
fn Roster() -> impl IntoView {
    let id = route_id::<CourseId>();
    let query = use_query_map();
    let enroll = ServerAction::<EnrollByEmail>::new();
    let withdraw = ServerAction::<WithdrawLearner>::new();
    let import = ServerAction::<ImportRoster>::new();
    let course = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_course(id).await,
                None => Err(not_found()),
            }
        },
    );
    let roster = Resource::new(
        move || {
            (
                id.get(),
                query.read().get("page").and_then(|p| p.parse::<u32>().ok()),
                enroll.version().get() + withdraw.version().get() + import.version().get(),
            )
        },
        |(id, page, _)| async move {
            match id {
                Some(id) => course_roster(id, page).await,
                None => Err(not_found()),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match course.await {
                    Ok(course) => view! {
                        <Title text=format!("Roster of {}", course.title) />
                        <p class="text-sm"><a class=LINK_CLASS href=format!("/teach/courses/{}", course.id)>"← Back to the course"</a></p>
                        <h1 class="mt-2 text-2xl font-semibold">{format!("Roster: {}", course.title)}</h1>
                    }.into_any(),
                    Err(error) => view! {
                        <h1 class="text-2xl font-semibold">"Roster not available"</h1>
                        <p role="alert" class="mt-2 text-red-800">{error.message}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
        <Transition fallback=|| view! { <p class="mt-4">"Loading the roster…"</p> }>
            {move || Suspend::new(async move {
                match roster.await {
                    Ok(page) => view! { <RosterTable page withdraw /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="mt-4 text-red-800">{error.message}</p> }.into_any(),
                }
            })}
        </Transition>
        {move || id.get().map(|course_id| view! {
            <div class="mt-8 grid gap-6 lg:grid-cols-2">
                <EnrollForm course_id action=enroll />
                <ImportForm course_id action=import />
            </div>
        })}
    }
}

#[component]
fn RosterTable(
    page: Page<EnrollmentView>,
    withdraw: ServerAction<WithdrawLearner>,
) -> impl IntoView {
    let error = RwSignal::new(None::<AppError>);
    report_errors(withdraw.value(), error);
    if page.items.is_empty() {
        return view! { <p class="mt-6 text-slate-700" data-testid="no-enrolments">"No learner is enrolled yet. Enrol one below."</p> }.into_any();
    }
    let (current, total_pages, total) = (page.page, page.total_pages(), page.total);
    view! {
        <FormError error />
        <DataTable caption="Learners of this course" columns=vec!["Name", "Email", "Status", "Progress", "Enrolled", "Actions"]>
            {page.items.into_iter().map(|e| {
                let progress = format!(
                    "{} of {} lessons · {}%",
                    e.completed_lessons,
                    e.total_lessons,
                    percent(e.completed_lessons, e.total_lessons)
                );
                let active = e.status != EnrollmentStatus::Withdrawn;
                view! {
                    <tr class="border-t border-slate-200" data-testid="roster-row">
                        <td class="px-4 py-2 font-medium">{e.user_name.clone()}</td>
                        <td class="px-4 py-2">{e.user_email.clone()}</td>
                        <td class="px-4 py-2">{e.status.as_str()}</td>
                        <td class="px-4 py-2">{progress}</td>
                        <td class="px-4 py-2">{short_date(&e.enrolled_at)}</td>
                        <td class="px-4 py-2">
                            {active.then(|| view! {
                                <ActionForm action=withdraw>
                                    <input type="hidden" name="course_id" value=e.course_id.to_string() />
                                    <input type="hidden" name="user_id" value=e.user_id.to_string() />
                                    <button type="submit" class=DANGER_BUTTON aria-label=format!("Withdraw {}", e.user_name)>"Withdraw"</button>
                                </ActionForm>
                            })}
                        </td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
        <Pagination page=current total_pages total noun="enrolments" base="" />
    }
    .into_any()
}

#[component]
fn EnrollForm(course_id: CourseId, action: ServerAction<EnrollByEmail>) -> impl IntoView {
    let error = action_error(action.value());
    let enrolled = move || action.value().get().and_then(|r| r.ok());
    view! {
        <section class="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="enrol-heading">
            <h2 id="enrol-heading" class="mb-4 text-lg font-semibold">"Enrol a learner"</h2>
            <div role="status">
                {move || enrolled().map(|e| view! {
                    <p class="mb-4 rounded border border-green-300 bg-green-50 px-3 py-2 text-green-900">
                        {format!("{} ({}) is enrolled.", e.user_name, e.user_email)}
                    </p>
                })}
            </div>
            <FormError error=Signal::derive(move || error.get().filter(|e| e.details.is_empty())) />
            <ActionForm action>
                <input type="hidden" name="course_id" value=course_id.to_string() />
                <Field name="email" label="Learner's email" kind="email" autocomplete="off" required=true error />
                <button type="submit" class=BUTTON_CLASS>"Enrol learner"</button>
            </ActionForm>
        </section>
    }
}

/// The CSV is read in the browser into the text area, which is what the form sends.
#[component]
fn ImportForm(course_id: CourseId, action: ServerAction<ImportRoster>) -> impl IntoView {
    let csv = RwSignal::new(String::new());
    let file_error = RwSignal::new(None::<String>);
    let error = action_error(action.value());
    let csv_message = Signal::derive(move || error.get().and_then(|e| e.field("csv")));
    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        leptos::task::spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                Ok(text) => {
                    file_error.set(None);
                    csv.set(text.as_string().unwrap_or_default());
                }
                Err(_) => file_error.set(Some("The file could not be read.".to_string())),
            }
        });
    };
    view! {
        <section class="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="import-heading">
            <h2 id="import-heading" class="text-lg font-semibold">"Import a roster"</h2>
            <p class="mb-4 mt-1 text-sm text-slate-700">"One email per line. The first column of a CSV file is read; an “email” header line is skipped."</p>
            <FormError error=Signal::derive(move || error.get().filter(|e| e.details.is_empty())) />
            <div class="mb-4">
                <label for="roster-file" class="block font-medium">"CSV file"</label>
                <input id="roster-file" type="file" accept=".csv,text/csv" class="mt-1 block text-sm" on:change=on_file />
                <p role="alert" class="mt-1 text-sm text-red-800">{move || file_error.get()}</p>
            </div>
            <ActionForm action>
                <input type="hidden" name="course_id" value=course_id.to_string() />
                <div class="mb-4">
                    <label for="roster-csv" class="block font-medium">"Emails"</label>
                    <textarea
                        id="roster-csv"
                        name="csv"
                        rows="6"
                        class=INPUT_CLASS
                        prop:value=move || csv.get()
                        on:input=move |ev| csv.set(event_target_value(&ev))
                        aria-invalid=move || csv_message.get().map(|_| "true")
                        aria-describedby=move || csv_message.get().map(|_| "roster-csv-error")
                    ></textarea>
                    <Show when=move || csv_message.get().is_some()>
                        <p id="roster-csv-error" class="mt-1 text-sm text-red-800">{move || csv_message.get()}</p>
                    </Show>
                </div>
                <button type="submit" class=BUTTON_CLASS>"Import"</button>
            </ActionForm>
            {move || action.value().get().and_then(|r| r.ok()).map(|rows| view! { <ImportReport rows /> })}
        </section>
    }
}

#[component]
fn ImportReport(rows: Vec<RosterRow>) -> impl IntoView {
    let count = |outcome: &str| rows.iter().filter(|r| r.outcome == outcome).count();
    let summary = format!(
        "{} enrolled, {} already enrolled, {} failed.",
        count("enrolled"),
        count("already_enrolled"),
        count("failed")
    );
    view! {
        <div class="mt-6" data-testid="import-report">
            <p role="status" class="font-medium">{summary}</p>
            <div class="mt-2 overflow-x-auto rounded border border-slate-200">
                <table class="min-w-full text-left text-sm">
                    <caption class="sr-only">"Import report"</caption>
                    <thead class="bg-slate-100">
                        <tr>
                            <th scope="col" class="px-3 py-1">"Line"</th>
                            <th scope="col" class="px-3 py-1">"Email"</th>
                            <th scope="col" class="px-3 py-1">"Outcome"</th>
                            <th scope="col" class="px-3 py-1">"Message"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows.into_iter().map(|row| view! {
                            <tr class="border-t border-slate-200">
                                <td class="px-3 py-1">{row.line}</td>
                                <td class="px-3 py-1">{row.email}</td>
                                <td class="px-3 py-1">{row.outcome.replace('_', " ")}</td>
                                <td class="px-3 py-1">{row.message.unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
}
