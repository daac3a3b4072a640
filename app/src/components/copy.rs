//! A button that copies a text to the clipboard and says so to screen readers.

use leptos::prelude::*;

#[component]
pub fn CopyButton(
    #[prop(into)] text: Signal<String>,
    /// What is copied, for the button's accessible name ("Copy the key").
    #[prop(into)]
    what: String,
) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let label = format!("Copy {what}");
    let copy = move |_: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            let clipboard = window().navigator().clipboard();
            let _ = clipboard.write_text(&text.get_untracked());
            set_copied.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (text, set_copied);
        }
    };
    view! {
        <button type="button" on:click=copy aria-label=label class="rounded border border-slate-400 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 focus:outline-none focus:ring-2 focus:ring-blue-700">
            "Copy"
        </button>
        <span role="status" class="ml-2 text-sm text-green-900">{move || copied.get().then_some("Copied")}</span>
    }
}
