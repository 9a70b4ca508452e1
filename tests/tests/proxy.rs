//! Calls through an HTTP CONNECT proxy with basic authentication.

use std::sync::{Arc, Mutex};

use lusid_emulator::Emulator;
use lusid_integration_tests::{config_for, start};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One `CONNECT` the proxy received: its target and `Proxy-Authorization`.
type Connect = (String, Option<String>);

/// A minimal CONNECT proxy on an ephemeral loopback port that records the
/// `CONNECT` requests it receives.
struct TunnelProxy {
    url: String,
    seen: Arc<Mutex<Vec<Connect>>>,
}

async fn tunnel_proxy() -> TunnelProxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let mut client = BufReader::new(client);
                let mut first = String::new();
                client.read_line(&mut first).await.unwrap();
                let target = first.split_whitespace().nth(1).unwrap_or("").to_owned();
                let mut authorization = None;
                loop {
                    let mut line = String::new();
                    client.read_line(&mut line).await.unwrap();
                    if line == "\r\n" || line.is_empty() {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':') {
                        if name.eq_ignore_ascii_case("proxy-authorization") {
                            authorization = Some(value.trim().to_owned());
                        }
                    }
                }
                record.lock().unwrap().push((target.clone(), authorization));
                let mut upstream = TcpStream::connect(&target).await.unwrap();
                let mut client = client.into_inner();
                client
                    .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    .await
                    .unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    TunnelProxy { url, seen }
}

#[tokio::test]
async fn calls_tunnel_through_the_configured_proxy_with_basic_auth() {
    let emulator = start(Emulator::builder().equities(2)).await;
    let proxy = tunnel_proxy().await;
    let username = "svc-lusid@acme";
    let password = "p:a ss/w%rd&é";
    let proxy_config = lusid::stack::Proxy::new(&proxy.url.parse().unwrap())
        .unwrap()
        .basic_auth(username, password);
    let client = lusid::Client::builder()
        .config(config_for(&emulator))
        .proxy(Some(proxy_config))
        .build()
        .unwrap();

    let page = client
        .instruments()
        .list_instruments()
        .limit(2)
        .send()
        .await
        .unwrap();

    assert_eq!(page.values[0].lusid_instrument_id, "CCY_AED");
    let seen = proxy.seen.lock().unwrap().clone();
    let emulator_host = emulator.base_url().trim_start_matches("http://").to_owned();
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|(target, _)| *target == emulator_host),
        "{seen:?}"
    );
    let expected = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{username}:{password}")
        )
    );
    assert!(
        seen.iter()
            .all(|(_, auth)| auth.as_deref() == Some(expected.as_str())),
        "{seen:?}"
    );
}

#[tokio::test]
async fn no_proxy_hosts_connect_directly() {
    let emulator = start(Emulator::builder().equities(1)).await;
    let proxy = tunnel_proxy().await;
    let proxy_config = lusid::stack::Proxy::new(&proxy.url.parse().unwrap())
        .unwrap()
        .no_proxy("127.0.0.1,localhost");
    let client = lusid::Client::builder()
        .config(config_for(&emulator))
        .proxy(Some(proxy_config))
        .build()
        .unwrap();

    client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await
        .unwrap();

    assert!(proxy.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_secrets_files_proxy_is_used_with_its_credentials() {
    let emulator = start(Emulator::builder().equities(1)).await;
    let proxy = tunnel_proxy().await;
    let mut secrets = emulator.secrets_json();
    secrets["proxy"] = serde_json::json!({
        "address": proxy.url,
        "username": "proxy-user",
        "password": "proxy pass+word",
    });
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), secrets.to_string()).unwrap();
    let client = lusid::Client::builder()
        .secrets_file(file.path())
        .build()
        .unwrap();

    client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await
        .unwrap();

    let seen = proxy.seen.lock().unwrap().clone();
    assert!(!seen.is_empty(), "the call did not go through the proxy");
    let expected = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "proxy-user:proxy pass+word"
        )
    );
    assert!(
        seen.iter()
            .all(|(_, auth)| auth.as_deref() == Some(expected.as_str())),
        "{seen:?}"
    );
}
