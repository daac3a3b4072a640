//! Asking twice before a destructive step, in place. The keyboard stays on the choice: focus moves
//! to the confirming button when it appears, and back to the asking one on Cancel, so neither a
//! keyboard user nor a screen reader is dropped at the top of the page.

use leptos::html;
use leptos::prelude::*;

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
