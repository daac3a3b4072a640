//! The lesson editor: the title and the content blocks as an editable list, with a live preview
//! that the server renders exactly as learners will see it.

use std::time::Duration;

use domain::course::LessonView;
use domain::{LessonId, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use serde_json::Value;

use super::lesson_blocks::{BlockEditor, Draft, Editor, Kind};
use crate::api::courses::{get_lesson, PreviewBlocks, SaveLesson};
use crate::components::auth::RequireRole;
use crate::components::course::{not_found, route_id, RenderedBlocks, LINK_CLASS, SMALL_BUTTON};
use crate::components::form::{action_error, FormError, BUTTON_CLASS, INPUT_CLASS};

#[component]
pub fn LessonEditorPage() -> impl IntoView {
    view! {
        <Title text="Edit lesson" />
        <RequireRole min_role=Role::Teacher>
            <LessonLoader />
        </RequireRole>
    }
}

#[component]
fn LessonLoader() -> impl IntoView {
    let id = route_id::<LessonId>();
    let lesson = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_lesson(id).await,
                None => Err(not_found()),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading the lesson…"</p> }>
            {move || Suspend::new(async move {
                match lesson.await {
                    Ok(lesson) => view! { <LessonEditor lesson /> }.into_any(),
                    Err(error) => view! {
                        <h1 class="text-2xl font-semibold">"Lesson not available"</h1>
                        <p role="alert" class="mt-2 text-red-800">{error.message}</p>
                        <p class="mt-4"><a class=LINK_CLASS href="/teach">"Back to your courses"</a></p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn LessonEditor(lesson: LessonView) -> impl IntoView {
    let id = lesson.id;
    let title = RwSignal::new(lesson.title.clone());
    let version = RwSignal::new(lesson.version);
    // Editors always read the content; an empty lesson is the only way for it to be missing.
    let blocks = lesson.blocks.unwrap_or_default();
    let count = blocks.len();
    let drafts = RwSignal::new(
        blocks
            .into_iter()
            .enumerate()
            .map(|(key, block)| Draft::from_block(key, block))
            .collect::<Vec<_>>(),
    );
    let save = ServerAction::<SaveLesson>::new();
    let error = action_error(save.value());
    let editor = Editor {
        drafts,
        next_key: StoredValue::new(count),
        error,
    };
    let blocks_json = Memo::new(move |_| {
        let blocks: Vec<Value> = drafts.get().into_iter().map(Draft::to_json).collect();
        Value::Array(blocks).to_string()
    });
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            version.set(saved.version);
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveLesson {
            id,
            title: title.get_untracked(),
            blocks: blocks_json.get_untracked(),
            version: version.get_untracked(),
        });
    };
    let saved = move || !save.pending().get() && matches!(save.value().get(), Some(Ok(_)));
    let title_message = Signal::derive(move || error.get().and_then(|e| e.field("title")));
    let blocks_message = Signal::derive(move || error.get().and_then(|e| e.field("blocks")));
    view! {
        <p class="text-sm">
            <a class=LINK_CLASS href=format!("/teach/courses/{}", lesson.course_id)>"← Back to the course"</a>
            " · "
            <a class=LINK_CLASS href=format!("/lessons/{id}")>"View as learner"</a>
        </p>
        <h1 class="mt-2 text-2xl font-semibold">"Edit lesson"</h1>
        <div class="mt-6 grid gap-6 lg:grid-cols-2">
            <form on:submit=on_submit novalidate=true aria-label="Lesson content">
                <FormError error />
                <div class="mb-4">
                    <label for="lesson-title" class="block font-medium">"Title"</label>
                    <input
                        id="lesson-title"
                        prop:value=move || title.get()
                        on:input=move |ev| title.set(event_target_value(&ev))
                        required=true
                        class=INPUT_CLASS
                        aria-invalid=move || title_message.get().map(|_| "true")
                        aria-describedby=move || title_message.get().map(|_| "lesson-title-error")
                    />
                    <Show when=move || title_message.get().is_some()>
                        <p id="lesson-title-error" class="mt-1 text-sm text-red-800">{move || title_message.get()}</p>
                    </Show>
                </div>
                <h2 class="text-lg font-semibold">"Content"</h2>
                <p class="text-sm text-red-800">{move || blocks_message.get()}</p>
                <Show when=move || drafts.with(Vec::is_empty)>
                    <p class="mt-2 text-slate-700" data-testid="no-blocks">"No content yet. Add a block below."</p>
                </Show>
                <ol class="mt-2 space-y-4">
                    <For each=move || drafts.get() key=|d| d.key let:draft>
                        <BlockEditor draft editor />
                    </For>
                </ol>
                <div class="mt-4 flex flex-wrap gap-2" role="group" aria-label="Add a block">
                    <button id="add-text-block" type="button" class=SMALL_BUTTON on:click=move |_| editor.add(Kind::Text)>"Add text"</button>
                    <button type="button" class=SMALL_BUTTON on:click=move |_| editor.add(Kind::Video)>"Add video"</button>
                    <button type="button" class=SMALL_BUTTON on:click=move |_| editor.add(Kind::File)>"Add file"</button>
                    <button type="button" class=SMALL_BUTTON on:click=move |_| editor.add(Kind::Quiz)>"Add quiz"</button>
                </div>
                <div class="mt-6 flex items-center gap-3">
                    <button type="submit" class=BUTTON_CLASS disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Saving…" } else { "Save lesson" }}
                    </button>
                    <p role="status" class="text-green-900" data-testid="lesson-saved">{move || saved().then_some("Saved.")}</p>
                </div>
            </form>
            <Preview blocks_json />
        </div>
    }
}

/// Renders the blocks on the server a moment after the teacher stops typing.
#[component]
fn Preview(blocks_json: Memo<String>) -> impl IntoView {
    let preview = ServerAction::<PreviewBlocks>::new();
    let timer = StoredValue::new(None::<TimeoutHandle>);
    Effect::new(move |previous: Option<()>| {
        let blocks = blocks_json.get();
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
        if previous.is_none() {
            preview.dispatch(PreviewBlocks { blocks });
            return;
        }
        let handle = set_timeout_with_handle(
            move || {
                preview.dispatch(PreviewBlocks { blocks });
            },
            Duration::from_millis(300),
        );
        timer.set_value(handle.ok());
    });
    view! {
        <section class="rounded-lg border border-slate-200 bg-slate-50 p-4" aria-labelledby="preview-heading">
            <h2 id="preview-heading" class="text-lg font-semibold">"Preview"</h2>
            <div class="mt-3" aria-live="polite" data-testid="lesson-preview">
                {move || match preview.value().get() {
                    None => view! { <p class="text-slate-700">"The preview appears here."</p> }.into_any(),
                    Some(Ok(blocks)) => view! { <RenderedBlocks blocks /> }.into_any(),
                    Some(Err(error)) => view! { <p class="text-red-800">{error.message}</p> }.into_any(),
                }}
            </div>
        </section>
    }
}
