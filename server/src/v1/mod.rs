//! The REST API under `/v1`: one envelope for every JSON body (see docs/API.md). Authenticated
//! routes pass the bearer-key check and the tenant's rate limit, then the idempotency layer.

pub mod api_keys;
pub mod attempts;
pub mod audit;
pub mod auth;
pub mod courses;
pub mod enrollments;
pub mod envelope;
pub mod extract;
pub mod health;
pub mod idempotency;
mod ndjson;
pub mod openapi;
mod openapi_rules;
mod openapi_webhooks;
pub mod outline;
pub mod proctoring;
pub mod quizzes;
pub mod settings;
pub mod users;
pub mod webhooks;
pub mod whoami;

use axum::routing::{delete, get, patch, post};
use axum::{middleware, Router};
use serde_json::json;

use crate::state::AppState;
use envelope::{ApiError, ApiOk, Meta};

pub fn router(state: &AppState) -> Router<AppState> {
    let authenticated = ASSESSMENT_BASES
        .iter()
        .fold(Router::new(), |router, base| assessments(router, base))
        .route("/v1/whoami", get(whoami::whoami))
        .route("/v1/users", get(users::list).post(users::create))
        .route("/v1/users/{id}", get(users::get).patch(users::update))
        .route("/v1/users/{id}/role", patch(users::change_role))
        .route("/v1/api-keys", get(api_keys::list).post(api_keys::create))
        .route(
            "/v1/api-keys/{id}",
            get(api_keys::get).delete(api_keys::delete),
        )
        .route("/v1/api-keys/{id}/rotate", post(api_keys::rotate))
        .route("/v1/api-keys/{id}/revoke", post(api_keys::revoke))
        .route("/v1/admin/key/rotate", post(api_keys::rotate_own))
        .route("/v1/admin/key/revoke", post(api_keys::revoke_own))
        .route("/v1/settings", get(settings::get).patch(settings::update))
        .route("/v1/admin/audit-log", get(audit::list))
        .route("/v1/admin/audit-log/export", get(audit::export))
        .route("/v1/courses", get(courses::list).post(courses::create))
        .route(
            "/v1/courses/{id}",
            get(courses::get)
                .patch(courses::update)
                .delete(courses::delete),
        )
        .route("/v1/courses/{id}/publish", post(courses::publish))
        .route("/v1/courses/{id}/unpublish", post(courses::unpublish))
        .route("/v1/courses/{id}/archive", post(courses::archive))
        .route(
            "/v1/courses/{id}/modules",
            get(outline::list_modules).post(outline::create_module),
        )
        .route(
            "/v1/courses/{id}/modules/reorder",
            post(outline::reorder_modules),
        )
        .route(
            "/v1/modules/{id}",
            get(outline::get_module)
                .patch(outline::update_module)
                .delete(outline::delete_module),
        )
        .route(
            "/v1/modules/{id}/lessons",
            get(outline::list_lessons).post(outline::create_lesson),
        )
        .route(
            "/v1/modules/{id}/lessons/reorder",
            post(outline::reorder_lessons),
        )
        .route(
            "/v1/lessons/{id}",
            get(outline::get_lesson)
                .patch(outline::update_lesson)
                .delete(outline::delete_lesson),
        )
        .route(
            "/v1/courses/{id}/enrollments",
            get(enrollments::list)
                .post(enrollments::create)
                .delete(enrollments::delete),
        )
        .route(
            "/v1/courses/{id}/enrollments/import",
            post(enrollments::import),
        )
        .route(
            "/v1/courses/{id}/enrollments/{user_id}",
            delete(enrollments::delete_user),
        )
        .route(
            "/v1/courses/{id}/staff",
            get(enrollments::list_staff).post(enrollments::add_staff),
        )
        .route(
            "/v1/courses/{id}/staff/{user_id}",
            delete(enrollments::remove_staff),
        )
        .route(
            "/v1/proctoring/settings",
            get(proctoring::get_settings).put(proctoring::put_settings),
        )
        .route("/v1/proctoring/sessions", get(proctoring::list_sessions))
        .route("/v1/proctoring/live", get(proctoring::live_board))
        .route("/v1/proctoring/sessions/{id}", get(proctoring::get_session))
        .route(
            "/v1/proctoring/sessions/{id}/events",
            get(proctoring::list_events),
        )
        .route(
            "/v1/proctoring/sessions/{id}/incidents",
            get(proctoring::list_incidents),
        )
        .route(
            "/v1/proctoring/incidents/{id}",
            patch(proctoring::review_incident),
        )
        .route("/v1/webhooks", get(webhooks::list).post(webhooks::create))
        .route(
            "/v1/webhooks/{id}",
            get(webhooks::get)
                .patch(webhooks::update)
                .delete(webhooks::delete),
        )
        .route(
            "/v1/webhooks/{id}/rotate-secret",
            post(webhooks::rotate_secret),
        )
        .route("/v1/webhooks/{id}/test", post(webhooks::test))
        .route(
            "/v1/webhooks/{id}/deliveries",
            get(webhooks::list_deliveries),
        )
        .route(
            "/v1/webhooks/deliveries/{id}/redeliver",
            post(webhooks::redeliver),
        )
        .route("/v1/admin/webhook/register", post(webhooks::register))
        .route("/v1/admin/webhook/list", get(webhooks::list_via_admin))
        .route("/v1/admin/webhook/{id}", delete(webhooks::delete_via_admin))
        .route(
            "/v1/questions/{id}",
            patch(quizzes::update_question).delete(quizzes::delete_question),
        )
        // Layers run outside-in: authentication first, then idempotency around the handler.
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::idempotent,
        ))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ));
    Router::new()
        .route("/v1", get(describe))
        .route("/v1/", get(describe))
        .route("/v1/openapi.json", get(openapi_json))
        .merge(authenticated)
        .fallback(envelope::route_not_found)
        .method_not_allowed_fallback(envelope::method_not_allowed)
}

/// Where the quiz routes are served: the Assessments API's names answer the same handlers.
pub const ASSESSMENT_BASES: [&str; 3] = ["/v1/quizzes", "/v1/assessments", "/api/v1/assessments"];

/// The quiz and attempt routes under one of [`ASSESSMENT_BASES`].
fn assessments(router: Router<AppState>, base: &str) -> Router<AppState> {
    router
        .route(base, get(quizzes::list).post(quizzes::create))
        .route(
            &format!("{base}/{{id}}"),
            get(quizzes::get)
                .patch(quizzes::update)
                .delete(quizzes::delete),
        )
        .route(&format!("{base}/{{id}}/publish"), post(quizzes::publish))
        .route(
            &format!("{base}/{{id}}/unpublish"),
            post(quizzes::unpublish),
        )
        .route(
            &format!("{base}/{{id}}/questions"),
            post(quizzes::create_question),
        )
        .route(
            &format!("{base}/{{id}}/questions/reorder"),
            post(quizzes::reorder_questions),
        )
        .route(&format!("{base}/{{id}}/preview"), post(attempts::preview))
        .route(
            &format!("{base}/{{id}}/attempts"),
            get(attempts::list).post(attempts::start),
        )
        .route(
            &format!("{base}/{{id}}/attempts/{{attempt_id}}"),
            get(attempts::get).patch(attempts::update),
        )
        .route(
            &format!("{base}/{{id}}/attempts/{{attempt_id}}/score"),
            get(attempts::score),
        )
        .route(
            &format!("{base}/{{id}}/attempts/{{attempt_id}}/control"),
            post(attempts::control),
        )
        .route(
            &format!("{base}/{{id}}/attempts/{{attempt_id}}/grade"),
            post(attempts::grade),
        )
        .route(
            &format!("{base}/{{id}}/attempts/{{attempt_id}}/override"),
            post(attempts::override_score),
        )
        .route(
            &format!("{base}/{{id}}/submissions"),
            post(attempts::submit),
        )
        .route(
            &format!("{base}/{{id}}/submissions/{{attempt_id}}"),
            get(attempts::submission),
        )
}

/// Self-description: what this API is and where its parts are.
async fn describe(meta: Meta) -> Result<ApiOk<serde_json::Value>, ApiError> {
    Ok(ApiOk::new(
        &meta,
        json!({
            "name": "Lectern API",
            "version": env!("CARGO_PKG_VERSION"),
            "api_version": "v1",
            "links": {
                "self": "/v1",
                "health": "/",
                "openapi": "/v1/openapi.json",
                "docs": "/docs"
            }
        }),
    ))
}

/// Built once: the document does not change while the server runs.
static OPENAPI_JSON: std::sync::LazyLock<String> = std::sync::LazyLock::new(openapi::document_json);

async fn openapi_json() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI_JSON.as_str(),
    )
}
