//! Builds the router (pages, server functions, `/v1`, middleware) and serves it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::middleware;
use axum::response::IntoResponse;
use axum::serve::ListenerExt;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use service::webhooks::destination::Loopback;
use service::{seed, Clock, Store};
use sqlx::postgres::PgPoolOptions;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::{Key, SameSite};
use tower_sessions::{session_store::ExpiredDeletion, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use crate::session_cache::CachedStore;

use crate::config::Config;
use crate::live::{self, LiveHub};
use crate::state::AppState;
use crate::{csrf, public_limit, request_id, scim, security_headers, v1, webhook_worker, workers};

/// The browser session's cookie, and how long a session lasts unused (the `auth_session` row also
/// ends it after `service::auth::SESSION_LIFETIME`, however active).
pub const SESSION_COOKIE: &str = "lectern_session";
pub const SESSION_INACTIVITY: time::Duration = time::Duration::hours(12);
/// Sessions kept in memory (see `session_cache`): ten exams of the benchmark's size.
const SESSION_CACHE_CAPACITY: usize = 100_000;

/// Connects, migrates, seeds when asked, and serves until Ctrl-C or SIGTERM.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let pool = PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&config.database_url)
        .await
        .context("could not connect to DATABASE_URL")?;
    service::MIGRATOR
        .run(&pool)
        .await
        .context("could not apply the database migrations")?;
    let grace = time::Duration::seconds(i64::from(config.quiz_grace_seconds));
    let store = Store::new(pool, Clock::system())
        .with_quiz_grace(grace)
        .with_secret_key(&config.secret_key)
        .with_webhook_loopback(if config.webhooks_allow_loopback {
            Loopback::Allowed
        } else {
            Loopback::Refused
        });
    if config.seed_demo
        && seed::demo(&store)
            .await
            .context("could not seed the demo tenant")?
    {
        tracing::info!("seeded the demo tenant");
    }
    if config.secret_key_generated {
        tracing::warn!("LECTERN_SECRET_KEY is unset: a random key signs cookies and seals webhook secrets, so sessions end and webhook endpoints stop signing when Lectern restarts");
    }
    let config = Arc::new(config);
    let (closing, closing_watch) = tokio::sync::watch::channel(false);
    let app = build_app_until(config.clone(), store.clone(), closing_watch).await?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("could not listen on {} (LECTERN_BIND)", config.bind))?;
    workers::spawn(&config, &store);
    webhook_worker::spawn(&config, &store);
    print_welcome(&config);
    // Without TCP_NODELAY every streamed body waits for the client's delayed ACK (about 40 ms).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        // Open event streams would hold the shutdown forever.
        closing.send_replace(true);
    })
    .await
    .context("the server failed")
}

fn print_welcome(config: &Config) {
    println!("\nLectern is ready at {}/", config.public_url);
    if config.seed_demo {
        println!("  organisation: {}", seed::DEMO_SLUG);
        for login in &seed::DEMO_LOGINS {
            println!(
                "  {:<8} {}  password: {}",
                login.role.as_str(),
                login.email,
                seed::DEMO_PASSWORD
            );
        }
    }
    if config.dev_mailbox_enabled() {
        println!(
            "  developer mailbox ON (LECTERN_DEV_MAILBOX; every tenant's mail, for this machine only): {}/dev/mailbox",
            config.public_url
        );
    } else if config.smtp_url.is_none() {
        println!("  mail: no SMTP_URL set, so mails wait in the outbox unsent");
    }
    println!();
}

/// The whole application, as the tests drive it too.
pub async fn build_app(config: Arc<Config>, store: Store) -> anyhow::Result<Router> {
    // Tests end by dropping the app, so nothing waits for its streams: a dropped sender never
    // closes them.
    let (_, closing) = tokio::sync::watch::channel(false);
    build_app_until(config, store, closing).await
}

/// The application, whose long-lived streams end when `closing` turns true.
pub async fn build_app_until(
    config: Arc<Config>,
    store: Store,
    closing: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Router> {
    tokio::spawn(service::credentials::follow_announcements(store.clone()));
    let session_store = PostgresStore::new(store.pool.clone());
    session_store
        .migrate()
        .await
        .context("could not create the session table")?;
    tokio::spawn(
        session_store
            .clone()
            .continuously_delete_expired(tokio::time::Duration::from_secs(600)),
    );
    let key =
        Key::try_from(config.secret_key.as_slice()).context("LECTERN_SECRET_KEY is too short")?;
    let session_store = CachedStore::new(session_store, SESSION_CACHE_CAPACITY);
    let sessions = SessionManagerLayer::new(session_store)
        .with_name(SESSION_COOKIE)
        .with_secure(config.is_https())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(SESSION_INACTIVITY))
        .with_signed(key);

    let leptos_options = LeptosOptions::builder()
        .output_name("lectern")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.bind)
        .build();
    let state = AppState {
        store: store.clone(),
        config: config.clone(),
        leptos_options: leptos_options.clone(),
        live: LiveHub::new(store.clone(), closing),
    };
    let server_context = app::ssr::ServerContext {
        store,
        public_url: config.public_url.clone(),
        dev_mailbox: config.dev_mailbox_enabled(),
    };
    let context = move || {
        provide_context(server_context.clone());
        provide_context(app::ssr::SessionMemo::default());
        security_headers::provide_nonce();
    };
    let routes = generate_route_list(app::App);
    let pages_fallback = leptos_axum::file_and_error_handler_with_context::<AppState, _>(
        context.clone(),
        app::shell,
    );
    let fallback = move |uri: Uri, state: State<AppState>, request: Request<Body>| {
        let pages_fallback = pages_fallback.clone();
        async move {
            if uri.path() == "/v1" || uri.path().starts_with("/v1/") {
                v1::envelope::route_not_found(v1::envelope::Meta::from_extensions(
                    request.extensions(),
                ))
                .await
                .into_response()
            } else {
                pages_fallback(uri, state, request).await
            }
        }
    };

    let router = Router::new()
        .merge(v1::router(&state))
        .merge(scim::router(&state))
        .merge(live::router())
        // The interactive reference, with Swagger UI's files served from the binary (no CDN).
        // Without `validator_url("none")`, Swagger UI shows a badge image from validator.swagger.io
        // that names our document's URL there (and that the /docs policy would refuse).
        .merge(
            utoipa_swagger_ui::SwaggerUi::new("/docs")
                .config(utoipa_swagger_ui::Config::from("/v1/openapi.json").validator_url("none")),
        )
        .leptos_routes_with_context(&state, routes, context, move || {
            app::shell(leptos_options.clone())
        })
        .fallback(fallback)
        .layer(sessions)
        .layer(middleware::from_fn_with_state(state.clone(), csrf::protect))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            public_limit::limit,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            v1::health::negotiate,
        ))
        .layer(CompressionLayer::new())
        // No span of its own: the default one records the whole URI at DEBUG, and query strings
        // carry reset and invitation tokens. Its events (request started, response and latency,
        // 5xx failures) fall in `request_id::assign`'s span, which names the method and path only.
        .layer(TraceLayer::new_for_http().make_span_with(|_: &Request<Body>| tracing::Span::none()))
        .layer(middleware::from_fn_with_state(
            config.proxy_hops,
            request_id::assign,
        ))
        // Outermost, so that every answer carries the headers, whichever layer gave it.
        .layer(middleware::from_fn(security_headers::apply))
        .with_state(state);
    Ok(router)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
