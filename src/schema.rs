//! The JSON Schema (draft-07) of the scenario format, for editors such as
//! VS Code's YAML extension. Written by hand next to the validator (the
//! validator walks located YAML nodes rather than serde structs, so there is
//! no struct to derive it from); `tests/schema.rs` checks that it accepts
//! every shipped scenario and rejects typical mistakes.

use serde_json::{json, Value};

/// The schema as a JSON value.
pub fn scenario_schema() -> Value {
    let duration = json!({
        "type": "string",
        "pattern": "^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?\\s*(s|min|h|d|wd)$",
        "description": "A number and a unit: s, min, h, d (calendar days) or wd (working days), e.g. 5min, 1.5h, 2wd"
    });
    let two = |a: &str, b: &str| {
        json!({
            "type": "object", "additionalProperties": false, "required": [a, b],
            "properties": {a: {"$ref": "#/definitions/duration"}, b: {"$ref": "#/definitions/duration"}}
        })
    };
    let dist = json!({
        "description": "A duration (constant) or a one-key mapping naming a distribution family",
        "oneOf": [
            {"$ref": "#/definitions/duration"},
            {"type": "object", "additionalProperties": false, "minProperties": 1, "maxProperties": 1,
             "properties": {
                "exp": {"$ref": "#/definitions/duration", "description": "exponential with this mean"},
                "lognormal": two("mean", "sd"),
                "normal": two("mean", "sd"),
                "gamma": two("mean", "sd"),
                "erlang": {"type": "object", "additionalProperties": false, "required": ["k", "mean"],
                           "properties": {"k": {"type": "integer", "minimum": 1}, "mean": {"$ref": "#/definitions/duration"}}},
                "triangular": {"type": "object", "additionalProperties": false, "required": ["min", "mode", "max"],
                               "properties": {"min": {"$ref": "#/definitions/duration"}, "mode": {"$ref": "#/definitions/duration"}, "max": {"$ref": "#/definitions/duration"}}},
                "uniform": two("min", "max"),
                "weibull": {"type": "object", "additionalProperties": false, "required": ["shape", "scale"],
                            "properties": {"shape": {"type": "number", "exclusiveMinimum": 0}, "scale": {"$ref": "#/definitions/duration"}}},
                "empirical": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/duration"}}
             }}
        ]
    });
    let period = json!({"type": "string", "pattern": "^[0-2]?[0-9]:[0-5][0-9]-[0-2]?[0-9]:[0-5][0-9]$", "description": "HH:MM-HH:MM"});
    let hours = json!({"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/period"}});
    let date = json!({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "YYYY-MM-DD"});
    let step_common = json!({"id": {"type": "string", "description": "label: target of rework, of time_limit.from, names the random stream"}});
    let step = json!({
        "type": "object",
        "description": "exactly one of serve, work, wait, rework, parallel, choose",
        "oneOf": [
            {"required": ["serve"], "additionalProperties": false, "properties": {
                "id": step_common["id"],
                "serve": {"description": "pool name, or a list: the one with fewest waiting per open server is joined",
                          "oneOf": [{"type": "string"}, {"type": "array", "minItems": 1, "items": {"type": "string"}}]},
                "time": {"$ref": "#/definitions/dist"},
                "patience": {"$ref": "#/definitions/dist"},
                "balk_at": {"type": "integer", "minimum": 0}}},
            {"required": ["work"], "additionalProperties": false, "properties": {
                "id": step_common["id"], "work": {"type": "string"}, "time": {"$ref": "#/definitions/dist"}}},
            {"required": ["wait"], "additionalProperties": false, "properties": {
                "id": step_common["id"], "wait": {"$ref": "#/definitions/dist"}}},
            {"required": ["rework"], "additionalProperties": false, "properties": {
                "id": step_common["id"],
                "max_rework": {"type": "integer", "minimum": 0, "description": "may also go inside `rework:`"},
                "rework": {"type": "object", "additionalProperties": false, "required": ["p", "after", "to"], "properties": {
                    "p": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
                    "after": {"$ref": "#/definitions/dist"},
                    "to": {"type": "string"},
                    "max_rework": {"type": "integer", "minimum": 0}}}}},
            {"required": ["parallel"], "additionalProperties": false, "properties": {
                "id": step_common["id"],
                "parallel": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/steps"}}}},
            {"required": ["choose"], "additionalProperties": false, "properties": {
                "id": step_common["id"],
                "choose": {"type": "array", "minItems": 1, "items": {"type": "object", "additionalProperties": false,
                    "required": ["p", "steps"], "properties": {"p": {"type": "number", "minimum": 0, "maximum": 1}, "steps": {"$ref": "#/definitions/steps"}}}}}}
        ]
    });
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://procsim.invalid/scenario-v1.schema.json",
        "title": "procsim scenario (format version 1)",
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "horizon", "pools", "processes", "arrivals"],
        "definitions": {
            "duration": duration,
            "dist": dist,
            "period": period,
            "step": step,
            "steps": {"type": "array", "items": {"$ref": "#/definitions/step"}}
        },
        "properties": {
            "name": {"type": "string", "description": "shown in reports"},
            "description": {"type": "string"},
            "seed": {"type": "integer", "minimum": 0, "default": 1},
            "replications": {"type": "integer", "minimum": 1, "default": 10},
            "horizon": {"$ref": "#/definitions/duration", "description": "arrivals stop at this time"},
            "warmup": {"$ref": "#/definitions/duration", "description": "cases arriving earlier are not counted"},
            "drain_limit": {"$ref": "#/definitions/duration", "description": "the run stops here; default 10 x horizon"},
            "calendar": {"type": "object", "additionalProperties": false, "properties": {
                "start": date.clone(),
                "hours": hours.clone(),
                "days": {"type": "array", "items": {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}},
                "holidays": {"type": "array", "items": date.clone()},
                "extra_workdays": {"type": "array", "items": date}
            }},
            "pools": {"type": "object", "minProperties": 1, "additionalProperties": {
                "type": "object", "additionalProperties": false, "required": ["servers"], "properties": {
                    "servers": {"oneOf": [
                        {"type": "integer", "minimum": 0},
                        {"type": "object", "patternProperties": {"^[0-2]?[0-9]:[0-5][0-9]$": {"type": "integer", "minimum": 0}}, "additionalProperties": false}
                    ]},
                    "hours": hours,
                    "discipline": {"enum": ["fifo", "priority"]},
                    "at_close": {"enum": ["finish", "send_home"]}
                }}},
            "processes": {"type": "object", "minProperties": 1, "additionalProperties": {
                "type": "object", "additionalProperties": false, "required": ["steps"], "properties": {
                    "time_limit": {"oneOf": [
                        {"$ref": "#/definitions/duration"},
                        {"type": "object", "additionalProperties": false, "required": ["limit"], "properties": {
                            "limit": {"$ref": "#/definitions/duration"}, "from": {"type": "string"}}}
                    ]},
                    "priority": {"type": "integer"},
                    "steps": {"$ref": "#/definitions/steps"}
                }}},
            "arrivals": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": false,
                "oneOf": [{"required": ["rate"]}, {"required": ["daily"]}, {"required": ["interarrival"]}, {"required": ["appointments"]}],
                "properties": {
                    "name": {"type": "string"},
                    "rate": {"type": "string", "pattern": "^[0-9.eE+-]+\\s*/\\s*(s|min|h|d)$"},
                    "daily": {"type": "number", "exclusiveMinimum": 0},
                    "profile": {"type": "object", "patternProperties": {"^[0-2]?[0-9]:[0-5][0-9]$": {"type": "number", "minimum": 0}}, "additionalProperties": false},
                    "interarrival": {"$ref": "#/definitions/dist"},
                    "appointments": {"type": "object", "additionalProperties": false, "required": ["every", "per_slot"], "properties": {
                        "every": {"$ref": "#/definitions/duration"},
                        "per_slot": {"type": "integer", "minimum": 1},
                        "no_show": {"type": "number", "minimum": 0, "maximum": 1},
                        "punctuality": {"$ref": "#/definitions/dist"}}},
                    "process": {"type": "string"},
                    "mix": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}},
                    "channel": {"enum": ["hall", "online"]}
                }}},
            "targets": {"type": ["array", "null"], "items": {
                "type": "object", "additionalProperties": false, "required": ["kpi"],
                "anyOf": [{"required": ["min"]}, {"required": ["max"]}],
                "properties": {"kpi": {"type": "string"}, "min": {"type": "number"}, "max": {"type": "number"}}}}
        }
    })
}
