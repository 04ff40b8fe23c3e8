//! CSV for every API list (RFC 4180 via the csv crate): each item is
//! flattened, nested objects by dotted names (`scores.routingInformationRPKI.value`),
//! arrays of plain values joined by spaces, arrays of objects as JSON text.
//! The header is the union of the names in first-seen order, so a column
//! missing from some items is empty there.

use serde_json::Value;

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                let name = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&name, x, out);
            }
        }
        Value::Array(items) if items.iter().all(|x| !x.is_object() && !x.is_array()) => {
            let parts: Vec<String> = items.iter().map(scalar).collect();
            out.push((prefix.to_string(), parts.join(" ")));
        }
        Value::Array(_) => out.push((prefix.to_string(), v.to_string())),
        _ => out.push((prefix.to_string(), scalar(v))),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The items as CSV text with a header line.
pub fn to_csv(items: &[Value]) -> String {
    let rows: Vec<Vec<(String, String)>> = items
        .iter()
        .map(|i| {
            let mut out = Vec::new();
            flatten("", i, &mut out);
            out
        })
        .collect();
    let mut header: Vec<String> = Vec::new();
    for r in &rows {
        for (k, _) in r {
            if !header.contains(k) {
                header.push(k.clone());
            }
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail; a failure would be a bug in csv.
    let _ = w.write_record(&header);
    for r in &rows {
        let line: Vec<&str> = header
            .iter()
            .map(|h| r.iter().find(|(k, _)| k == h).map_or("", |(_, v)| v.as_str()))
            .collect();
        let _ = w.write_record(&line);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_values_are_flattened_and_missing_ones_empty() {
        let items = [
            json!({"asn": 1, "name": "A, \"quoted\"", "scores": {"rpki": {"value": 0.5}}, "upstreams": [174, 3356]}),
            json!({"asn": 2, "name": null, "extra": true, "vrps": [{"asn": 3}]}),
        ];
        let text = to_csv(&items);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "asn,name,scores.rpki.value,upstreams,extra,vrps");
        assert_eq!(lines[1], "1,\"A, \"\"quoted\"\"\",0.5,174 3356,,");
        assert_eq!(lines[2], "2,,,,true,\"[{\"\"asn\"\":3}]\"");
        assert_eq!(lines.len(), 3);
    }
}
