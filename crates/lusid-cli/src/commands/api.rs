//! `lusid api list`, `lusid api describe` and `lusid api OPERATION`.

use std::io::{Read, Write};
use std::path::Path;

use bytes::Bytes;
use lusid::api::RawPage;
use lusid::models::RawJson;

use crate::api::capture::{CaptureLayer, Captured};
use crate::api::invoke;
use crate::api::params::Values;
use crate::api::raw::{RawLayer, RawSlot};
use crate::api::request::{self, Content, Payload, Target};
use crate::api::table::{Operation, Service, StrFormat, Type};
use crate::api::validate;
use crate::cli::{ApiCallArgs, ApiDescribeArgs, ApiFormat, ApiListArgs, Format};
use crate::error::CliError;
use crate::output::{self, Output, Shape, WriteError};
use crate::session::Session;

/// The service a command names: `--service` after the command, else
/// before it, else `lusid`.
pub fn service_name<'a>(after: Option<&'a str>, before: Option<&'a str>) -> &'a str {
    after.or(before).unwrap_or("lusid")
}

/// `lusid api list`: one line per operation: id, method, path, tag, API
/// status (columns aligned, separated by two spaces or more).
pub fn list(args: &ApiListArgs, before: Option<&str>) -> Result<(), CliError> {
    let service = crate::api::service(service_name(args.service.as_deref(), before))?;
    if let Some(tag) = args.tag.as_deref() {
        if !service
            .operations
            .iter()
            .any(|op| op.tag.eq_ignore_ascii_case(tag))
        {
            let mut tags: Vec<&str> = service.operations.iter().map(|op| op.tag).collect();
            tags.sort_unstable();
            tags.dedup();
            return Err(CliError::Usage(format!(
                "no operation has the tag `{tag}`; the tags are: {}",
                tags.join(", ")
            )));
        }
    }
    let text = list_text(&service, args.tag.as_deref(), args.search.as_deref());
    print(&text)
}

/// The lines `lusid api list` prints.
pub fn list_text(service: &Service<'_>, tag: Option<&str>, search: Option<&str>) -> String {
    let search = search.map(str::to_ascii_lowercase);
    let chosen: Vec<&Operation<'_>> = service
        .operations
        .iter()
        .filter(|op| tag.is_none_or(|tag| op.tag.eq_ignore_ascii_case(tag)))
        .filter(|op| {
            search.as_deref().is_none_or(|word| {
                op.id.to_ascii_lowercase().contains(word)
                    || op.path.to_ascii_lowercase().contains(word)
                    || op.tag.to_ascii_lowercase().contains(word)
            })
        })
        .collect();
    let width = |f: for<'o> fn(&'o Operation<'_>) -> &'o str| {
        chosen.iter().map(|op| f(op).len()).max().unwrap_or(0)
    };
    let (id_w, method_w, path_w, tag_w) = (
        width(|op| op.id),
        width(|op| op.method),
        width(|op| op.path),
        width(|op| op.tag),
    );
    let mut text = String::new();
    for op in chosen {
        let status = if op.deprecated {
            format!("{} (deprecated)", op.status)
        } else {
            op.status.to_owned()
        };
        let line = format!(
            "{:id_w$}  {:method_w$}  {:path_w$}  {:tag_w$}  {status}",
            op.id, op.method, op.path, op.tag
        );
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// `lusid api describe OPERATION`.
pub fn describe(args: &ApiDescribeArgs, before: Option<&str>) -> Result<(), CliError> {
    let service = crate::api::service(service_name(args.service.as_deref(), before))?;
    let operation = find(&service, &args.operation)?;
    print(&describe_text(&service, operation))
}

/// What `lusid api describe` prints for `operation`.
pub fn describe_text(service: &Service<'_>, operation: &Operation<'_>) -> String {
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let mut text = format!(
        "{}: {} {}\ntag: {}\nstatus: {}{}\npaged: {}\nidempotent: {}\n",
        operation.id,
        operation.method,
        operation.path,
        operation.tag,
        operation.status,
        if operation.deprecated {
            " (deprecated)"
        } else {
            ""
        },
        if operation.paged {
            "yes (nextPage; --all-pages follows it)"
        } else {
            "no"
        },
        yes_no(operation.idempotent),
    );
    if operation.params.is_empty() {
        text.push_str("parameters: none\n");
    } else {
        text.push_str("parameters (-p NAME=VALUE):\n");
        let width = operation
            .params
            .iter()
            .map(|p| p.name.len())
            .max()
            .unwrap_or(0);
        for param in &operation.params {
            let mut line = format!(
                "  {:width$}  {:6}  {}{}",
                param.name,
                param.location.as_str(),
                param.kind.as_str(),
                if param.repeated { " (repeatable)" } else { "" }
            );
            if param.required {
                line.push_str("  required");
            }
            if is_body_length(operation, param) {
                line.push_str("  (the --body's size unless given)");
            }
            if !param.values.is_empty() {
                line.push_str(&format!("  allowed: {}", param.values.join(", ")));
            }
            if let Some(default) = &param.default {
                line.push_str(&format!("  default: {default}"));
            }
            text.push_str(&line);
            text.push('\n');
        }
    }
    match &operation.body {
        None => text.push_str("body: none\n"),
        Some(body) => {
            text.push_str(&format!(
                "body ({}, {}): {}\n",
                body.media_type,
                if body.required {
                    "required"
                } else {
                    "optional"
                },
                validate::name(service, &body.ty)
            ));
            describe_fields(service, &body.ty, &mut text);
        }
    }
    match &operation.response {
        None => text.push_str("response: none\n"),
        Some(ty) => text.push_str(&format!("response: {}\n", validate::name(service, ty))),
    }
    text
}

/// The fields of the object a body holds (directly, or as the items of an
/// array or the values of a map), required ones marked.
fn describe_fields(service: &Service<'_>, ty: &Type, text: &mut String) {
    let mut ty = ty;
    let mut within = String::new();
    loop {
        match ty {
            Type::Nullable(inner) => ty = inner,
            Type::Array(items) => {
                within = " (each item)".to_owned();
                ty = items;
            }
            Type::Map(values) => {
                within = " (each value)".to_owned();
                ty = values;
            }
            Type::Ref(index) => match service.schemas.get(usize::from(*index)) {
                Some(schema) => ty = &schema.ty,
                None => return,
            },
            _ => break,
        }
    }
    let mut fields = Vec::new();
    collect_fields(service, ty, &mut fields);
    if fields.is_empty() {
        return;
    }
    text.push_str(&format!("  fields{within}:\n"));
    let width = fields
        .iter()
        .map(|(name, ..)| name.len())
        .max()
        .unwrap_or(0);
    for (name, kind, required, values) in fields {
        let mut line = format!("    {name:width$}  {kind}");
        if required {
            line.push_str("  required");
        }
        if !values.is_empty() {
            line.push_str(&format!("  values: {values}"));
        }
        text.push_str(&line);
        text.push('\n');
    }
}

/// (name, type, required, listed values) of an object's properties,
/// through `allOf`.
fn collect_fields(
    service: &Service<'_>,
    ty: &Type,
    fields: &mut Vec<(String, String, bool, String)>,
) {
    match ty {
        Type::Object(object) => {
            for property in &object.properties {
                let mut inner = &property.ty;
                while let Type::Nullable(t) = inner {
                    inner = t;
                }
                let values = match inner {
                    Type::Str(strings) if !strings.values.is_empty() => {
                        let mut list = strings.values.join(", ");
                        if strings.format == StrFormat::Plain && !strings.enforced {
                            list.push_str(" (not enforced)");
                        }
                        list
                    }
                    _ => String::new(),
                };
                fields.push((
                    property.name.clone(),
                    validate::name(service, &property.ty),
                    object.required.contains(&property.name),
                    values,
                ));
            }
        }
        Type::AllOf(members) => {
            for member in members {
                collect_fields(service, member, fields);
            }
        }
        Type::Ref(index) => {
            if let Some(schema) = service.schemas.get(usize::from(*index)) {
                collect_fields(service, &schema.ty, fields);
            }
        }
        _ => {}
    }
}

/// The operation called `id`, or an error suggesting near names.
pub fn find<'s, 'a>(service: &'s Service<'a>, id: &str) -> Result<&'s Operation<'a>, CliError> {
    if let Some(operation) = service.operation(id) {
        return Ok(operation);
    }
    let lower = id.to_ascii_lowercase();
    let mut near: Vec<&str> = service
        .operations
        .iter()
        .map(|op| op.id)
        .filter(|candidate| {
            let candidate = candidate.to_ascii_lowercase();
            candidate == lower
                || (lower.len() >= 4 && (candidate.contains(&lower) || lower.contains(&candidate)))
        })
        .collect();
    near.truncate(8);
    Err(CliError::UnknownOperation {
        service: service.name.clone(),
        operation: id.to_owned(),
        near: near.into_iter().map(str::to_owned).collect(),
    })
}

/// Writes text to stdout.
fn print(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|source| CliError::Output { path: None, source })
}

/// A call checked and ready to send: the operation, its parameters and
/// its body.
pub struct Prepared<'s> {
    /// The service's table.
    pub service: &'s Service<'static>,
    /// The operation's index in the table.
    index: usize,
    /// The checked parameters.
    pub values: Values,
    /// The body, if any.
    pub payload: Option<Payload>,
}

impl Prepared<'_> {
    /// The operation.
    pub fn operation(&self) -> &Operation<'static> {
        &self.service.operations[self.index]
    }
}

/// Checks everything about a call that can be checked without LUSID:
/// the operation, its parameters and its body (read from `body`, or from
/// `stdin` for `-`).
pub fn prepare<'s>(
    service: &'s Service<'static>,
    args: &ApiCallArgs,
    stdin: &mut dyn Read,
) -> Result<Prepared<'s>, CliError> {
    let operation = find(service, &args.operation)?;
    let index = service
        .operations
        .iter()
        .position(|op| op.id == operation.id)
        .unwrap_or_default();
    let mut params = args.params.clone();
    let octet_stream = operation
        .body
        .as_ref()
        .is_some_and(|body| request::media_type(&body.media_type) == "application/octet-stream");
    if octet_stream {
        // Before the parameters: the Content-Length they need comes from
        // the body.
        check_body_presence(service, operation, args)?;
    }
    let octet_body = match (&args.body, octet_stream) {
        (Some(path), true) => Some(octet_body(path, stdin)?),
        _ => None,
    };
    if let (Some((_, len)), Some(path)) = (&octet_body, &args.body) {
        content_length(operation, &mut params, *len, path)?;
    }
    let values = Values::parse(operation, &params)?;
    if args.all_pages && !operation.paged {
        return Err(CliError::Usage(format!(
            "{} does not page (it has no page parameter and nextPage): drop --all-pages",
            operation.id
        )));
    }
    check_body_presence(service, operation, args)?;
    let payload = match (&operation.body, &args.body, octet_body) {
        (_, None, _) | (None, _, _) => None,
        (Some(_), Some(_), Some((content, _))) => Some(Payload {
            content,
            media_type: "application/octet-stream",
        }),
        (Some(body), Some(path), None) => {
            let bytes = read_body(path, stdin)?;
            let media_type = request::media_type(&body.media_type);
            if media_type == "application/json" {
                validate::check(service, &body.ty, &bytes).map_err(|error| CliError::Body {
                    operation: operation.id.to_owned(),
                    path: path.clone(),
                    error: Box::new(error),
                })?;
            }
            Some(Payload::bytes(bytes, media_type))
        }
    };
    Ok(Prepared {
        service,
        index,
        values,
        payload,
    })
}

/// Whether `param` is the `Content-Length` that `prepare` sets to the size
/// of an `application/octet-stream` body.
fn is_body_length(operation: &Operation<'_>, param: &crate::api::table::Param) -> bool {
    param.location == crate::api::table::Location::Header
        && param.name.eq_ignore_ascii_case("content-length")
        && operation
            .body
            .as_ref()
            .is_some_and(|body| request::media_type(&body.media_type) == "application/octet-stream")
}

/// Refuses `--body` for an operation that takes none, and its absence
/// for one that requires one.
fn check_body_presence(
    service: &Service<'static>,
    operation: &Operation<'static>,
    args: &ApiCallArgs,
) -> Result<(), CliError> {
    match (&operation.body, &args.body) {
        (None, Some(_)) => Err(CliError::Usage(format!(
            "{} takes no request body: drop --body",
            operation.id
        ))),
        (Some(body), None) if body.required => Err(CliError::Usage(format!(
            "{} requires a request body ({}): pass --body FILE, or --body - for stdin (`lusid api describe {}` shows its fields)",
            operation.id,
            validate::name(service, &body.ty),
            operation.id
        ))),
        _ => Ok(()),
    }
}

/// An `application/octet-stream` body and its length: a file streamed as
/// it is sent, or stdin (`-`) read whole, since the length must be known.
fn octet_body(path: &Path, stdin: &mut dyn Read) -> Result<(Content, u64), CliError> {
    if path == Path::new("-") {
        let bytes = read_body(path, stdin)?;
        let len = bytes.len() as u64;
        return Ok((Content::Bytes(bytes), len));
    }
    let len = file_size(path)?;
    Ok((
        Content::File {
            path: path.to_owned(),
            len,
        },
        len,
    ))
}

/// Adds `Content-Length=LEN` (the body's size) to `params` for an
/// operation that takes it; one given with `-p` must be that size, since
/// a shorter one would cut the body and a longer one leave the server
/// waiting for bytes that never come.
fn content_length(
    operation: &Operation<'static>,
    params: &mut Vec<String>,
    len: u64,
    body: &Path,
) -> Result<(), CliError> {
    let Some(param) = operation.param("Content-Length") else {
        return Ok(());
    };
    let given = params.iter().find_map(|pair| {
        pair.split_once('=')
            .filter(|(name, _)| name.eq_ignore_ascii_case(&param.name))
            .map(|(_, value)| value.trim().to_owned())
    });
    match given {
        None => {
            params.push(format!("{}={len}", param.name));
            Ok(())
        }
        Some(value) => match value.parse::<u64>() {
            Ok(declared) if declared != len => Err(CliError::Usage(format!(
                "{}: -p Content-Length={declared} but the body {} holds {len} bytes: drop -p Content-Length, the body's size is sent",
                operation.id,
                body_name(body)
            ))),
            // The right size, or not a number (refused with the other
            // parameters).
            _ => Ok(()),
        },
    }
}

/// How a `--body` is named in messages: the path, or `stdin` for `-`.
fn body_name(path: &Path) -> String {
    if path == Path::new("-") {
        "(stdin)".to_owned()
    } else {
        path.display().to_string()
    }
}

/// The size of a body file streamed as it is sent: a regular file.
///
/// # Errors
/// [`CliError::BodyFile`] for a missing file, a directory or anything
/// else that is not a regular file.
pub fn file_size(path: &Path) -> Result<u64, CliError> {
    let meta = std::fs::metadata(path).map_err(|source| CliError::BodyFile {
        path: path.to_owned(),
        source,
    })?;
    if !meta.is_file() {
        return Err(CliError::BodyFile {
            path: path.to_owned(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                if meta.is_dir() {
                    "it is a directory, not a file"
                } else {
                    "it is not a regular file"
                },
            ),
        });
    }
    Ok(meta.len())
}

/// Reads `--body`: a file, or stdin for `-`.
fn read_body(path: &Path, stdin: &mut dyn Read) -> Result<Bytes, CliError> {
    let mut bytes = Vec::new();
    let read = if path == Path::new("-") {
        stdin.read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(path).map(|read| bytes = read)
    };
    read.map_err(|source| CliError::BodyFile {
        path: path.to_owned(),
        source,
    })?;
    Ok(Bytes::from(bytes))
}

/// `lusid api OPERATION`: sends the call (or, with `--dry-run`, prints it)
/// and writes the response.
pub async fn call(
    session: &Session,
    args: &ApiCallArgs,
    prepared: Prepared<'_>,
) -> Result<(), CliError> {
    if args.dry_run {
        return dry_run(session, args, &prepared).await;
    }
    let client = session.client_with(|builder| builder.layer(RawLayer))?;
    let target = Target {
        base_url: invoke::base_url(&session.config, &prepared.service.name)?,
        raw: None,
    };
    if prepared.operation().raw.is_some() {
        return write_raw(&client, args, &prepared, target).await;
    }
    let output = Output::open(args.output.as_deref()).map_err(|source| CliError::Output {
        path: args.output.clone(),
        source,
    })?;
    let output_path = output.path().map(ToOwned::to_owned);
    let output_error = |source| CliError::Output {
        path: output_path.clone(),
        source,
    };
    let format = match args.format {
        ApiFormat::Json => Format::Json,
        ApiFormat::Ndjson => Format::Ndjson,
    };
    let shape = if args.all_pages {
        Shape::Many
    } else {
        Shape::One
    };
    let mut writer = output::writer(format, shape, &[], output.writer().map_err(output_error)?);
    let mut written = 0_u64;
    let outcome = if args.all_pages {
        write_all_pages(
            &client,
            &prepared,
            &target,
            writer.as_mut(),
            &mut written,
            &output_error,
        )
        .await
    } else {
        write_one(
            &client,
            args,
            &prepared,
            &target,
            writer.as_mut(),
            &mut written,
            &output_error,
        )
        .await
    };
    match outcome {
        Ok(()) => {
            writer.finish().map_err(output_error)?;
            drop(writer);
            output.commit().map_err(output_error)
        }
        Err(error @ CliError::Output { .. }) => Err(error),
        Err(error) if written == 0 => Err(error),
        Err(error) => {
            // Pages already fetched are kept whole (each is flushed as it
            // is written): on stdout, or as `<output>.partial`, and the
            // error says how many items they hold. A JSON array stays
            // open, so it cannot be mistaken for a complete result.
            let flushed = writer.flush();
            drop(writer);
            flushed.map_err(output_error)?;
            Err(CliError::Interrupted {
                written,
                kept: output.keep_partial(written),
                source: Box::new(error),
            })
        }
    }
}

/// Writes one item, counting it.
fn write_item(
    writer: &mut dyn output::InstrumentWriter,
    item: &RawJson,
    written: &mut u64,
    output_error: &dyn Fn(std::io::Error) -> CliError,
) -> Result<(), CliError> {
    *written += 1;
    writer.write(item).map_err(|error| match error {
        WriteError::Io(source) => output_error(source),
        WriteError::Decode(source) => CliError::Decode {
            position: *written,
            source,
        },
    })
}

/// `--all-pages`: follows `nextPage` with the paginator (asAt pinned,
/// parameters fixed), writing and flushing each page's items as it
/// arrives, so memory stays bounded and a later failure keeps them.
async fn write_all_pages(
    client: &lusid::Client,
    prepared: &Prepared<'_>,
    target: &Target,
    writer: &mut dyn output::InstrumentWriter,
    written: &mut u64,
    output_error: &dyn Fn(std::io::Error) -> CliError,
) -> Result<(), CliError> {
    let operation = prepared.operation();
    let payload = prepared.payload.clone();
    let mut pages = lusid::api::paginate_pages(prepared.values.clone(), |values: Values| {
        let client = client.clone();
        let payload = payload.clone();
        let target = target.clone();
        async move {
            let request = request::build(operation, &values, payload.as_ref(), &target).await?;
            client.api().execute::<RawPage>(request).await
        }
    });
    // The paginator names its own errors by a constant; name the
    // operation instead.
    let named = |error: lusid::Error| match error {
        lusid::Error::RepeatedPageToken { token, pages, .. } => lusid::Error::RepeatedPageToken {
            operation: operation.id,
            token,
            pages,
        },
        other => other,
    };
    while let Some(page) = pages.try_next().await.map_err(named)? {
        for item in &page.values {
            write_item(writer, item, written, output_error)?;
        }
        writer.flush().map_err(output_error)?;
    }
    Ok(())
}

/// One request: the response as LUSID sent it, or with `--format ndjson`
/// on a paged operation, its page's items one per line.
async fn write_one(
    client: &lusid::Client,
    args: &ApiCallArgs,
    prepared: &Prepared<'_>,
    target: &Target,
    writer: &mut dyn output::InstrumentWriter,
    written: &mut u64,
    output_error: &dyn Fn(std::io::Error) -> CliError,
) -> Result<(), CliError> {
    let operation = prepared.operation();
    let request = request::build(
        operation,
        &prepared.values,
        prepared.payload.as_ref(),
        target,
    )
    .await?;
    let response: RawJson = client.api().execute(request).await?;
    match args.format {
        ApiFormat::Ndjson if operation.paged => {
            let page: RawPage = response
                .deserialize_into()
                .map_err(|source| CliError::Decode {
                    position: 1,
                    source,
                })?;
            for item in &page.values {
                write_item(writer, item, written, output_error)?;
            }
            Ok(())
        }
        _ => write_item(writer, &response, written, output_error),
    }
}

/// An operation whose response is passed through as bytes (Drive's file
/// contents, Luminesce's results): the body is copied to the output as it
/// arrives (`--output` is written beside its target and renamed into
/// place on success).
async fn write_raw(
    client: &lusid::Client,
    args: &ApiCallArgs,
    prepared: &Prepared<'_>,
    mut target: Target,
) -> Result<(), CliError> {
    let operation = prepared.operation();
    let output = Output::open(args.output.as_deref()).map_err(|source| CliError::Output {
        path: args.output.clone(),
        source,
    })?;
    let output_path = output.path().map(ToOwned::to_owned);
    let output_error = |source| CliError::Output {
        path: output_path.clone(),
        source,
    };
    let slot = RawSlot::default();
    target.raw = Some(slot.clone());
    let request = request::build(
        operation,
        &prepared.values,
        prepared.payload.as_ref(),
        &target,
    )
    .await?;
    let _: RawJson = client.api().execute(request).await?;
    let response = slot.take().ok_or_else(|| {
        CliError::Unsupported(format!("{}: the response was not kept", operation.id))
    })?;
    let mut out = output.writer().map_err(output_error)?;
    invoke::copy_body(response, out.as_mut(), &output_error).await?;
    drop(out);
    output.commit().map_err(output_error)
}

/// `--dry-run`: the request through the real stack down to the auth
/// layer, printed as JSON.
async fn dry_run(
    session: &Session,
    args: &ApiCallArgs,
    prepared: &Prepared<'_>,
) -> Result<(), CliError> {
    let layer = CaptureLayer::default();
    let client = session.client_with(|builder| builder.layer(layer.clone()))?;
    let captured = capture(&client, &session.config, &layer, prepared, args.all_pages).await?;
    let text = dry_run_json(&captured, prepared.payload.as_ref())?;
    let output = Output::open(args.output.as_deref()).map_err(|source| CliError::Output {
        path: args.output.clone(),
        source,
    })?;
    let output_path = output.path().map(ToOwned::to_owned);
    let output_error = |source| CliError::Output {
        path: output_path.clone(),
        source,
    };
    let mut out = output.writer().map_err(output_error)?;
    out.write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(output_error)?;
    drop(out);
    output.commit().map_err(output_error)
}

/// The request a call would send, as it reaches the auth layer of
/// `client`'s stack (built with `layer`) (which it never reaches: nothing is sent). With
/// `all_pages`, the first page's, asAt pinned as the paginator pins it.
pub async fn capture(
    client: &lusid::Client,
    client_config: &lusid::auth::Config,
    layer: &CaptureLayer,
    prepared: &Prepared<'_>,
    all_pages: bool,
) -> Result<Captured, CliError> {
    let operation = prepared.operation();
    let mut values = prepared.values.clone();
    if all_pages {
        use lusid::api::PagedParams;
        if values.page_size().is_none() {
            values.set_page_size(lusid::api::DEFAULT_PAGE_SIZE);
        }
        values.pin_as_at(time::OffsetDateTime::now_utc());
    }
    let target = Target {
        base_url: invoke::base_url(client_config, &prepared.service.name)?,
        raw: None,
    };
    let request = request::build(operation, &values, prepared.payload.as_ref(), &target).await?;
    let _: RawJson = client.api().execute(request).await?;
    layer
        .take()
        .ok_or_else(|| CliError::Unsupported("the dry run captured no request".to_owned()))
}

/// `{"method","url","headers","body"}`: a JSON body as written (not
/// re-serialised), file contents by their size and origin, any other body
/// as a string, no body as null.
pub fn dry_run_json(captured: &Captured, payload: Option<&Payload>) -> Result<String, CliError> {
    use serde_json::value::RawValue;
    let body: Option<Box<RawValue>> = match (&captured.body, payload) {
        (
            _,
            Some(Payload {
                content: Content::File { path, len },
                ..
            }),
        ) => {
            let text = format!("<{len} bytes streamed from {}>", path.display());
            serde_json::to_string(&text)
                .ok()
                .and_then(|text| RawValue::from_string(text).ok())
        }
        (Some(bytes), Some(payload)) if payload.media_type == "application/octet-stream" => {
            // Contents read from stdin: their size, not their (binary)
            // bytes.
            let text = format!("<{} bytes from stdin>", bytes.len());
            serde_json::to_string(&text)
                .ok()
                .and_then(|text| RawValue::from_string(text).ok())
        }
        (Some(bytes), Some(payload)) if payload.media_type == "application/json" => {
            let text = String::from_utf8_lossy(bytes).trim().to_owned();
            Some(
                RawValue::from_string(text).map_err(|source| CliError::Decode {
                    position: 1,
                    source,
                })?,
            )
        }
        (Some(bytes), _) => {
            let text =
                serde_json::to_string(&String::from_utf8_lossy(bytes)).map_err(|source| {
                    CliError::Decode {
                        position: 1,
                        source,
                    }
                })?;
            RawValue::from_string(text).ok()
        }
        (None, _) => None,
    };
    let mut headers = serde_json::Map::new();
    for (name, value) in &captured.headers {
        if name.eq_ignore_ascii_case("authorization") {
            continue;
        }
        headers.insert(name.clone(), serde_json::Value::String(value.clone()));
    }
    #[derive(serde::Serialize)]
    struct DryRun<'a> {
        method: &'a str,
        url: &'a str,
        headers: serde_json::Map<String, serde_json::Value>,
        body: Option<Box<RawValue>>,
    }
    serde_json::to_string_pretty(&DryRun {
        method: &captured.method,
        url: &captured.url,
        headers,
        body,
    })
    .map_err(|source| CliError::Decode {
        position: 1,
        source,
    })
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
