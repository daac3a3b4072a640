//! The lesson editor's blocks: each block's fields as signals, the list's moves, and the form of
//! one block with its labelled fields and their errors.

use domain::course::Block;
use leptos::prelude::*;
use serde_json::{json, Value};

use crate::components::course::{focus_later, SMALL_BUTTON};
use crate::components::form::INPUT_CLASS;
use crate::error::AppError;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Video,
    File,
    Quiz,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Text => "Text",
            Kind::Video => "Video",
            Kind::File => "File",
            Kind::Quiz => "Quiz",
        }
    }
}

/// A block being edited; `first` and `second` are its fields in the order the form shows them.
#[derive(Clone, Copy)]
pub struct Draft {
    pub key: usize,
    pub kind: Kind,
    pub first: RwSignal<String>,
    pub second: RwSignal<String>,
}

impl Draft {
    pub fn new(key: usize, kind: Kind, first: String, second: String) -> Self {
        Draft {
            key,
            kind,
            first: RwSignal::new(first),
            second: RwSignal::new(second),
        }
    }

    pub fn from_block(key: usize, block: Block) -> Self {
        match block {
            Block::Markdown { text } => Draft::new(key, Kind::Text, text, String::new()),
            Block::Video { url, title } => Draft::new(key, Kind::Video, url, title),
            Block::File { url, label } => Draft::new(key, Kind::File, url, label),
            Block::Quiz { quiz_id } => {
                Draft::new(key, Kind::Quiz, quiz_id.to_string(), String::new())
            }
        }
    }

    /// The block as JSON; a malformed quiz id is sent as typed, for the server to refuse.
    pub fn to_json(self) -> Value {
        let (first, second) = (self.first.get(), self.second.get());
        match self.kind {
            Kind::Text => json!({ "kind": "markdown", "text": first }),
            Kind::Video => json!({ "kind": "video", "url": first, "title": second }),
            Kind::File => json!({ "kind": "file", "url": first, "label": second }),
            Kind::Quiz => json!({ "kind": "quiz", "quiz_id": first.trim() }),
        }
    }

    /// The names of its fields in errors (`blocks[2].url`) and their labels.
    fn fields(self) -> [(&'static str, &'static str); 2] {
        match self.kind {
            Kind::Text => [("text", "Text (Markdown)"), ("", "")],
            Kind::Video => [
                ("url", "Video address (https://…)"),
                ("title", "Video title"),
            ],
            Kind::File => [("url", "File address (https://…)"), ("label", "Link text")],
            Kind::Quiz => [("quiz_id", "Quiz id (asmnt_…)"), ("", "")],
        }
    }
}

#[derive(Clone, Copy)]
pub struct Editor {
    pub drafts: RwSignal<Vec<Draft>>,
    pub next_key: StoredValue<usize>,
    pub error: Signal<Option<AppError>>,
}

impl Editor {
    pub fn add(&self, kind: Kind) {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        self.drafts
            .update(|d| d.push(Draft::new(key, kind, String::new(), String::new())));
        focus_later(vec![format!("block-{key}-0")]);
    }

    fn shift(&self, key: usize, offset: isize) {
        self.drafts.update(|drafts| {
            if let Some(from) = drafts.iter().position(|d| d.key == key) {
                let to = from as isize + offset;
                if to >= 0 && (to as usize) < drafts.len() {
                    drafts.swap(from, to as usize);
                }
            }
        });
        let (this, other) = if offset < 0 {
            ("up", "down")
        } else {
            ("down", "up")
        };
        focus_later(vec![
            format!("block-{key}-{this}"),
            format!("block-{key}-{other}"),
        ]);
    }

    fn remove(&self, key: usize) {
        self.drafts.update(|d| d.retain(|x| x.key != key));
        focus_later(vec!["add-text-block".to_string()]);
    }

    fn index_of(&self, key: usize) -> usize {
        self.drafts
            .with(|d| d.iter().position(|x| x.key == key))
            .unwrap_or(0)
    }
}

#[component]
pub fn BlockEditor(draft: Draft, editor: Editor) -> impl IntoView {
    let key = draft.key;
    let index = Memo::new(move |_| editor.index_of(key));
    let position = move || index.get() + 1;
    let count = move || editor.drafts.with(Vec::len);
    let legend = move || format!("Block {}: {}", position(), draft.kind.label());
    let fields = draft.fields();
    let field = move |n: usize| {
        let (name, label) = fields[n];
        let signal = if n == 0 { draft.first } else { draft.second };
        let id = format!("block-{key}-{n}");
        let error_id = format!("{id}-error");
        let message = Signal::derive(move || {
            editor
                .error
                .get()
                .and_then(|e| e.field(&format!("blocks[{}].{name}", index.get())))
        });
        let describedby = {
            let error_id = error_id.clone();
            move || message.get().map(|_| error_id.clone())
        };
        let input = if draft.kind == Kind::Text {
            view! {
                <textarea
                    id=id.clone()
                    rows="6"
                    class=INPUT_CLASS
                    prop:value=move || signal.get()
                    on:input=move |ev| signal.set(event_target_value(&ev))
                    aria-invalid=move || message.get().map(|_| "true")
                    aria-describedby=describedby
                ></textarea>
            }
            .into_any()
        } else {
            let kind = if name == "url" { "url" } else { "text" };
            view! {
                <input
                    id=id.clone()
                    type=kind
                    class=INPUT_CLASS
                    prop:value=move || signal.get()
                    on:input=move |ev| signal.set(event_target_value(&ev))
                    aria-invalid=move || message.get().map(|_| "true")
                    aria-describedby=describedby
                />
            }
            .into_any()
        };
        view! {
            <div class="mb-3">
                <label for=id class="block text-sm font-medium">{label}</label>
                {input}
                <Show when=move || message.get().is_some()>
                    <p id=error_id.clone() class="mt-1 text-sm text-red-800">{move || message.get()}</p>
                </Show>
            </div>
        }
    };
    let second = (!fields[1].0.is_empty()).then(|| field(1));
    view! {
        <li data-testid="block">
            <fieldset class="rounded-lg border border-slate-200 bg-white p-4">
                <legend class="px-1 font-semibold">{legend}</legend>
                {field(0)}
                {second}
                <div class="flex flex-wrap gap-2">
                    <button
                        id=format!("block-{key}-up")
                        type="button"
                        class=SMALL_BUTTON
                        disabled=move || index.get() == 0
                        aria-label=move || format!("Move block {} up", position())
                        on:click=move |_| editor.shift(key, -1)
                    >"Move up"</button>
                    <button
                        id=format!("block-{key}-down")
                        type="button"
                        class=SMALL_BUTTON
                        disabled=move || { index.get() + 1 >= count() }
                        aria-label=move || format!("Move block {} down", position())
                        on:click=move |_| editor.shift(key, 1)
                    >"Move down"</button>
                    <button
                        type="button"
                        class=SMALL_BUTTON
                        aria-label=move || format!("Remove block {}", position())
                        on:click=move |_| editor.remove(key)
                    >"Remove"</button>
                </div>
            </fieldset>
        </li>
    }
}
