//! The outline in the course editor: modules and their lessons, in order. Each can be renamed or
//! deleted and moved with buttons (the keyboard way) or by dragging its handle; modules and lessons
//! share those controls, as [`OutlineItem`]s under an [`OutlineParent`].

use domain::course::{CourseView, LessonView, ModuleView};
use domain::outline::{OutlineItem, OutlineParent};
use domain::{CourseId, ModuleId};
use leptos::ev::DragEvent;
use leptos::prelude::*;

use crate::api::courses::{
    AddLesson, AddModule, DeleteOutlineItem, MoveOutlineItem, RenameModule, ReorderOutline,
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
    add_lesson: ServerAction<AddLesson>,
    move_item: ServerAction<MoveOutlineItem>,
    delete_item: ServerAction<DeleteOutlineItem>,
    reorder: ServerAction<ReorderOutline>,
    /// The error of whichever outline action answered last.
    error: RwSignal<Option<AppError>>,
    /// What is being dragged, if anything, and whose child it is: it can be dropped only among
    /// its siblings.
    dragged: RwSignal<Option<(OutlineParent, OutlineItem)>>,
    /// The buttons to focus once the outline is drawn again (the first that is enabled).
    focus: RwSignal<Option<Vec<String>>>,
}

impl OutlineActions {
    pub fn new() -> Self {
        let actions = OutlineActions {
            add_module: ServerAction::new(),
            rename_module: ServerAction::new(),
            add_lesson: ServerAction::new(),
            move_item: ServerAction::new(),
            delete_item: ServerAction::new(),
            reorder: ServerAction::new(),
            error: RwSignal::new(None),
            dragged: RwSignal::new(None),
            focus: RwSignal::new(None),
        };
        report_errors(actions.add_module.value(), actions.error);
        report_errors(actions.rename_module.value(), actions.error);
        report_errors(actions.add_lesson.value(), actions.error);
        report_errors(actions.move_item.value(), actions.error);
        report_errors(actions.delete_item.value(), actions.error);
        report_errors(actions.reorder.value(), actions.error);
        actions
    }

    /// Changes whenever one of the actions has answered: the course is read again.
    pub fn version(&self) -> usize {
        self.add_module.version().get()
            + self.rename_module.version().get()
            + self.add_lesson.version().get()
            + self.move_item.version().get()
            + self.delete_item.version().get()
            + self.reorder.version().get()
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

/// Where an item stands among its siblings, for its move buttons and as a drop target.
#[derive(Clone)]
struct Place {
    parent: OutlineParent,
    item: OutlineItem,
    siblings: Vec<OutlineItem>,
}

impl Place {
    fn new(parent: OutlineParent, item: OutlineItem, siblings: &[OutlineItem]) -> Self {
        Place {
            parent,
            item,
            siblings: siblings.to_vec(),
        }
    }

    fn index(&self) -> usize {
        self.siblings
            .iter()
            .position(|i| *i == self.item)
            .unwrap_or(0)
    }

    fn is_last(&self) -> bool {
        self.index() + 1 == self.siblings.len()
    }

    fn accepts(&self, actions: OutlineActions) -> bool {
        matches!(actions.dragged.get_untracked(), Some((parent, _)) if parent == self.parent)
    }

    /// A sibling dropped here takes this item's place; the drop does not reach the module around
    /// a lesson.
    fn drop_here(&self, ev: &DragEvent, actions: OutlineActions) {
        let Some((parent, moved)) = actions.dragged.get_untracked() else {
            return;
        };
        if parent != self.parent {
            return;
        }
        ev.prevent_default();
        ev.stop_propagation();
        actions.dragged.set(None);
        if let Some(ids) = reordered(&self.siblings, moved, self.item) {
            actions.reorder.dispatch(ReorderOutline {
                parent: self.parent,
                ids,
            });
        }
    }
}

#[component]
pub fn Outline(course: CourseView, actions: OutlineActions) -> impl IntoView {
    let modules = course.modules.unwrap_or_default();
    let parent = OutlineParent::Course(course.id);
    let siblings: Vec<OutlineItem> = modules.iter().map(|m| OutlineItem::Module(m.id)).collect();
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
                        {modules.into_iter().map(|module| {
                            let place = Place::new(parent, OutlineItem::Module(module.id), &siblings);
                            view! { <ModuleItem module place actions /> }
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <AddModuleForm course_id=course.id actions />
        </section>
    }
}

#[component]
fn ModuleItem(module: ModuleView, place: Place, actions: OutlineActions) -> impl IntoView {
    let id = module.id;
    let title = module.title.clone();
    let title_input = format!("module-title-{id}");
    let drop_place = place.clone();
    let target = place.clone();
    let parent = OutlineParent::Module(id);
    let lessons: Vec<OutlineItem> = module
        .lessons
        .iter()
        .map(|l| OutlineItem::Lesson(l.id))
        .collect();
    let rename_label = format!("Rename module {title}");
    let lessons_label = format!("Lessons of {title}");
    let title_suffix = format!(" of {title}");
    let input_value = title.clone();
    view! {
        <li
            class="rounded-lg border border-slate-200 bg-white p-4"
            data-testid="module"
            on:dragover=move |ev| if target.accepts(actions) { ev.prevent_default() }
            on:drop=move |ev| drop_place.drop_here(&ev, actions)
        >
            <div class="flex flex-wrap items-center gap-2">
                <DragHandle place=place.clone() actions />
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
                <ItemControls place title=title.clone() actions />
            </div>
            {if module.lessons.is_empty() {
                view! { <p class="mt-3 text-sm text-slate-700">"No lesson in this module yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="mt-3 space-y-2 border-l-2 border-slate-200 pl-4" aria-label=lessons_label>
                        {module.lessons.into_iter().map(|lesson| {
                            let place = Place::new(parent, OutlineItem::Lesson(lesson.id), &lessons);
                            view! { <LessonItem lesson place actions /> }
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <AddLessonForm module_id=id module_title=title actions />
        </li>
    }
}

#[component]
fn LessonItem(lesson: LessonView, place: Place, actions: OutlineActions) -> impl IntoView {
    let drop_place = place.clone();
    let target = place.clone();
    let edit_label = format!("Edit lesson {}", lesson.title);
    view! {
        <li
            class="flex flex-wrap items-center gap-2"
            data-testid="lesson"
            on:dragover=move |ev| if target.accepts(actions) { ev.prevent_default() }
            on:drop=move |ev| drop_place.drop_here(&ev, actions)
        >
            <DragHandle place=place.clone() actions />
            <span class="font-medium" data-testid="lesson-title">{lesson.title.clone()}</span>
            <a class=LINK_CLASS href=format!("/teach/lessons/{}", lesson.id) aria-label=edit_label>"Edit"</a>
            <ItemControls place title=lesson.title actions />
        </li>
    }
}

/// The handle an item is dragged by. Hidden from assistive technology: the move buttons are the
/// accessible way to reorder.
#[component]
fn DragHandle(place: Place, actions: OutlineActions) -> impl IntoView {
    let (parent, item) = (place.parent, place.item);
    let start = move |ev: DragEvent| {
        if let Some(transfer) = ev.data_transfer() {
            // Firefox starts a drag only when it carries data.
            let _ = transfer.set_data("text/plain", &item.to_string());
            transfer.set_effect_allowed("move");
        }
        actions.dragged.set(Some((parent, item)));
    };
    view! {
        <span
            draggable="true"
            aria-hidden="true"
            title="Drag to reorder"
            class="cursor-move select-none px-1 text-lg text-slate-700"
            on:dragstart=start
            on:dragend=move |_| actions.dragged.set(None)
        >"⠿"</span>
    }
}

/// Move up, move down and delete. After a move the keyboard stays on the moved item's buttons
/// (the one it pressed, or the other when that one is now disabled).
#[component]
fn ItemControls(place: Place, title: String, actions: OutlineActions) -> impl IntoView {
    let (item, kind) = (place.item, place.item.kind());
    let up_id = format!("{kind}-up-{item}");
    let down_id = format!("{kind}-down-{item}");
    let move_button = move |offset: i32,
                            id: String,
                            other: String,
                            label: String,
                            disabled: bool| {
        let focus = vec![id.clone(), other];
        view! {
            <ActionForm action=actions.move_item on:submit=move |_| actions.focus.set(Some(focus.clone()))>
                <input type="hidden" name="id" value=item.to_string() />
                <input type="hidden" name="offset" value=offset />
                <button id=id type="submit" class=SMALL_BUTTON disabled=disabled aria-label=label>
                    {if offset < 0 { "Move up" } else { "Move down" }}
                </button>
            </ActionForm>
        }
    };
    view! {
        {move_button(-1, up_id.clone(), down_id.clone(), format!("Move {kind} {title} up"), place.index() == 0)}
        {move_button(1, down_id, up_id, format!("Move {kind} {title} down"), place.is_last())}
        <ActionForm action=actions.delete_item>
            <input type="hidden" name="id" value=item.to_string() />
            <button type="submit" class=DANGER_BUTTON aria-label=format!("Delete {kind} {title}")>"Delete"</button>
        </ActionForm>
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
