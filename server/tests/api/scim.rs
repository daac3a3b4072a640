//! SCIM 2.0 provisioning as an identity provider drives it: look up by userName, create, deactivate
//! with Entra ID's text booleans, rename, replace; refusals in SCIM's error shape.

use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::helpers::spawn_app;

async fn scim(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    if status != StatusCode::NO_CONTENT {
        assert_eq!(response.headers()["content-type"], "application/scim+json");
    }
    (status, response.json().await.unwrap_or(Value::Null))
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn an_identity_provider_provisions_and_deactivates_a_user(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    app.user(t, Role::Admin, "boss@acme.test").await;
    let key = app.key(t, Role::Admin).await;
    let client = reqwest::Client::new();
    let users = app.url("/scim/v2/Users");

    // Identity providers send only the bearer token.
    let (status, list) = scim(
        client
            .get(&users)
            .query(&[("filter", "userName eq \"ada@acme.test\"")])
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(
        (
            list["totalResults"].as_u64(),
            list["Resources"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );

    let new_user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "Ada@Acme.test",
        "name": { "givenName": "Ada", "familyName": "Lovelace" },
        "emails": [{ "value": "ada@acme.test", "primary": true }],
        "active": true
    });
    let (status, created) = scim(client.post(&users).bearer_auth(&key).json(&new_user)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("usr_"));
    assert_eq!(
        (
            created["userName"].as_str(),
            created["displayName"].as_str()
        ),
        (Some("ada@acme.test"), Some("Ada Lovelace"))
    );
    let (status, again) = scim(client.post(&users).bearer_auth(&key).json(&new_user)).await;
    assert_eq!(
        (status, again["scimType"].as_str(), again["status"].as_str()),
        (StatusCode::CONFLICT, Some("uniqueness"), Some("409"))
    );

    let (_, list) = scim(
        client
            .get(&users)
            .query(&[("filter", "userName eq \"ada@acme.test\"")])
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(list["Resources"][0]["id"], id.as_str());

    let deactivate = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "Replace", "path": "active", "value": "False" }]
    });
    let (status, patched) = scim(
        client
            .patch(format!("{users}/{id}"))
            .bearer_auth(&key)
            .json(&deactivate),
    )
    .await;
    assert_eq!(
        (status, patched["active"].as_bool()),
        (StatusCode::OK, Some(false)),
        "{patched}"
    );
    let stored: String =
        sqlx::query_scalar("select status from app_user where email = 'ada@acme.test'")
            .fetch_one(&app.store.pool)
            .await
            .unwrap();
    assert_eq!(stored, "deactivated");

    let rename = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "value": { "displayName": "Ada King", "active": true } }]
    });
    let (_, patched) = scim(
        client
            .patch(format!("{users}/{id}"))
            .bearer_auth(&key)
            .json(&rename),
    )
    .await;
    assert_eq!(
        (patched["displayName"].as_str(), patched["active"].as_bool()),
        (Some("Ada King"), Some(true))
    );

    let replacement = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada@acme.test", "displayName": "Countess Lovelace", "active": false });
    let (status, replaced) = scim(
        client
            .put(format!("{users}/{id}"))
            .bearer_auth(&key)
            .json(&replacement),
    )
    .await;
    assert_eq!(
        (
            status,
            replaced["displayName"].as_str(),
            replaced["active"].as_bool()
        ),
        (StatusCode::OK, Some("Countess Lovelace"), Some(false))
    );
    let renamed = json!({ "userName": "other@acme.test" });
    let (status, refused) = scim(
        client
            .put(format!("{users}/{id}"))
            .bearer_auth(&key)
            .json(&renamed),
    )
    .await;
    assert_eq!(
        (status, refused["scimType"].as_str()),
        (StatusCode::BAD_REQUEST, Some("mutability"))
    );

    let (status, page) = scim(
        client
            .get(&users)
            .query(&[("startIndex", "1"), ("count", "1")])
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(
        (
            status,
            page["totalResults"].as_u64(),
            page["itemsPerPage"].as_u64()
        ),
        (StatusCode::OK, Some(2), Some(1))
    );

    let (status, error) = scim(
        client
            .get(&users)
            .query(&[("filter", "emails co \"acme\"")])
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(
        (status, error["scimType"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalidFilter"))
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn only_admin_keys_of_the_tenant_may_provision(pool: PgPool) {
    let app = spawn_app(pool).await;
    let a = app.tenant("acme").await;
    let b = app.tenant("globex").await;
    let teacher = app.key(a, Role::Teacher).await;
    let admin = app.key(a, Role::Admin).await;
    let foreign = app.user(b, Role::Student, "s@globex.test").await;
    let client = reqwest::Client::new();
    let users = app.url("/scim/v2/Users");

    let (status, error) = scim(client.get(&users).bearer_auth(&teacher)).await;
    assert_eq!(
        (status, error["status"].as_str()),
        (StatusCode::FORBIDDEN, Some("403"))
    );
    let (status, _) = scim(client.get(&users)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = scim(client.get(format!("{users}/{foreign}")).bearer_auth(&admin)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = scim(
        client
            .get(&users)
            .bearer_auth(&admin)
            .header("x-tenant-id", b.to_string()),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a key sent with another tenant's id"
    );
    let (status, _) = scim(
        client
            .get(&users)
            .bearer_auth(&admin)
            .header("x-tenant-id", a.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_user_provisioned_inactive_is_stored_so_and_not_invited(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let key = app.key(t, Role::Admin).await;
    let body = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "later@acme.test", "displayName": "Later", "active": false });
    let (status, created) = scim(
        reqwest::Client::new()
            .post(app.url("/scim/v2/Users"))
            .bearer_auth(&key)
            .json(&body),
    )
    .await;
    assert_eq!(
        (status, created["active"].as_bool()),
        (StatusCode::CREATED, Some(false)),
        "{created}"
    );
    let mails: i64 =
        sqlx::query_scalar("select count(*) from mail_outbox where to_address = 'later@acme.test'")
            .fetch_one(&app.store.pool)
            .await
            .unwrap();
    assert_eq!(mails, 0);
}
