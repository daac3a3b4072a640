//! The OpenAPI document: served, 3.1, and complete: every `/v1` route the router registers is in it
//! with its method, and every error code is listed.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::helpers::spawn_app;

/// Routes that describe the API rather than being part of it.
const NOT_DOCUMENTED: &[&str] = &["/v1", "/v1/", "/v1/openapi.json"];

/// (method, path) of every `.route(…)` in the `/v1` router's source.
fn registered_routes() -> Vec<(String, String)> {
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/v1/mod.rs")).unwrap();
    let mut routes = Vec::new();
    for chunk in source.split(".route(").skip(1) {
        // The quiz routes are registered once per base: `.route(base, …)`, `format!("{base}/…")`.
        let path = if chunk.trim_start().starts_with("base,") {
            "{base}".to_string()
        } else {
            chunk.split('"').nth(1).unwrap().to_string()
        };
        // The method routers stand between the path and the closing parenthesis of `.route(`.
        let mut depth = 1;
        let end = chunk
            .char_indices()
            .find(|(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| i)
            .unwrap();
        for method in ["get", "post", "put", "patch", "delete"] {
            let call = format!("{method}(");
            let found = chunk[..end].match_indices(&call).any(|(i, _)| {
                i == 0 || !chunk[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
            });
            if !found {
                continue;
            }
            if path.starts_with("{base}") {
                for base in server::v1::ASSESSMENT_BASES {
                    let expanded = path.replacen("{base}", base, 1);
                    let expanded = expanded.replace("{{", "{").replace("}}", "}");
                    routes.push((method.to_string(), expanded));
                }
            } else {
                routes.push((method.to_string(), path.clone()));
            }
        }
    }
    routes
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn every_registered_route_is_in_the_document(pool: PgPool) {
    let app = spawn_app(pool).await;
    let response = reqwest::get(app.url("/v1/openapi.json")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );

    let routes = registered_routes();
    assert!(
        routes.len() >= 16,
        "the source scan found the routes: {routes:?}"
    );
    let mut missing = Vec::new();
    for (method, path) in routes {
        if NOT_DOCUMENTED.contains(&path.as_str()) {
            continue;
        }
        let operation = &doc["paths"][&path][&method];
        if operation.is_null() {
            missing.push(format!("{method} {path}"));
            continue;
        }
        for status in ["401", "403", "404", "422", "429"] {
            assert!(
                !operation["responses"][status].is_null(),
                "{method} {path} lacks {status}"
            );
        }
        if path.contains("{id}") {
            let params = operation["parameters"].as_array().unwrap();
            assert!(
                params
                    .iter()
                    .any(|p| p["name"] == "id" && p["in"] == "path"),
                "{method} {path}"
            );
        }
    }
    assert!(
        missing.is_empty(),
        "routes missing from the OpenAPI document: {missing:?}"
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_document_names_every_error_code_and_the_security_schemes(pool: PgPool) {
    let app = spawn_app(pool).await;
    let doc: Value = reqwest::get(app.url("/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap();
    for code in domain::ErrorCode::ALL {
        assert!(
            codes.iter().any(|c| c == code.as_str()),
            "{} is not in the document",
            code.as_str()
        );
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(
        (&schemes["api_key"]["in"], &schemes["api_key"]["name"]),
        (&json!("header"), &json!("X-API-Key"))
    );
    assert!(
        schemes.get("tenant").is_none(),
        "X-Tenant-Id is an optional header, not a credential"
    );
    let whoami = &doc["paths"]["/v1/whoami"]["get"];
    let tenant_header = whoami["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "X-Tenant-Id")
        .expect("every authenticated operation documents X-Tenant-Id");
    assert_eq!(tenant_header["required"], false);
    let create_course = &doc["paths"]["/v1/courses"]["post"]["responses"]["201"]["links"];
    assert_eq!(create_course["getCourse"]["operationId"], "getCourse");
    assert_eq!(
        create_course["getCourse"]["parameters"]["id"], "$response.body#/data/id",
        "creates link to the reads of what they made: {create_course}"
    );
    let mut operation_ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or_default();
            assert!(
                !id.is_empty() && operation_ids.insert(id.to_string()),
                "{method} {path}: operationId {id:?} is missing or not unique"
            );
        }
    }
    let create = &doc["paths"]["/v1/api-keys"]["post"];
    assert!(create["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "Idempotency-Key"));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_interactive_reference_is_served_without_a_cdn(pool: PgPool) {
    let app = spawn_app(pool).await;
    let client = reqwest::Client::new();
    let page = client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for remote in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(
            !html.contains(remote),
            "the page loads from another host:\n{html}"
        );
    }
    let initializer = client
        .get(app.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(initializer.contains("/v1/openapi.json"), "{initializer}");
    for asset in ["/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js"] {
        let response = client.get(app.url(asset)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
    }
}

/// The document's enums must list the very texts the API sends (the serde names), which a
/// schema generator can get wrong without any request failing.
#[test]
fn enum_schemas_list_the_texts_the_api_sends() {
    fn texts<T: Copy>(all: &[T], text: fn(T) -> &'static str) -> Vec<Value> {
        all.iter().map(|v| Value::from(text(*v))).collect()
    }
    let document = serde_json::to_value(server::v1::openapi::document()).unwrap();
    let cases = [
        ("Role", texts(domain::Role::ALL, domain::Role::as_str)),
        (
            "CourseStatus",
            texts(domain::CourseStatus::ALL, domain::CourseStatus::as_str),
        ),
        (
            "CoverColor",
            texts(domain::CoverColor::ALL, domain::CoverColor::as_str),
        ),
        (
            "ApiKeyStatus",
            texts(domain::ApiKeyStatus::ALL, domain::ApiKeyStatus::as_str),
        ),
    ];
    for (name, expected) in cases {
        let listed = &document["components"]["schemas"][name]["enum"];
        assert_eq!(
            listed.as_array(),
            Some(&expected),
            "components.schemas.{name}.enum"
        );
    }
}

/// The request bodies are the domain's forms, each under a name of its own: two bodies sharing a
/// schema name would leave one operation documenting the other's fields.
#[sqlx::test(migrator = "service::MIGRATOR")]
async fn each_request_body_documents_its_own_fields(pool: PgPool) {
    let app = spawn_app(pool).await;
    let doc: Value = reqwest::get(app.url("/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body_fields = |path: &str, method: &str| -> Vec<String> {
        let body = &doc["paths"][path][method]["requestBody"]["content"]["application/json"];
        let reference = body["schema"]["$ref"].as_str().unwrap_or_default();
        let name = reference.trim_start_matches("#/components/schemas/");
        let schema = &doc["components"]["schemas"][name]["properties"];
        let mut fields: Vec<String> = schema
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        fields.sort();
        fields
    };
    assert_eq!(
        body_fields("/v1/courses", "post"),
        [
            "cover_color",
            "cover_image_url",
            "owner_id",
            "self_enrollment",
            "slug",
            "summary",
            "title"
        ]
    );
    assert_eq!(
        body_fields("/v1/courses/{id}", "patch"),
        [
            "cover_color",
            "cover_image_url",
            "self_enrollment",
            "slug",
            "summary",
            "title",
            "version"
        ]
    );
    assert_eq!(
        body_fields("/v1/lessons/{id}", "patch"),
        ["blocks", "module_id", "title", "version"]
    );
    assert_eq!(
        body_fields("/v1/users", "post"),
        ["email", "name", "password", "role"]
    );
}
