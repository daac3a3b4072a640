//! The outline in the course editor: modules and their lessons, in order. Each can be renamed or
//! deleted and moved with buttons (the keyboard way) or by dragging its handle.

use domain::course::{CourseView, LessonView, ModuleView};
use domain::{CourseId, LessonId, ModuleId};
use leptos::ev::DragEvent;
use leptos::prelude::*;

use crate::api::courses::{
    AddLesson, AddModule, DeleteLesson, DeleteModule, MoveLesson, MoveModule, RenameModule,
    ReorderLessons, ReorderModules,
};
use crate::components::course::{
    focus_later, report_errors, DANGER_BUTTON, LINK_CLASS, SMALL_BUTTON,
};
use crate::components::form::{FormError, BUTTON_CLASS, INPUT_CLASS};
use crate::error::AppError;

#[derive(Clone, Copy)]
pub struct OutlineActions {
    add_module: ServerAction<AddModule>,
    rename_module: ServerAction<RenameModule>,
    delete_module: ServerAction<DeleteModule>,
    move_module: ServerAction<MoveModule>,
    reorder_modules: ServerAction<ReorderModules>,
    add_lesson: ServerAction<AddLesson>,
    delete_lesson: ServerAction<DeleteLesson>,
    move_lesson: ServerAction<MoveLesson>,
    reorder_lessons: ServerAction<ReorderLessons>,
    /// The error of whichever outline action answered last.
    error: RwSignal<Option<AppError>>,
    /// What is being dragged, if anything.
    dragged: RwSignal<Option<Dragged>>,
    /// The buttons to focus once the outline is drawn again (the first that is enabled).
    focus: RwSignal<Option<Vec<String>>>,
}

#[derive(Clone, Copy, PartialEq)]
enum Dragged {
    Module(ModuleId),
    Lesson(ModuleId, LessonId),
}

impl OutlineActions {
    pub fn new() -> Self {
        let actions = OutlineActions {
            add_module: ServerAction::new(),
            rename_module: ServerAction::new(),
            delete_module: ServerAction::new(),
            move_module: ServerAction::new(),
            reorder_modules: ServerAction::new(),
            add_lesson: ServerAction::new(),
            delete_lesson: ServerAction::new(),
            move_lesson: ServerAction::new(),
            reorder_lessons: ServerAction::new(),
            error: RwSignal::new(None),
            dragged: RwSignal::new(None),
            focus: RwSignal::new(None),
        };
        report_errors(actions.add_module.value(), actions.error);
        report_errors(actions.rename_module.value(), actions.error);
        report_errors(actions.delete_module.value(), actions.error);
        report_errors(actions.move_module.value(), actions.error);
        report_errors(actions.reorder_modules.value(), actions.error);
        report_errors(actions.add_lesson.value(), actions.error);
        report_errors(actions.delete_lesson.value(), actions.error);
        report_errors(actions.move_lesson.value(), actions.error);
        report_errors(actions.reorder_lessons.value(), actions.error);
        actions
    }

    /// Changes whenever one of the actions has answered: the course is read again.
    pub fn version(&self) -> usize {
        self.add_module.version().get()
            + self.rename_module.version().get()
            + self.delete_module.version().get()
            + self.move_module.version().get()
            + self.reorder_modules.version().get()
            + self.add_lesson.version().get()
            + self.delete_lesson.version().get()
            + self.move_lesson.version().get()
            + self.reorder_lessons.version().get()
    }
}

/// `ids` with `moved` put where `target` was: dropping onto an item takes its place.
fn reordered<T: Copy + PartialEq>(ids: &[T], moved: T, target: T) -> Option<Vec<T>> {
    let from = ids.iter().position(|id| *id == moved)?;
    let to = ids.iter().position(|id| *id == target)?;
    if from == to {
        return None;
    }
    let mut ids = ids.to_vec();
    let item = ids.remove(from);
    ids.insert(to, item);
    Some(ids)
}

fn start_drag(ev: &DragEvent, actions: OutlineActions, what: Dragged, id: String) {
    if let Some(transfer) = ev.data_transfer() {
        // Firefox starts a drag only when it carries data.
        let _ = transfer.set_data("text/plain", &id);
        transfer.set_effect_allowed("move");
    }
    actions.dragged.set(Some(what));
}

#[component]
pub fn Outline(course: CourseView, actions: OutlineActions) -> impl IntoView {
    let modules = course.modules.unwrap_or_default();
    let order: Vec<ModuleId> = modules.iter().map(|m| m.id).collect();
    let count = modules.len();
    // Runs once, after this outline (drawn afresh after each change) is in the page.
    Effect::new(move |_| {
        if let Some(ids) = actions.focus.try_update_untracked(Option::take).flatten() {
            focus_later(ids);
        }
    });
    view! {
        <section class="mt-8" aria-labelledby="outline-heading">
            <h2 id="outline-heading" class="text-lg font-semibold">"Modules and lessons"</h2>
            <p class="mt-1 text-sm text-slate-700">
                "Reorder with the Move up and Move down buttons, or drag a module or lesson by its handle (⠿)."
            </p>
            <FormError error=actions.error />
            {if modules.is_empty() {
                view! { <p class="mt-4 text-slate-700" data-testid="no-modules">"No module yet. Add the first one below."</p> }.into_any()
            } else {
                view! {
                    <ol class="mt-4 space-y-4" data-testid="module-list">
                        {modules.into_iter().enumerate().map(|(index, module)| view! {
                            <ModuleItem module index count order=order.clone() actions />
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <AddModuleForm course_id=course.id actions />
        </section>
    }
}

#[component]
fn ModuleItem(
    module: ModuleView,
    index: usize,
    count: usize,
    order: Vec<ModuleId>,
    actions: OutlineActions,
) -> impl IntoView {
    let id = module.id;
    let title = module.title.clone();
    let title_input = format!("module-title-{id}");
    let up_id = format!("module-up-{id}");
    let down_id = format!("module-down-{id}");
    let on_drop = move |ev: DragEvent| {
        if let Some(Dragged::Module(moved)) = actions.dragged.get_untracked() {
            ev.prevent_default();
            actions.dragged.set(None);
            if let Some(ids) = reordered(&order, moved, id) {
                actions.reorder_modules.dispatch(ReorderModules {
                    course_id: module.course_id,
                    ids,
                });
            }
        }
    };
    let allow_drop = move |ev: DragEvent| {
        if matches!(actions.dragged.get_untracked(), Some(Dragged::Module(_))) {
            ev.prevent_default();
        }
    };
    let lesson_order: Vec<LessonId> = module.lessons.iter().map(|l| l.id).collect();
    let lesson_count = module.lessons.len();
    let (focus_up, focus_down) = (
        (up_id.clone(), down_id.clone()),
        (down_id.clone(), up_id.clone()),
    );
    let rename_label = format!("Rename module {title}");
    let up_label = format!("Move module {title} up");
    let down_label = format!("Move module {title} down");
    let delete_label = format!("Delete module {title}");
    let lessons_label = format!("Lessons of {title}");
    let title_suffix = format!(" of {title}");
    let input_value = title.clone();
    view! {
        <li class="rounded-lg border border-slate-200 bg-white p-4" data-testid="module" on:dragover=allow_drop on:drop=on_drop>
            <div class="flex flex-wrap items-center gap-2">
                <span
                    draggable="true"
                    aria-hidden="true"
                    title="Drag to reorder"
                    class="cursor-move select-none px-1 text-lg text-slate-700"
                    on:dragstart=move |ev| start_drag(&ev, actions, Dragged::Module(id), id.to_string())
                    on:dragend=move |_| actions.dragged.set(None)
                >"⠿"</span>
                <h3 class="font-semibold" data-testid="module-title">{title.clone()}</h3>
            </div>
            <div class="mt-2 flex flex-wrap items-end gap-2">
                <ActionForm action=actions.rename_module attr:class="flex flex-wrap items-end gap-2">
                    <input type="hidden" name="id" value=id.to_string() />
                    <input type="hidden" name="version" value=module.version />
                    <div>
                        <label for=title_input.clone() class="block text-sm font-medium">
                            "Module title" <span class="sr-only">{title_suffix}</span>
                        </label>
                        <input id=title_input name="title" value=input_value required=true class=INPUT_CLASS />
                    </div>
                    <button type="submit" class=SMALL_BUTTON aria-label=rename_label>"Rename"</button>
                </ActionForm>
                <ActionForm action=actions.move_module on:submit=move |_| actions.focus.set(Some(vec![focus_up.0.clone(), focus_up.1.clone()]))>
                    <input type="hidden" name="id" value=id.to_string() />
                    <input type="hidden" name="offset" value="-1" />
                    <button id=up_id type="submit" class=SMALL_BUTTON disabled=index == 0 aria-label=up_label>"Move up"</button>
                </ActionForm>
                <ActionForm action=actions.move_module on:submit=move |_| actions.focus.set(Some(vec![focus_down.0.clone(), focus_down.1.clone()]))>
                    <input type="hidden" name="id" value=id.to_string() />
                    <input type="hidden" name="offset" value="1" />
                    <button id=down_id type="submit" class=SMALL_BUTTON disabled=index + 1 == count aria-label=down_label>"Move down"</button>
                </ActionForm>
                <ActionForm action=actions.delete_module>
                    <input type="hidden" name="id" value=id.to_string() />
                    <button type="submit" class=DANGER_BUTTON aria-label=delete_label>"Delete"</button>
                </ActionForm>
            </div>
            {if module.lessons.is_empty() {
                view! { <p class="mt-3 text-sm text-slate-700">"No lesson in this module yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="mt-3 space-y-2 border-l-2 border-slate-200 pl-4" aria-label=lessons_label>
                        {module.lessons.into_iter().enumerate().map(|(index, lesson)| view! {
                            <LessonItem lesson index count=lesson_count order=lesson_order.clone() actions />
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <AddLessonForm module_id=id module_title=title actions />
        </li>
    }
}

#[component]
fn LessonItem(
    lesson: LessonView,
    index: usize,
    count: usize,
    order: Vec<LessonId>,
    actions: OutlineActions,
) -> impl IntoView {
    let (id, module_id) = (lesson.id, lesson.module_id);
    let title = lesson.title.clone();
    let up_id = format!("lesson-up-{id}");
    let down_id = format!("lesson-down-{id}");
    let on_drop = move |ev: DragEvent| {
        if let Some(Dragged::Lesson(from_module, moved)) = actions.dragged.get_untracked() {
            ev.prevent_default();
            ev.stop_propagation();
            actions.dragged.set(None);
            if from_module != module_id {
                return;
            }
            if let Some(ids) = reordered(&order, moved, id) {
                actions
                    .reorder_lessons
                    .dispatch(ReorderLessons { module_id, ids });
            }
        }
    };
    let allow_drop = move |ev: DragEvent| {
        if matches!(actions.dragged.get_untracked(), Some(Dragged::Lesson(m, _)) if m == module_id)
        {
            ev.prevent_default();
        }
    };
    let (focus_up, focus_down) = (
        (up_id.clone(), down_id.clone()),
        (down_id.clone(), up_id.clone()),
    );
    let edit_label = format!("Edit lesson {title}");
    let up_label = format!("Move lesson {title} up");
    let down_label = format!("Move lesson {title} down");
    let delete_label = format!("Delete lesson {title}");
    view! {
        <li class="flex flex-wrap items-center gap-2" data-testid="lesson" on:dragover=allow_drop on:drop=on_drop>
            <span
                draggable="true"
                aria-hidden="true"
                title="Drag to reorder"
                class="cursor-move select-none px-1 text-slate-700"
                on:dragstart=move |ev| start_drag(&ev, actions, Dragged::Lesson(module_id, id), id.to_string())
                on:dragend=move |_| actions.dragged.set(None)
            >"⠿"</span>
            <span class="font-medium" data-testid="lesson-title">{title}</span>
            <a class=LINK_CLASS href=format!("/teach/lessons/{id}") aria-label=edit_label>"Edit"</a>
            <ActionForm action=actions.move_lesson on:submit=move |_| actions.focus.set(Some(vec![focus_up.0.clone(), focus_up.1.clone()]))>
                <input type="hidden" name="id" value=id.to_string() />
                <input type="hidden" name="offset" value="-1" />
                <button id=up_id type="submit" class=SMALL_BUTTON disabled=index == 0 aria-label=up_label>"Move up"</button>
            </ActionForm>
            <ActionForm action=actions.move_lesson on:submit=move |_| actions.focus.set(Some(vec![focus_down.0.clone(), focus_down.1.clone()]))>
                <input type="hidden" name="id" value=id.to_string() />
                <input type="hidden" name="offset" value="1" />
                <button id=down_id type="submit" class=SMALL_BUTTON disabled=index + 1 == count aria-label=down_label>"Move down"</button>
            </ActionForm>
            <ActionForm action=actions.delete_lesson>
                <input type="hidden" name="id" value=id.to_string() />
                <button type="submit" class=DANGER_BUTTON aria-label=delete_label>"Delete"</button>
            </ActionForm>
        </li>
    }
}

#[component]
fn AddLessonForm(
    module_id: ModuleId,
    module_title: String,
    actions: OutlineActions,
) -> impl IntoView {
    let input_id = format!("new-lesson-{module_id}");
    view! {
        <ActionForm action=actions.add_lesson attr:class="mt-3 flex flex-wrap items-end gap-2">
            <input type="hidden" name="module_id" value=module_id.to_string() />
            <div>
                <label for=input_id.clone() class="block text-sm font-medium">
                    "New lesson title" <span class="sr-only">{format!(" in {module_title}")}</span>
                </label>
                <input id=input_id name="title" required=true autocomplete="off" class=INPUT_CLASS />
            </div>
            <button type="submit" class=SMALL_BUTTON aria-label=format!("Add lesson to {module_title}")>"Add lesson"</button>
        </ActionForm>
    }
}

#[component]
fn AddModuleForm(course_id: CourseId, actions: OutlineActions) -> impl IntoView {
    view! {
        <ActionForm action=actions.add_module attr:class="mt-6 flex flex-wrap items-end gap-2">
            <input type="hidden" name="course_id" value=course_id.to_string() />
            <div>
                <label for="new-module-title" class="block font-medium">"New module title"</label>
                <input id="new-module-title" name="title" required=true autocomplete="off" class=INPUT_CLASS />
            </div>
            <button type="submit" class=BUTTON_CLASS>"Add module"</button>
        </ActionForm>
    }
}

#[cfg(test)]
mod tests {
    use super::reordered;

    #[test]
    fn dropping_onto_an_item_takes_its_place() {
        assert_eq!(reordered(&[1, 2, 3], 3, 1), Some(vec![3, 1, 2]));
        assert_eq!(reordered(&[1, 2, 3], 1, 3), Some(vec![2, 3, 1]));
        assert_eq!(reordered(&[1, 2, 3], 2, 2), None);
        assert_eq!(reordered(&[1, 2, 3], 4, 2), None);
    }
}
