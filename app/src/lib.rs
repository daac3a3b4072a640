//! Lectern's pages: the shell, the router, and the layout; pages and server functions in modules.

// Leptos views are nested static types; the optimised wasm build of the users table needs more depth
// than rustc's default of 128 to compute their layout.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::auth::{provide_auth, Auth};
use crate::components::layout::Layout;
use crate::pages::*;

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_auth();
    // Effects run only in the browser, after hydration: browser tests wait for this mark.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    // Pages wait for their data before the first byte, so redirects and status codes (401, 403,
    // 404) reach the browser as real HTTP responses.
    let ssr = SsrMode::Async;
    view! {
        <Stylesheet id="leptos" href="/pkg/lectern.css" />
        <Link rel="icon" href="data:," />
        <Meta name="description" content="Lectern: courses, lessons and timed quizzes." />
        <Title formatter=|title: String| if title.is_empty() { "Lectern".to_string() } else { format!("{title} · Lectern") } />
        <Router>
            <Layout>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage ssr=ssr.clone() />
                    <Route path=path!("/sign-in") view=SignInPage ssr=ssr.clone() />
                    <Route path=path!("/forgot-password") view=ForgotPasswordPage ssr=ssr.clone() />
                    <Route path=path!("/reset-password") view=ResetPasswordPage ssr=ssr.clone() />
                    <Route path=path!("/courses") view=CatalogPage ssr=ssr.clone() />
                    <Route path=path!("/courses/:id") view=CoursePage ssr=ssr.clone() />
                    <Route path=path!("/lessons/:id") view=LessonPage ssr=ssr.clone() />
                    <Route path=path!("/quizzes/:id") view=QuizPage ssr=ssr.clone() />
                    <Route path=path!("/quizzes/:id/attempts/:attempt_id") view=AttemptPage ssr=ssr.clone() />
                    <Route path=path!("/quizzes/:id/attempts/:attempt_id/timeline") view=MyTimelinePage ssr=ssr.clone() />
                    <Route path=path!("/my/courses") view=MyCoursesPage ssr=ssr.clone() />
                    <Route path=path!("/teach") view=TeachPage ssr=ssr.clone() />
                    <Route path=path!("/teach/courses/:id") view=CourseEditorPage ssr=ssr.clone() />
                    <Route path=path!("/teach/courses/:id/roster") view=RosterPage ssr=ssr.clone() />
                    <Route path=path!("/teach/lessons/:id") view=LessonEditorPage ssr=ssr.clone() />
                    <Route path=path!("/teach/quizzes/:id") view=QuizEditorPage ssr=ssr.clone() />
                    <Route path=path!("/teach/quizzes/:id/attempts") view=QuizAttemptsPage ssr=ssr.clone() />
                    <Route path=path!("/teach/quizzes/:id/proctoring") view=QuizProctoringPage ssr=ssr.clone() />
                    <Route path=path!("/teach/quizzes/:id/proctoring/live") view=QuizLivePage ssr=ssr.clone() />
                    <Route path=path!("/teach/proctoring/:id") view=ProctoringSessionPage ssr=ssr.clone() />
                    <Route path=path!("/teach/quizzes/:id/attempts/:attempt_id") view=AttemptReviewPage ssr=ssr.clone() />
                    <Route path=path!("/admin/users") view=UsersPage ssr=ssr.clone() />
                    <Route path=path!("/admin/settings") view=SettingsPage ssr=ssr.clone() />
                    <Route path=path!("/admin/api") view=ApiAccessPage ssr=ssr.clone() />
                    <Route path=path!("/admin/webhooks") view=WebhooksPage ssr=ssr.clone() />
                    <Route path=path!("/admin/webhooks/:id") view=WebhookPage ssr=ssr.clone() />
                    <Route path=path!("/admin/audit") view=AuditPage ssr=ssr.clone() />
                    <Route path=path!("/dev/mailbox") view=MailboxPage ssr=ssr.clone() />
                </Routes>
            </Layout>
        </Router>
    }
}

/// Where to go after sign-in: only a path on this site, never another origin (open redirect).
/// Browsers drop tabs and newlines from URLs (`/\t/evil.example` becomes `//evil.example`) and
/// read a backslash as a slash, so only printable ASCII without a backslash is followed.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Used by pages to read the signed-in user.
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(
            safe_next(Some("/admin/users?page=2")),
            "/admin/users?page=2"
        );
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(Some("/ok path")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
