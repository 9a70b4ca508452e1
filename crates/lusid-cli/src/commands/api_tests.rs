//! Every operation of the table described and dry-run, in process.

use std::collections::HashSet;

use clap::Parser;
use serde_json::{Map, Value, json};

use super::*;
use crate::api::table::{Param, ParamKind};
use crate::cli::GlobalArgs;

/// A value of the right type for a parameter.
fn sample_param(param: &Param) -> String {
    if let Some(value) = param.values.first() {
        return value.clone();
    }
    match param.kind {
        ParamKind::String => format!("{}-value", param.name),
        ParamKind::DateTime => "2024-01-31T09:30:00.1234567+00:00".to_owned(),
        ParamKind::Integer => "10".to_owned(),
        ParamKind::Number => "12.5".to_owned(),
        ParamKind::Boolean => "true".to_owned(),
    }
}

/// A body with every required field, built from the schema table.
fn sample(service: &Service<'_>, ty: &Type, depth: usize) -> Value {
    if depth > 12 {
        return Value::Null;
    }
    match ty {
        Type::Any => json!({}),
        Type::Nullable(inner) => sample(service, inner, depth),
        Type::Str(strings) => match strings.format {
            StrFormat::DateTime => json!("2024-01-31T00:00:00.0000000+00:00"),
            _ => strings
                .values
                .first()
                .map_or_else(|| json!("x"), |value| json!(value)),
        },
        Type::Integer => json!(1),
        Type::Number => json!(1.5),
        Type::Boolean => json!(true),
        Type::Array(_) => json!([]),
        Type::Map(_) => json!({}),
        Type::Ref(index) => sample(service, &service.schemas[usize::from(*index)].ty, depth + 1),
        Type::AllOf(members) => {
            let mut merged = Map::new();
            for member in members {
                if let Value::Object(fields) = sample(service, member, depth + 1) {
                    merged.extend(fields);
                }
            }
            Value::Object(merged)
        }
        Type::OneOf(one_of) => {
            let index = one_of
                .discriminator
                .as_ref()
                .and_then(|d| d.mapping.first().map(|(_, i)| *i))
                .or_else(|| one_of.members.first().copied())
                .unwrap_or_default();
            let mut value = sample(service, &Type::Ref(index), depth + 1);
            if let (Some(d), Value::Object(fields)) = (&one_of.discriminator, &mut value) {
                if let Some((tag, _)) = d.mapping.first() {
                    fields.insert(d.property.clone(), json!(tag));
                }
            }
            value
        }
        Type::Object(object) => {
            if let Some(d) = &object.discriminator {
                let target = d
                    .mapping
                    .iter()
                    .find(|(_, i)| !matches!(&service.schemas[usize::from(*i)].ty, Type::Object(o) if std::ptr::eq(o, object)));
                if let Some((tag, index)) = target {
                    let mut value =
                        sample(service, &service.schemas[usize::from(*index)].ty, depth + 1);
                    if let Value::Object(fields) = &mut value {
                        fields.insert(d.property.clone(), json!(tag));
                    }
                    return value;
                }
            }
            let mut fields = Map::new();
            for property in &object.properties {
                if object.required.contains(&property.name) {
                    fields.insert(
                        property.name.clone(),
                        sample(service, &property.ty, depth + 1),
                    );
                }
            }
            Value::Object(fields)
        }
    }
}

/// A session whose configuration points at a closed loopback port: a dry
/// run must never try to reach it.
async fn offline_session(dir: &std::path::Path) -> Session {
    let secrets = dir.join("secrets.json");
    let text = json!({"api": {
        "lusidUrl": "http://127.0.0.1:9/api",
        "tokenUrl": "http://127.0.0.1:9/oauth2/token",
        "username": "u", "password": "p", "clientId": "c", "clientSecret": "s"
    }});
    std::fs::write(&secrets, text.to_string()).expect("secrets written");
    let global = GlobalArgs {
        secrets: Some(secrets),
        ..GlobalArgs::default()
    };
    Session::open(&global).await.expect("a session")
}

#[test]
fn every_operation_is_described_and_dry_run() {
    let methods = describe_and_dry_run_every_operation("lusid", "/api", 898);
    assert_eq!(
        methods.len(),
        5,
        "GET, POST, PUT, DELETE and PATCH: {methods:?}"
    );
}

#[test]
fn every_operation_of_every_other_service_goes_to_its_derived_base_path() {
    for service in lusid::auth::Service::ALL {
        if service == lusid::auth::Service::Lusid {
            continue;
        }
        let table = crate::api::service(service.name()).expect("a table");
        let methods = describe_and_dry_run_every_operation(
            service.name(),
            service.base_path(),
            table.operations.len(),
        );
        assert!(methods.contains("GET"), "{service}: {methods:?}");
    }
}

/// Describes and dry-runs every operation of the service `name`, checking
/// each request goes to `http://127.0.0.1:9{base_path}{path}`; returns
/// the methods seen.
fn describe_and_dry_run_every_operation(
    name: &str,
    base_path: &str,
    count: usize,
) -> HashSet<&'static str> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = tempfile::tempdir().expect("a directory");
    let session = runtime.block_on(offline_session(dir.path()));
    let layer = CaptureLayer::default();
    let client = session
        .client_with(|builder| builder.layer(layer.clone()))
        .expect("a client");
    let service = crate::api::service(name).expect("the table");
    assert_eq!(service.operations.len(), count);
    let mut methods = HashSet::new();
    for operation in &service.operations {
        let described = describe_text(&service, operation);
        assert!(described.starts_with(&format!(
            "{}: {} {}\n",
            operation.id, operation.method, operation.path
        )));
        for param in &operation.params {
            assert!(
                described.contains(&format!("  {}", param.name)),
                "{}: {}",
                operation.id,
                param.name
            );
        }
        assert!(described.contains(if operation.paged {
            "paged: yes"
        } else {
            "paged: no"
        }));

        let mut words = vec![
            operation.id.to_owned(),
            "--service".to_owned(),
            name.to_owned(),
        ];
        // Content-Length is the body's size, which `prepare` adds (a
        // sample one would not match the body and be refused).
        for param in operation
            .params
            .iter()
            .filter(|p| p.required && !p.name.eq_ignore_ascii_case("content-length"))
        {
            words.push("-p".to_owned());
            words.push(format!("{}={}", param.name, sample_param(param)));
        }
        let body = operation
            .body
            .as_ref()
            .filter(|body| body.required)
            .map(|body| sample(&service, &body.ty, 0).to_string());
        if body.is_some() {
            words.push("--body".to_owned());
            words.push("-".to_owned());
        }
        words.push("--dry-run".to_owned());
        let args =
            ApiCallArgs::try_parse_from(std::iter::once("lusid api".to_owned()).chain(words))
                .expect("the arguments parse");
        let mut stdin = body.clone().unwrap_or_default().into_bytes();
        let prepared = prepare(&service, &args, &mut stdin.as_slice())
            .unwrap_or_else(|error| panic!("{}: {error}", operation.id));
        stdin.clear();
        let captured = runtime
            .block_on(capture(&client, &session.config, &layer, &prepared, false))
            .unwrap_or_else(|error| panic!("{}: {error}", operation.id));
        assert_eq!(captured.method, operation.method, "{}", operation.id);
        let expected_path = format!(
            "{base_path}{}",
            operation.path.split('{').next().unwrap_or("")
        );
        assert!(
            captured
                .url
                .starts_with(&format!("http://127.0.0.1:9{expected_path}")),
            "{}: {}",
            operation.id,
            captured.url
        );
        assert!(
            !captured
                .headers
                .iter()
                .any(|(name, _)| name == "authorization")
        );
        assert_eq!(
            captured.body.as_deref().map(<[u8]>::to_vec),
            body.map(String::into_bytes),
            "{}: the body is sent as written",
            operation.id
        );
        let printed: Value = serde_json::from_str(
            &dry_run_json(&captured, prepared.payload.as_ref()).expect("the dry run prints"),
        )
        .expect("the dry run is JSON");
        for field in ["method", "url", "headers", "body"] {
            assert!(printed.get(field).is_some(), "{}: {field}", operation.id);
        }
        methods.insert(operation.method);
    }
    methods
}

#[test]
fn a_text_body_is_sent_as_given() {
    use crate::api::table::{Body, Strings};
    let operation = Operation {
        id: "RunQuery",
        method: "PUT",
        path: "/api/sql",
        tag: "Sql",
        status: "Stable",
        deprecated: false,
        params: Vec::new(),
        body: Some(Body {
            media_type: "text/plain".to_owned(),
            required: true,
            ty: Type::Str(Strings {
                format: StrFormat::Plain,
                values: Vec::new(),
                enforced: false,
            }),
        }),
        response: None,
        raw: None,
        paged: false,
        idempotent: false,
    };
    let values = Values::parse(&operation, &[]).expect("no parameters");
    let sql = "select 1.10000000000000000001 as n -- not JSON\n";
    let payload = Payload::bytes(Bytes::from(sql), request::media_type("text/plain"));
    let request = futures_util::FutureExt::now_or_never(request::build(
        &operation,
        &values,
        Some(&payload),
        &request::Target::default(),
    ))
    .expect("ready")
    .expect("a request");
    assert_eq!(request.headers()["content-type"], "text/plain");
    assert_eq!(
        request.body().as_bytes().map(|b| b.to_vec()),
        Some(sql.as_bytes().to_vec())
    );
}

#[test]
fn requests_carry_the_operation_and_its_idempotency_for_the_retry_layer() {
    let service = crate::api::service("lusid").expect("the table");
    for (id, idempotent) in [
        ("UpsertInstruments", true),
        ("GetInstrument", true),
        ("CreatePortfolio", false),
        ("PatchPortfolio", false),
    ] {
        let operation = service.operation(id).expect("the operation");
        let pairs: Vec<String> = operation
            .params
            .iter()
            .filter(|p| p.required)
            .map(|p| format!("{}={}", p.name, sample_param(p)))
            .collect();
        let values = Values::parse(operation, &pairs).expect("valid");
        let request = futures_util::FutureExt::now_or_never(request::build(
            operation,
            &values,
            None,
            &request::Target::default(),
        ))
        .expect("ready")
        .expect("a request");
        let carried = request
            .extensions()
            .get::<lusid::stack::Operation>()
            .expect("the operation extension");
        assert_eq!(carried.id, id);
        assert_eq!(carried.path_template, operation.path);
        assert_eq!(carried.idempotent, idempotent, "{id}");
    }
}
