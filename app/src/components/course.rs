//! Pieces the course pages share: cover colours, accessible progress bars, rendered lesson content,
//! and small helpers for ids in the address and for moving keyboard focus after a change.

use std::time::Duration;

use domain::course::{percent, RenderedBlock};
use domain::CoverColor;
use leptos::prelude::*;

use crate::error::AppError;

pub const LINK_CLASS: &str = "text-blue-800 underline hover:text-blue-900 focus:outline-none focus:ring-2 focus:ring-blue-700";
pub const SMALL_BUTTON: &str = "rounded border border-slate-400 bg-white px-2 py-1 text-sm hover:bg-slate-100 focus:outline-none focus:ring-2 focus:ring-blue-700 disabled:opacity-50";
pub const DANGER_BUTTON: &str = "rounded border border-red-700 bg-white px-2 py-1 text-sm text-red-800 hover:bg-red-50 focus:outline-none focus:ring-2 focus:ring-red-700";

/// The Tailwind background of a course card; spelt out so Tailwind finds the classes.
pub fn cover_class(color: CoverColor) -> &'static str {
    match color {
        CoverColor::Blue => "bg-blue-700",
        CoverColor::Green => "bg-green-700",
        CoverColor::Amber => "bg-amber-500",
        CoverColor::Rose => "bg-rose-700",
        CoverColor::Violet => "bg-violet-700",
        CoverColor::Slate => "bg-slate-600",
    }
}

pub fn lessons_label(count: i64) -> String {
    match count {
        1 => "1 lesson".to_string(),
        n => format!("{n} lessons"),
    }
}

/// The id in the route's `:id`, parsed into its typed id; `None` when it is missing or malformed.
pub fn route_id<T>() -> Memo<Option<T>>
where
    T: std::str::FromStr + Clone + PartialEq + Send + Sync + 'static,
{
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| params.read().get("id").and_then(|s| s.parse::<T>().ok()))
}

/// The error a page shows for an address whose id cannot be read.
pub fn not_found() -> AppError {
    AppError::new(
        domain::ErrorCode::NotFound,
        "There is nothing at this address.",
    )
    .in_request()
}

/// Copies each result of an action into `sink`: its error, or `None` once it succeeds. Several
/// actions can share one sink, so a section shows the error of whichever answered last.
pub fn report_errors<T, S>(value: S, sink: RwSignal<Option<AppError>>)
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + 'static,
{
    Effect::new(move |_| {
        if let Some(result) = value.get() {
            sink.set(result.err());
        }
    });
}

/// After the page has re-rendered, focuses the first of `ids` that exists and is not disabled,
/// so a keyboard user stays where they were after moving or adding something.
pub fn focus_later(ids: Vec<String>) {
    set_timeout(
        move || {
            let document = document();
            for id in &ids {
                if let Some(element) = document.get_element_by_id(id) {
                    if element.has_attribute("disabled") {
                        continue;
                    }
                    if let Ok(element) =
                        web_sys::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element)
                    {
                        let _ = element.focus();
                        return;
                    }
                }
            }
        },
        Duration::from_millis(50),
    );
}

/// A labelled progress bar with its figures written out beside it.
#[component]
pub fn ProgressBar(
    done: i64,
    total: i64,
    /// The bar's accessible name ("Course progress").
    #[prop(into)]
    name: String,
    #[prop(into, optional)] testid: Option<String>,
) -> impl IntoView {
    let pct = percent(done, total);
    let text = format!("{done} of {total} lessons · {pct}%");
    view! {
        <div data-testid=testid class="mt-2">
            <div
                role="progressbar"
                aria-label=name
                aria-valuenow=pct
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuetext=text.clone()
                class="h-3 w-full max-w-md overflow-hidden rounded bg-slate-200"
            >
                <div class="h-full bg-green-700" style=format!("width: {pct}%")></div>
            </div>
            <p class="mt-1 text-sm text-slate-700">{text}</p>
        </div>
    }
}

/// A lesson's content as learners see it. Markdown arrives as HTML the server has sanitised.
#[component]
pub fn RenderedBlocks(blocks: Vec<RenderedBlock>) -> impl IntoView {
    if blocks.is_empty() {
        return view! { <p class="text-slate-700">"This lesson has no content yet."</p> }
            .into_any();
    }
    blocks
        .into_iter()
        .map(|block| match block {
            RenderedBlock::Html { html } => view! {
                <div
                    class="mb-4 space-y-3 [&_a]:text-blue-800 [&_a]:underline [&_code]:rounded [&_code]:bg-slate-100 [&_code]:px-1 [&_h1]:text-xl [&_h1]:font-semibold [&_h2]:text-lg [&_h2]:font-semibold [&_h3]:font-semibold [&_ol]:list-decimal [&_ol]:pl-6 [&_pre]:overflow-x-auto [&_pre]:rounded [&_pre]:bg-slate-100 [&_pre]:p-3 [&_strong]:font-semibold [&_ul]:list-disc [&_ul]:pl-6"
                    inner_html=html
                ></div>
            }
            .into_any(),
            RenderedBlock::Video { url, title, embed_url: Some(src) } => view! {
                <figure class="mb-4">
                    <iframe
                        src=src
                        title=title.clone()
                        class="aspect-video w-full max-w-3xl rounded border border-slate-200"
                        allowfullscreen=true
                    ></iframe>
                    <figcaption class="mt-1 text-sm">
                        <a class=LINK_CLASS href=url>{format!("Watch “{title}” on its site")}</a>
                    </figcaption>
                </figure>
            }
            .into_any(),
            RenderedBlock::Video { url, title, embed_url: None } => view! {
                <p class="mb-4"><a class=LINK_CLASS href=url>{format!("Video: {title}")}</a></p>
            }
            .into_any(),
            RenderedBlock::File { url, label } => view! {
                <p class="mb-4"><a class=LINK_CLASS href=url>{format!("File: {label}")}</a></p>
            }
            .into_any(),
            RenderedBlock::Quiz { quiz_id, title } => view! {
                <p class="mb-4 rounded border border-slate-200 bg-slate-50 px-3 py-2" data-quiz-id=quiz_id.to_string()>
                    <a class=LINK_CLASS href=format!("/quizzes/{quiz_id}")>{format!("Quiz: {title}")}</a>
                </p>
            }
            .into_any(),
        })
        .collect_view()
        .into_any()
}

/// Previous / Next links with "Page x of y · n things"; `base` is the query without `page`. An
/// estimated total reads "about n things" and "of about y" pages.
#[component]
pub fn Pagination(
    page: u32,
    total_pages: u64,
    total: u64,
    #[prop(into)] noun: String,
    #[prop(into)] base: String,
    #[prop(optional)] estimate: bool,
) -> impl IntoView {
    let about = if estimate { "about " } else { "" };
    let summary = format!(
        "Page {} of {about}{} · {about}{} {}",
        page,
        total_pages.max(1),
        total,
        noun
    );
    let link = move |to: u32| {
        if base.is_empty() {
            format!("?page={to}")
        } else {
            format!("?{base}&page={to}")
        }
    };
    let prev = (page > 1).then(|| link(page - 1));
    let next = (u64::from(page) < total_pages).then(|| link(page + 1));
    view! {
        <nav aria-label="Pages" class="mt-4 flex flex-wrap items-center gap-4 text-sm">
            <span data-testid="page-summary">{summary}</span>
            {prev.map(|href| view! { <a class=LINK_CLASS href=href>"Previous page"</a> })}
            {next.map(|href| view! { <a class=LINK_CLASS href=href>"Next page"</a> })}
        </nav>
    }
}
