//! The one table of records every list page draws: a scrolling frame, a caption for screen
//! readers, and column headers scoped to their columns.

use leptos::prelude::*;

#[component]
pub fn DataTable(
    /// Read by screen readers only: what the rows are.
    caption: &'static str,
    columns: Vec<&'static str>,
    /// Space above the frame, as a Tailwind class.
    #[prop(default = "mt-6")]
    margin: &'static str,
    /// The rows.
    children: Children,
) -> impl IntoView {
    view! {
        <div class=format!("{margin} overflow-x-auto rounded-lg border border-slate-200 bg-white")>
            <table class="min-w-full text-left text-sm">
                <caption class="sr-only">{caption}</caption>
                <thead class="bg-slate-100 text-slate-900">
                    <tr>
                        {columns.into_iter().map(|column| view! {
                            <th scope="col" class="px-4 py-2">{column}</th>
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
