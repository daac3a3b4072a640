//! Webhook endpoints: admins add, edit, rotate and delete them; addresses inside are refused
//! with the reason; secrets are shown once and sealed at rest; another tenant sees nothing.

use crate::common::*;
use domain::webhook::{WebhookEndpointInput, WebhookEndpointPatch};
use domain::{ErrorCode, Role, WebhookEndpointId};
use service::webhooks::destination::Loopback;
use service::webhooks::endpoints;
use service::webhooks::signature::SigningSecret;
use service::{Caller, ServiceError, Store};
use sqlx::PgPool;

struct World {
    store: Store,
    admin: Caller,
    teacher: Caller,
    stranger: Caller,
}

async fn world(pool: PgPool) -> World {
    let store = store(pool).with_webhook_loopback(Loopback::Allowed);
    let acme = tenant(&store, "acme").await;
    let other = tenant(&store, "other").await;
    World {
        admin: caller(
            acme,
            user(&store, acme, Role::Admin, "adm@acme.test").await,
            Role::Admin,
        ),
        teacher: caller(
            acme,
            user(&store, acme, Role::Teacher, "tea@acme.test").await,
            Role::Teacher,
        ),
        stranger: caller(
            other,
            user(&store, other, Role::Admin, "adm@other.test").await,
            Role::Admin,
        ),
        store,
    }
}

fn input(url: &str, events: &[&str]) -> WebhookEndpointInput {
    WebhookEndpointInput {
        url: url.into(),
        description: Some(" CRM sync ".into()),
        events: events.iter().map(|e| e.to_string()).collect(),
        enabled: None,
    }
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn an_admin_adds_an_endpoint_and_sees_its_secret_once(pool: PgPool) {
    let w = world(pool).await;
    let issued = endpoints::create(
        &w.admin,
        &w.store,
        input("http://127.0.0.1:9/in", &["course.published"]),
    )
    .await
    .unwrap();
    assert!(
        SigningSecret::parse(&issued.secret).is_some(),
        "{}",
        issued.secret
    );
    assert!(!format!("{issued:?}").contains(&issued.secret));
    let endpoint = issued.endpoint;
    assert_eq!(
        (endpoint.url.as_str(), endpoint.description.as_str()),
        ("http://127.0.0.1:9/in", "CRM sync")
    );
    assert!(endpoint.enabled);
    assert_eq!(
        endpoints::list(&w.admin, &w.store).await.unwrap(),
        std::slice::from_ref(&endpoint)
    );

    // Stored sealed: the text of the secret is nowhere in the row.
    let stored: String = sqlx::query_scalar("select sealed from webhook_endpoint_secret")
        .fetch_one(&w.store.pool)
        .await
        .unwrap();
    assert!(!stored.contains(&issued.secret["whsec_".len()..]));
    let audited = count(
        &w.store.pool,
        "select count(*) from audit_event where action = 'webhook.created'",
    )
    .await;
    assert_eq!(audited, 1);

    // The delivery's view: the secret opens and signs as the one the admin was shown.
    let mut tx = service::db::TenantTx::begin(&w.store, &w.admin)
        .await
        .unwrap();
    let secrets = endpoints::signing_secrets_in(&mut tx, &w.store.webhook_secrets, endpoint.id)
        .await
        .unwrap();
    assert_eq!(secrets, [SigningSecret::parse(&issued.secret).unwrap()]);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn addresses_inside_are_refused_with_the_reason(pool: PgPool) {
    let w = world(pool).await;
    let strict = w.store.clone().with_webhook_loopback(Loopback::Refused);
    for (url, why) in [
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://10.0.0.1/hook", "private"),
        ("http://hooks.example.com/", "https"),
        ("https://localhost:8443/", "loopback"),
    ] {
        let error = endpoints::create(&w.admin, &strict, input(url, &["*"]))
            .await
            .unwrap_err();
        let ServiceError::Conflict { code, message } = error else {
            panic!("{url}: {error:?}");
        };
        assert_eq!(code, ErrorCode::WebhookUrlRefused, "{url}");
        assert!(message.contains(why), "{url}: {message}");
    }
    // Malformed input is a validation error naming every field at once.
    let error = endpoints::create(
        &w.admin,
        &strict,
        WebhookEndpointInput {
            url: "hooks.example.com".into(),
            description: Some("a\u{0}b".into()),
            events: vec!["course.deleted".into()],
            enabled: None,
        },
    )
    .await
    .unwrap_err();
    let ServiceError::Validation(problems) = error else {
        panic!("{error:?}");
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["events", "description", "url"]);
    assert_eq!(
        count(&w.store.pool, "select count(*) from webhook_endpoint").await,
        0
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn only_admins_of_the_tenant_manage_endpoints(pool: PgPool) {
    let w = world(pool).await;
    let id = endpoints::create(&w.admin, &w.store, input("http://127.0.0.1:9/", &["*"]))
        .await
        .unwrap()
        .endpoint
        .id;
    let missing = WebhookEndpointId::from_uuid(uuid::Uuid::now_v7());
    // A teacher is refused before anything is looked up: the same answer for any id.
    for probe in [id, missing] {
        assert!(matches!(
            endpoints::get(&w.teacher, &w.store, probe).await,
            Err(ServiceError::Forbidden)
        ));
    }
    assert!(matches!(
        endpoints::list(&w.teacher, &w.store).await,
        Err(ServiceError::Forbidden)
    ));
    let day = endpoints::DEFAULT_OVERLAP;
    assert!(matches!(
        endpoints::rotate_secret(&w.teacher, &w.store, id, day).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        endpoints::create(&w.teacher, &w.store, input("http://127.0.0.1:9/", &["*"])).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        endpoints::delete(&w.teacher, &w.store, id).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        endpoints::rotate_secret(&w.stranger, &w.store, id, day).await,
        Err(ServiceError::NotFound)
    ));
    // Another tenant's admin finds nothing, and changes nothing.
    assert!(endpoints::list(&w.stranger, &w.store)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        endpoints::get(&w.stranger, &w.store, id).await,
        Err(ServiceError::NotFound)
    ));
    let patch = WebhookEndpointPatch {
        enabled: Some(false),
        ..Default::default()
    };
    assert!(matches!(
        endpoints::update(&w.stranger, &w.store, id, patch).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        endpoints::delete(&w.stranger, &w.store, id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(
        endpoints::get(&w.admin, &w.store, id)
            .await
            .unwrap()
            .enabled
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn an_admin_edits_rotates_and_deletes(pool: PgPool) {
    let w = world(pool).await;
    let first = endpoints::create(&w.admin, &w.store, input("http://127.0.0.1:9/", &["*"]))
        .await
        .unwrap();
    let id = first.endpoint.id;

    let patch = WebhookEndpointPatch {
        url: Some("http://localhost:10/in".into()),
        events: Some(vec!["user.provisioned".into()]),
        enabled: Some(false),
        ..Default::default()
    };
    let edited = endpoints::update(&w.admin, &w.store, id, patch)
        .await
        .unwrap();
    let unchanged = endpoints::update(&w.admin, &w.store, id, WebhookEndpointPatch::default())
        .await
        .unwrap();
    assert_eq!(unchanged, edited, "an empty patch changes nothing");
    assert_eq!(edited.url, "http://localhost:10/in");
    assert_eq!(edited.events, ["user.provisioned"]);
    assert_eq!(
        (edited.enabled, edited.description.as_str()),
        (false, "CRM sync")
    );
    let refused = WebhookEndpointPatch {
        url: Some("https://10.1.2.3/".into()),
        ..Default::default()
    };
    let strict = w.store.clone().with_webhook_loopback(Loopback::Refused);
    assert!(matches!(
        endpoints::update(&w.admin, &strict, id, refused).await,
        Err(ServiceError::Conflict {
            code: ErrorCode::WebhookUrlRefused,
            ..
        })
    ));

    // While the overlap lasts the old secrets sign beside the new one; after it, the new alone.
    let hour = time::Duration::hours(1);
    let second = endpoints::rotate_secret(&w.admin, &w.store, id, hour)
        .await
        .unwrap();
    assert_ne!(second.secret, first.secret);
    assert!(second.endpoint.previous_secret_expires_at.is_some());
    let secrets = |store: Store| {
        let admin = w.admin.clone();
        async move {
            let mut tx = service::db::TenantTx::begin(&store, &admin).await.unwrap();
            endpoints::signing_secrets_in(&mut tx, &store.webhook_secrets, id)
                .await
                .unwrap()
                .iter()
                .map(SigningSecret::reveal)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        secrets(w.store.clone()).await,
        [second.secret.clone(), first.secret.clone()]
    );
    // A second rotation within the overlap cuts neither the first secret (which receivers may
    // still use) nor the second.
    let third = endpoints::rotate_secret(&w.admin, &w.store, id, hour)
        .await
        .unwrap();
    assert_eq!(
        secrets(w.store.clone()).await,
        [
            third.secret.clone(),
            second.secret.clone(),
            first.secret.clone()
        ]
    );
    w.store.clock.advance(time::Duration::minutes(61));
    assert_eq!(
        secrets(w.store.clone()).await,
        std::slice::from_ref(&third.secret)
    );
    let after = endpoints::get(&w.admin, &w.store, id).await.unwrap();
    assert_eq!(after.previous_secret_expires_at, None);
    // A rotation without overlap stops every older secret at once, even one still in its overlap.
    let fourth = endpoints::rotate_secret(&w.admin, &w.store, id, hour)
        .await
        .unwrap();
    assert_eq!(secrets(w.store.clone()).await.len(), 2);
    let fifth = endpoints::rotate_secret(&w.admin, &w.store, id, time::Duration::ZERO)
        .await
        .unwrap();
    assert_ne!(fifth.secret, fourth.secret);
    assert_eq!(secrets(w.store.clone()).await, [fifth.secret]);
    assert!(endpoints::parse_overlap(Some(-1)).is_err());
    assert!(endpoints::parse_overlap(Some(8 * 86_400)).is_err());
    assert_eq!(
        endpoints::parse_overlap(None).unwrap(),
        endpoints::DEFAULT_OVERLAP
    );

    endpoints::delete(&w.admin, &w.store, id).await.unwrap();
    assert!(matches!(
        endpoints::get(&w.admin, &w.store, id).await,
        Err(ServiceError::NotFound)
    ));
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_event where action like 'webhook.%' order by created_at, id",
    )
    .fetch_all(&w.store.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "webhook.created",
            "webhook.updated",
            "webhook.secret_rotated",
            "webhook.secret_rotated",
            "webhook.secret_rotated",
            "webhook.secret_rotated",
            "webhook.deleted"
        ]
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_audit_log_keeps_no_token_of_an_address(pool: PgPool) {
    let w = world(pool).await;
    endpoints::create(
        &w.admin,
        &w.store,
        input("http://127.0.0.1:9/in?token=s3cr3t-receiver-token", &["*"]),
    )
    .await
    .unwrap();
    let data: serde_json::Value =
        sqlx::query_scalar("select data from audit_event where action = 'webhook.created'")
            .fetch_one(&w.store.pool)
            .await
            .unwrap();
    assert!(!data.to_string().contains("s3cr3t"), "{data}");
    assert_eq!(data["url"]["address"], "http://127.0.0.1:9/in");
    assert_eq!(data["url"]["query_redacted"], true);

    // An edit keeps neither the old token nor the new one.
    let id = endpoints::list(&w.admin, &w.store).await.unwrap()[0].id;
    let patch = WebhookEndpointPatch {
        url: Some("http://127.0.0.1:9/in?token=n3w-receiver-token".into()),
        ..Default::default()
    };
    endpoints::update(&w.admin, &w.store, id, patch)
        .await
        .unwrap();
    let data: serde_json::Value =
        sqlx::query_scalar("select data from audit_event where action = 'webhook.updated'")
            .fetch_one(&w.store.pool)
            .await
            .unwrap();
    let text = data.to_string();
    assert!(!text.contains("s3cr3t") && !text.contains("n3w"), "{data}");
    assert_eq!(data["after"]["url"]["query_redacted"], true);
}
