//! A learner's own proctoring record of an attempt that is over, when their organisation shows
//! learners theirs: what was recorded (browser and server events, with their answers' save
//! times) and what was flagged, read only.

use domain::dto::Page;
use domain::proctoring::{EventView, IncidentView, SessionView};
use domain::{AttemptId, ErrorCode, QuizId, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::proctoring_session::{Incidents, Timeline};
use crate::api::proctoring::my_timeline;
use crate::api::quizzes::get_attempt;
use crate::components::auth::RequireRole;
use crate::components::course::{not_found, route_id, LINK_CLASS};

#[component]
pub fn MyTimelinePage() -> impl IntoView {
    view! {
        <Title text="What was recorded" />
        <RequireRole min_role=Role::Student>
            <Record />
        </RequireRole>
    }
}

type Loaded = (
    (SessionView, Vec<IncidentView>, Page<EventView>),
    domain::attempt::AttemptView,
);

#[component]
fn Record() -> impl IntoView {
    let quiz = route_id::<QuizId>();
    let params = use_params_map();
    let attempt = Memo::new(move |_| {
        params
            .read()
            .get("attempt_id")
            .and_then(|s| s.parse::<AttemptId>().ok())
    });
    let query = use_query_map();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
    };
    let loaded = Resource::new(
        move || (quiz.get(), attempt.get(), page()),
        |(quiz, attempt, page)| async move {
            let (Some(quiz), Some(attempt)) = (quiz, attempt) else {
                return Err(not_found());
            };
            let record = my_timeline(attempt, page).await?;
            let attempt = get_attempt(quiz, attempt).await?;
            Ok::<Loaded, crate::error::AppError>((record, attempt))
        },
    );
    let back = move || match (quiz.get(), attempt.get()) {
        (Some(q), Some(a)) => format!("/quizzes/{q}/attempts/{a}"),
        _ => "/my/courses".into(),
    };
    view! {
        <p class="text-sm"><a class=LINK_CLASS href=back>"← Back to the attempt"</a></p>
        <h1 class="mt-2 text-2xl font-semibold">"What was recorded during your attempt"</h1>
        <p class="mt-1 max-w-3xl text-slate-700">
            "Lectern recorded what the quiz page noticed in your browser (such as leaving the tab or pasting) and what the server noticed, only while the attempt ran. Never your camera, your microphone or your screen."
        </p>
        <Transition fallback=|| view! { <p class="mt-6">"Loading the record…"</p> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok(((_, incidents, events), attempt)) => view! {
                        <Incidents incidents changed=RwSignal::new(0) reviews=false />
                        <Timeline events attempt />
                    }.into_any(),
                    Err(error) if error.code == ErrorCode::NotFound => view! {
                        <p class="mt-6 max-w-3xl" data-testid="record-not-shown">
                            "Your organisation shows this record to your teachers only, or the attempt is still running."
                        </p>
                    }.into_any(),
                    Err(error) => view! { <p role="alert" class="mt-6 text-red-800">{error.message}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
