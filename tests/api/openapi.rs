//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document, and every operation it lists answered
//! by the real service as a route it has (the unit tests of `routes::openapi` hold the document
//! to the route table both ways).

use serde_json::Value;

use crate::helpers::*;

/// A sample value for each path parameter of the document.
fn sample(parameter: &str) -> &'static str {
    match parameter {
        "consent_id" => "lnp0k3b2_1111111111_2222222222_33",
        "shown" => "0000000000000000",
        "file" => "missing.txt",
        "script" => "missing.js",
        other => panic!("no sample for {{{other}}}"),
    }
}

/// `path` with each `{parameter}` replaced by its sample.
fn fill(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some((before, after)) = rest.split_once('{') {
        let (name, after) = after.split_once('}').expect("a closed parameter");
        out.push_str(before);
        out.push_str(sample(name));
        rest = after;
    }
    out + rest
}

/// The answer of a path no route matched.
fn unrouted(status: u16, body: &str) -> bool {
    status == 405
        || (status == 404
            && serde_json::from_str::<Value>(body).is_ok_and(|e| {
                e["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("no such page"))
            }))
}

#[actix_rt::test]
async fn the_document_is_openapi_3_1_and_each_operation_in_it_is_a_route_of_the_service() {
    let app = spawn_unlimited().await;

    let (status, headers, body) = app.get("/api/v1/openapi.json").await;

    assert_eq!(status, 200);
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
    assert_eq!(content_type, Some("application/json"));
    let doc: Value = serde_json::from_str(&body).expect("JSON");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 20, "{} paths", paths.len());
    for (path, item) in paths {
        for method in item.as_object().expect("operations").keys() {
            let (status, body) = app
                .admin_call(&method.to_uppercase(), &fill(path), Some(ADMIN_TOKEN))
                .await;
            assert!(!unrouted(status, &body), "{method} {path}: {status} {body}");
        }
    }
    let (status, body) = app
        .admin_call("GET", "/api/v1/nothing", Some(ADMIN_TOKEN))
        .await;
    assert!(
        unrouted(status, &body),
        "a path the document lacks is no route: {status}"
    );
}
