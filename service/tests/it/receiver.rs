//! A webhook receiver on loopback for the delivery tests: it records every request and answers as
//! its script says (then 200), or hangs.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

#[derive(Debug, Clone)]
pub enum Reply {
    Status(u16),
    /// A status with `Retry-After`.
    RetryAfter(u16, &'static str),
    /// A status with this body.
    Body(u16, &'static str),
    /// Never answers: the sender's timeout ends it.
    Hang,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

struct Inner {
    received: Vec<Received>,
    script: VecDeque<Reply>,
    otherwise: Reply,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl Receiver {
    /// A receiver answering `script` in turn, then `otherwise` to every request.
    pub async fn start(script: Vec<Reply>, otherwise: Reply) -> Receiver {
        let inner = Arc::new(Mutex::new(Inner {
            received: Vec::new(),
            script: script.into(),
            otherwise,
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/hooks?token=s3cret",
            listener.local_addr().unwrap()
        );
        let receiver = Receiver { url, inner };
        let app = Router::new()
            .route("/hooks", post(handle))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        receiver
    }

    /// A receiver that answers 200 to everything.
    pub async fn ok() -> Receiver {
        Receiver::start(Vec::new(), Reply::Status(200)).await
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    /// Waits until `count` requests have arrived (at most 10 s).
    pub async fn wait_for(&self, count: usize) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.received().len() < count {
            assert!(
                std::time::Instant::now() < deadline,
                "only {} of {count} requests arrived",
                self.received().len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
}

async fn handle(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    let reply = {
        let mut inner = receiver.inner.lock().unwrap();
        inner.received.push(Received {
            headers,
            body: body.to_vec(),
        });
        inner
            .script
            .pop_front()
            .unwrap_or_else(|| inner.otherwise.clone())
    };
    match reply {
        Reply::Status(status) => (
            StatusCode::from_u16(status).unwrap(),
            format!("answered {status}"),
        )
            .into_response(),
        Reply::RetryAfter(status, after) => (
            StatusCode::from_u16(status).unwrap(),
            [("retry-after", after)],
            "busy",
        )
            .into_response(),
        Reply::Body(status, body) => (StatusCode::from_u16(status).unwrap(), body).into_response(),
        Reply::Hang => {
            std::future::pending::<()>().await;
            StatusCode::OK.into_response()
        }
    }
}
