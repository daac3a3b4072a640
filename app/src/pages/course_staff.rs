//! A course's staff in its editor: the teachers who may edit it besides its owner and the admins.

use domain::CourseId;
use leptos::prelude::*;

use crate::api::courses::{course_staff, AddStaff, RemoveStaff};
use crate::components::course::{not_found, report_errors, DANGER_BUTTON};
use crate::components::form::{FormError, BUTTON_CLASS, INPUT_CLASS};
use crate::error::AppError;

/// The staff section. Its list is read beside the course (not inside the course's own loading),
/// so it does not depend on the course being loaded first and hydrates the same way every time.
#[component]
pub fn Staff(course_id: Memo<Option<CourseId>>) -> impl IntoView {
    let add = ServerAction::<AddStaff>::new();
    let remove = ServerAction::<RemoveStaff>::new();
    let error = RwSignal::new(None::<AppError>);
    report_errors(add.value(), error);
    report_errors(remove.value(), error);
    let staff = Resource::new(
        move || (course_id.get(), add.version().get(), remove.version().get()),
        |(id, ..)| async move {
            match id {
                Some(id) => course_staff(id).await,
                None => Err(not_found()),
            }
        },
    );
    let course_id = move || course_id.get().map(|id| id.to_string()).unwrap_or_default();
    let email_message = Signal::derive(move || error.get().and_then(|e| e.field("email")));
    view! {
        <section class="mt-8 max-w-3xl rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="staff-heading">
            <h2 id="staff-heading" class="text-lg font-semibold">"Staff"</h2>
            <p class="mt-1 text-sm text-slate-700">"Teachers on the staff may edit this course and manage its roster."</p>
            <FormError error=Signal::derive(move || error.get().filter(|e| e.details.is_empty())) />
            <Transition fallback=|| view! { <p class="mt-2">"Loading staff…"</p> }>
                {move || Suspend::new(async move {
                    match staff.await {
                        Ok(users) if users.is_empty() => view! {
                            <p class="mt-3 text-slate-700" data-testid="no-staff">"No other staff yet."</p>
                        }.into_any(),
                        Ok(users) => view! {
                            <ul class="mt-3 divide-y divide-slate-200">
                                {users.into_iter().map(|user| view! {
                                    <li class="flex flex-wrap items-center justify-between gap-2 py-2" data-testid="staff-member">
                                        <span><span class="font-medium">{user.name.clone()}</span> " · " {user.email.clone()}</span>
                                        <ActionForm action=remove>
                                            <input type="hidden" name="course_id" value=course_id />
                                            <input type="hidden" name="user_id" value=user.id.to_string() />
                                            <button type="submit" class=DANGER_BUTTON aria-label=format!("Remove {} from the staff", user.name)>"Remove"</button>
                                        </ActionForm>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <p role="alert" class="mt-3 text-red-800">{error.message}</p> }.into_any(),
                    }
                })}
            </Transition>
            <ActionForm action=add attr:class="mt-4 flex flex-wrap items-end gap-2">
                <input type="hidden" name="course_id" value=course_id />
                <div>
                    <label for="staff-email" class="block font-medium">"Teacher's email"</label>
                    <input
                        id="staff-email"
                        type="email"
                        name="email"
                        required=true
                        autocomplete="off"
                        class=INPUT_CLASS
                        aria-invalid=move || email_message.get().map(|_| "true")
                        aria-describedby=move || email_message.get().map(|_| "staff-email-error")
                    />
                    <Show when=move || email_message.get().is_some()>
                        <p id="staff-email-error" class="mt-1 text-sm text-red-800">{move || email_message.get()}</p>
                    </Show>
                </div>
                <button type="submit" class=BUTTON_CLASS>"Add to staff"</button>
            </ActionForm>
        </section>
    }
}
