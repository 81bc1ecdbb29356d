//! An in-process HTTP server that answers each route with a fixed reply: the server side of
//! the call-overhead comparisons, so that what differs between the two sides is only the client.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;

type Replies = Arc<HashMap<String, Bytes>>;

/// A running fixed-reply server.
pub struct FixedServer {
    base_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl FixedServer {
    /// Serves `replies` (path such as `/PaaS/Material/DeleteMaterial` -> JSON body) on
    /// 127.0.0.1, on an ephemeral port, on the current tokio runtime.
    pub async fn start(replies: HashMap<String, Vec<u8>>) -> Self {
        let replies: Replies = Arc::new(
            replies
                .into_iter()
                .map(|(path, body)| (path, Bytes::from(body)))
                .collect(),
        );
        let app = Router::new().fallback(reply).with_state(replies);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fixed server");
        });
        Self {
            base_url: format!("http://{addr}"),
            task,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

impl Drop for FixedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads the whole request (as a real server must), then answers the route's fixed reply.
async fn reply(State(replies): State<Replies>, uri: Uri, body: Bytes) -> Response {
    std::hint::black_box(body);
    match replies.get(uri.path()) {
        Some(reply) => {
            ([(header::CONTENT_TYPE, "application/json")], reply.clone()).into_response()
        }
        None => (StatusCode::NOT_FOUND, "no such route").into_response(),
    }
}
