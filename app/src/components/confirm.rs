//! Asking twice before a destructive step, in place. The keyboard stays on the choice: focus moves
//! to the confirming button when it appears, and back to the asking one on Cancel, so neither a
//! keyboard user nor a screen reader is dropped at the top of the page.

use leptos::html;
use leptos::prelude::*;

use crate::components::course::{DANGER_BUTTON, SMALL_BUTTON};
use crate::components::form::FormError;
use crate::error::AppError;

/// The confirming button: solid red, unlike the outlined button that asks.
pub const CONFIRM_BUTTON: &str = "rounded bg-red-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-red-800 focus:outline-none focus:ring-2 focus:ring-red-700 focus:ring-offset-2";

#[derive(Clone, Copy)]
pub struct Confirmation {
    pub confirming: RwSignal<bool>,
    /// Give it to the button that asks.
    pub ask_button: NodeRef<html::Button>,
    /// Give it to the button that does it.
    pub confirm_button: NodeRef<html::Button>,
}

impl Confirmation {
    pub fn new() -> Self {
        let this = Confirmation {
            confirming: RwSignal::new(false),
            ask_button: NodeRef::new(),
            confirm_button: NodeRef::new(),
        };
        Effect::new(move |previous: Option<bool>| {
            let now = this.confirming.get();
            // Not on the first run: the page has only just appeared and focus stays where it is.
            if previous.is_some() {
                let target = if now {
                    this.confirm_button
                } else {
                    this.ask_button
                };
                if let Some(button) = target.get() {
                    let _ = button.focus();
                }
            }
            now
        });
        this
    }

    pub fn ask(&self) {
        self.confirming.set(true);
    }

    pub fn cancel(&self) {
        self.confirming.set(false);
    }
}

impl Default for Confirmation {
    fn default() -> Self {
        Self::new()
    }
}

/// An editor's "Delete" section: what deleting removes, the button that asks, and once asked the
/// question with the confirming form (`children`: an `ActionForm` whose submit button takes
/// `confirm.confirm_button` and `CONFIRM_BUTTON`) beside Cancel.
#[component]
pub fn DeleteSection(
    confirm: Confirmation,
    #[prop(into)] error: Signal<Option<AppError>>,
    /// What deleting removes, shown before asking.
    consequence: &'static str,
    /// The asking button's text.
    ask: &'static str,
    /// The question shown with the confirming form.
    question: String,
    children: ChildrenFn,
) -> impl IntoView {
    view! {
        <section class="rounded-lg border border-red-200 bg-white p-6" aria-labelledby="delete-heading">
            <h2 id="delete-heading" class="text-lg font-semibold">"Delete"</h2>
            <FormError error />
            <Show
                when=move || confirm.confirming.get()
                fallback=move || view! {
                    <p class="mb-3 text-sm text-slate-700">{consequence}</p>
                    <button type="button" node_ref=confirm.ask_button class=DANGER_BUTTON on:click=move |_| confirm.ask()>{ask}</button>
                }
            >
                <p class="mb-3 font-medium text-red-900">{question.clone()}</p>
                <div class="flex flex-wrap gap-2">
                    {children()}
                    <button type="button" class=SMALL_BUTTON on:click=move |_| confirm.cancel()>"Cancel"</button>
                </div>
            </Show>
        </section>
    }
}
