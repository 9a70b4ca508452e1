//! A client of the emulator's Drive routes for the Drive tests: every
//! call with a bearer token, JSON bodies, and streamed uploads.

use lusid_emulator::RunningEmulator;
use serde_json::{Value, json};

use super::{Resp, access_token, send};

/// Drive's routes with a token.
pub struct Drive<'a> {
    /// The emulator called.
    pub emu: &'a RunningEmulator,
    /// The `Authorization` header value (`Bearer …`).
    pub auth: String,
}

impl<'a> Drive<'a> {
    /// Signs in to `emu`.
    pub async fn new(emu: &'a RunningEmulator) -> Self {
        let auth = format!("Bearer {}", access_token(emu).await);
        Self { emu, auth }
    }

    /// `method path` under the Drive URL, with a JSON body if given.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let url = format!("{}{path}", self.emu.drive_url());
        let mut headers = vec![("authorization", self.auth.as_str())];
        let bytes = match body {
            Some(body) => {
                headers.push(("content-type", "application/json"));
                serde_json::to_vec(&body).unwrap()
            }
            None => Vec::new(),
        };
        send(method, &url, &headers, bytes).await
    }

    /// Creates folder `name` in `path`; its id.
    pub async fn mkdir(&self, path: &str, name: &str) -> String {
        let resp = self
            .call(
                "POST",
                "/api/folders",
                Some(json!({"path": path, "name": name})),
            )
            .await;
        assert_eq!(resp.status, 201, "{}", text(&resp));
        resp.json()["id"].as_str().unwrap().to_owned()
    }

    /// CreateFile of `contents` as `name` in `path`.
    pub async fn upload(&self, path: &str, name: &str, contents: &[u8]) -> Resp {
        let url = format!("{}/api/files", self.emu.drive_url());
        send(
            "POST",
            &url,
            &[
                ("authorization", self.auth.as_str()),
                ("content-type", "application/octet-stream"),
                ("x-lusid-drive-filename", name),
                ("x-lusid-drive-path", path),
            ],
            contents.to_vec(),
        )
        .await
    }
}

/// A response body as text.
pub fn text(resp: &Resp) -> String {
    String::from_utf8_lossy(&resp.body).into_owned()
}

/// The `name`s of a listing page's `values`.
pub fn names(page: &Value) -> Vec<String> {
    page["values"]
        .as_array()
        .unwrap_or_else(|| panic!("no values: {page}"))
        .iter()
        .map(|item| item["name"].as_str().unwrap().to_owned())
        .collect()
}
