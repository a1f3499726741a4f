//! The JSON Schema (draft-07) of the scenario format, for editors such as
//! VS Code's YAML extension. Written by hand next to the validator (the
//! validator walks located YAML nodes rather than serde structs, so there is
//! no struct to derive it from); `tests/schema.rs` checks that it accepts
//! every shipped scenario and rejects typical mistakes. The word lists come
//! from the validator's constants, and a unit test below checks that every
//! object's properties are the keys the validator accepts, and back.

use crate::scenario::{arrivals, calendar, pools, steps};
use serde_json::{json, Value};

/// The words of a fixed choice (`discipline: fifo`...), for an `enum`.
fn words<'a, T>(choices: &[(&'a str, T)]) -> Vec<&'a str> {
    choices.iter().map(|c| c.0).collect()
}

/// The schema as a JSON value.
pub fn scenario_schema() -> Value {
    let duration = json!({
        "type": "string",
        "pattern": "^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?\\s*(s|min|h|d|wd)$",
        "description": "A number and a unit: s, min, h, d (calendar days) or wd (working days), e.g. 5min, 1.5h, 2wd"
    });
    // Where working days have no meaning (service, patience, arrival gaps,
    // slot spacing, travel), the validator refuses `wd`; so does the schema.
    let clock_duration = json!({
        "type": "string",
        "pattern": "^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?\\s*(s|min|h|d)$",
        "description": "A number and a clock unit: s, min, h or d (calendar days), e.g. 5min, 1.5h; working days (wd) have no meaning here"
    });
    let dist = |unit: &str| {
        let d = format!("#/definitions/{unit}");
        let two = |a: &str, b: &str| {
            json!({
                "type": "object", "additionalProperties": false, "required": [a, b],
                "properties": {a: {"$ref": d}, b: {"$ref": d}}
            })
        };
        json!({
            "description": "A duration (constant) or a one-key mapping naming a distribution family",
            "oneOf": [
                {"$ref": d},
                {"type": "object", "additionalProperties": false, "minProperties": 1, "maxProperties": 1,
                 "properties": {
                    "exp": {"$ref": d, "description": "exponential with this mean"},
                    "lognormal": two("mean", "sd"),
                    "normal": two("mean", "sd"),
                    "gamma": two("mean", "sd"),
                    "erlang": {"type": "object", "additionalProperties": false, "required": ["k", "mean"],
                               "properties": {"k": {"type": "integer", "minimum": 1}, "mean": {"$ref": d}}},
                    "triangular": {"type": "object", "additionalProperties": false, "required": ["min", "mode", "max"],
                                   "properties": {"min": {"$ref": d}, "mode": {"$ref": d}, "max": {"$ref": d}}},
                    "uniform": two("min", "max"),
                    "weibull": {"type": "object", "additionalProperties": false, "required": ["shape", "scale"],
                                "properties": {"shape": {"type": "number", "exclusiveMinimum": 0}, "scale": {"$ref": d}}},
                    "empirical": {"type": "array", "minItems": 1, "items": {"$ref": d}}
                 }}
            ]
        })
    };
    let price = json!({"type": "number", "minimum": 0});
    let costs = json!({
        "type": "object", "additionalProperties": false,
        "description": "prices of staff and citizens' time; without this section the cost KPIs are absent",
        "properties": {
            "currency": {"type": "string", "description": "label shown with amounts, e.g. CNY"},
            "staff_per_hour": {"description": "staff cost per server-hour: one number for every pool, or a default and per-pool rates",
                "oneOf": [price.clone(), {"type": "object", "additionalProperties": false, "properties": {
                    "default": price.clone(),
                    "pools": {"type": "object", "additionalProperties": price.clone()}}}]},
            "citizen_value_per_hour": price.clone(),
            "travel_time": {"$ref": "#/definitions/clock_duration", "description": "per visit to the hall, there and back"},
            "travel_cost": price
        }
    });
    let period = json!({"type": "string", "pattern": "^[0-2]?[0-9]:[0-5][0-9]-[0-2]?[0-9]:[0-5][0-9]$", "description": "HH:MM-HH:MM"});
    let hours = json!({"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/period"}});
    // Short or full weekday names (the validator also ignores case).
    let weekdays: Vec<&str> = calendar::WEEKDAYS
        .iter()
        .chain(&calendar::WEEKDAYS_FULL)
        .copied()
        .collect();
    let arrival_kinds: Vec<Value> = arrivals::ARRIVAL_KINDS
        .iter()
        .map(|k| json!({"required": [k]}))
        .collect();
    let date = json!({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "YYYY-MM-DD"});
    let step_common = json!({"id": {"type": "string", "description": "label: target of rework, of time_limit.from, names the random stream"}});
    let step = json!({
        "type": "object",
        "description": format!("exactly one of {}", steps::STEP_KINDS.join(", ")),
        "oneOf": [
            {"required": ["serve"], "additionalProperties": false, "properties": {
                "id": step_common["id"],
                "serve": {"description": "pool name, or a list: the one with fewest waiting per open server is joined",
                          "oneOf": [{"type": "string"}, {"type": "array", "minItems": 1, "items": {"type": "string"}}]},
                "time": {"$ref": "#/definitions/clock_dist"},
                "patience": {"description": "how long a citizen waits before leaving: a distribution (gone for good), or {time, retry}",
                             "oneOf": [{"$ref": "#/definitions/clock_dist"},
                                       {"type": "object", "additionalProperties": false, "required": ["time"], "properties": {
                                           "time": {"$ref": "#/definitions/clock_dist"},
                                           "retry": {"$ref": "#/definitions/retry"}}}]},
                "balk_at": {"description": "an arriving citizen leaves if this many are waiting: a number (gone for good), or {queue, retry}",
                            "oneOf": [{"type": "integer", "minimum": 0},
                                      {"type": "object", "additionalProperties": false, "required": ["queue"], "properties": {
                                          "queue": {"type": "integer", "minimum": 0},
                                          "retry": {"$ref": "#/definitions/retry"}}}]}}},
            {"required": ["work"], "additionalProperties": false, "properties": {
                "id": step_common["id"], "work": {"type": "string"},
                "time": {"$ref": "#/definitions/dist", "description": "effort in the pool's open hours; wd: working days of the pool's calendar"}}},
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
                    "required": ["p", "steps"], "properties": {"name": {"type": "string", "description": "a label, so that a patch can change this branch's share by name"}, "p": {"type": "number", "minimum": 0, "maximum": 1}, "steps": {"$ref": "#/definitions/steps"}}}}}}
        ]
    });
    // In a file that extends a base, a mapping patches the entries of a
    // list it names (`steps` by id, `arrivals` by name); a file that
    // extends nothing gives the lists (the `then` below).
    let by_name = |list: &str, what: &str| {
        json!({"oneOf": [
            {"$ref": format!("#/definitions/{list}")},
            {"type": "object", "additionalProperties": {"type": ["object", "null"]},
             "description": format!("only in a file that extends a base: changes to the base's {what}: each value patches that entry (mappings merge, other values replace), null removes it; a list replaces the whole list")}
        ]})
    };
    let arrival_patch = by_name("arrivals", "arrival streams, by `name`");
    let steps_patch = by_name(
        "steps",
        "steps, by `id` (also inside parallel and choose branches)",
    );
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://procsim.invalid/scenario-v1.schema.json",
        "title": "procsim scenario (format version 1)",
        "type": "object",
        "additionalProperties": false,
        // A file that extends a base gives only what differs.
        "if": {"not": {"required": ["extends"]}},
        "then": {
            "required": ["name", "horizon", "pools", "processes", "arrivals"],
            "properties": {
                "processes": {"additionalProperties": {"properties": {"steps": {"type": "array"}}}},
                "arrivals": {"type": "array"}
            }
        },
        "definitions": {
            "duration": duration,
            "clock_duration": clock_duration,
            "dist": dist("duration"),
            "clock_dist": dist("clock_duration"),
            "period": period,
            "step": step,
            "retry": {"type": "object", "additionalProperties": false, "required": ["p", "after"],
                      "description": "a citizen who gave up comes back to the same step with probability p after `after`, at most `max` times (default 1)",
                      "properties": {
                          "p": {"type": "number", "minimum": 0, "maximum": 1},
                          "after": {"$ref": "#/definitions/dist"},
                          "max": {"type": "integer", "minimum": 0, "maximum": 255, "default": 1}}},
            "steps": {"type": "array", "items": {"$ref": "#/definitions/step"}},
            "arrivals": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": false,
                "oneOf": arrival_kinds,
                "properties": {
                    "name": {"type": "string"},
                    "rate": {"type": "string", "pattern": "^[0-9.eE+-]+\\s*/\\s*(s|min|h|d)$"},
                    "daily": {"type": "number", "exclusiveMinimum": 0},
                    "profile": {"type": "object", "patternProperties": {"^[0-2]?[0-9]:[0-5][0-9]$": {"type": "number", "minimum": 0}}, "additionalProperties": false},
                    "interarrival": {"$ref": "#/definitions/clock_dist"},
                    "appointments": {"type": "object", "additionalProperties": false, "required": ["every", "per_slot"], "properties": {
                        "every": {"$ref": "#/definitions/clock_duration"},
                        "per_slot": {"type": "integer", "minimum": 1},
                        "no_show": {"type": "number", "minimum": 0, "maximum": 1},
                        "punctuality": {"$ref": "#/definitions/clock_dist"}}},
                    "process": {"type": "string"},
                    "mix": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}},
                    "channel": {"enum": words(arrivals::CHANNELS)}
                }}}
        },
        "properties": {
            "extends": {"type": "string", "description": "a scenario file (relative to this one) this file gives the changes to: mappings merge key by key, a mapping on `steps` or `arrivals` patches the entries it names (steps by id, streams by name), other values (lists too) replace the base's, null removes a key or entry"},
            "levers": {"type": "object", "description": "named groups of changes, each merged onto the base like the file itself (steps patched by id, arrival streams by name); the design is the base with every lever applied (procsim explain weighs each)",
                       "additionalProperties": {"type": "object"}},
            "name": {"type": "string", "description": "shown in reports"},
            "description": {"type": "string"},
            "seed": {"type": "integer", "minimum": 0, "default": 1},
            "replications": {"type": "integer", "minimum": 1, "default": 10},
            "horizon": {"$ref": "#/definitions/duration", "description": "arrivals stop at this time (wd: working days of the calendar from the start)"},
            "warmup": {"$ref": "#/definitions/duration", "description": "cases arriving earlier are not counted (wd: on the calendar)"},
            "drain_limit": {"$ref": "#/definitions/duration", "description": "the run stops here; default 10 x horizon (wd: on the calendar)"},
            "costs": costs,
            "returns": {"enum": words(crate::scenario::validate::RETURNS), "default": "profile",
                        "description": "when returning citizens walk in: at a time drawn from the arrival profile (profile), or when the delay ends / at the next opening (at_opening)"},
            "calendar": {"type": "object", "additionalProperties": false, "properties": {
                "start": date.clone(),
                "hours": hours.clone(),
                "days": {"type": "array", "items": {"enum": weekdays}},
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
                    "discipline": {"enum": words(pools::DISCIPLINES)},
                    "at_close": {"enum": words(pools::AT_CLOSE)}
                }}},
            "processes": {"type": "object", "minProperties": 1, "additionalProperties": {
                "type": "object", "additionalProperties": false, "required": ["steps"], "properties": {
                    "time_limit": {"oneOf": [
                        {"$ref": "#/definitions/duration"},
                        {"type": "object", "additionalProperties": false, "required": ["limit"], "properties": {
                            "limit": {"$ref": "#/definitions/duration"}, "from": {"type": "string"}}}
                    ]},
                    "priority": {"type": "integer"},
                    "steps": steps_patch
                }}},
            "arrivals": arrival_patch,
            "targets": {"type": ["array", "null"], "items": {
                "type": "object", "additionalProperties": false, "required": ["kpi"],
                "anyOf": [{"required": ["min"]}, {"required": ["max"]}],
                "properties": {"kpi": {"type": "string"}, "min": {"type": "number"}, "max": {"type": "number"}}}}
        }
    })
}

#[cfg(test)]
mod tests {
    //! The schema must not drift from the validator: for every object of the
    //! format, the schema's property names are exactly the keys the
    //! validator accepts there.

    use super::scenario_schema;
    use crate::scenario::steps::{Kind, CHOOSE_BRANCH_KEYS, REWORK_KEYS, STEP_KINDS};
    use crate::scenario::{
        arrivals, calendar, costs, dist, pools, processes, steps, targets, validate,
    };
    use serde_json::Value;
    use std::collections::BTreeSet;

    /// Asserts that `object`'s `properties` are the `keys` of `section`,
    /// naming what is missing on either side.
    fn same_keys(section: &str, keys: &[&str], object: &Value) {
        let schema: BTreeSet<&str> = object["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{section}: the schema lists no properties"))
            .keys()
            .map(String::as_str)
            .collect();
        let validator: BTreeSet<&str> = keys.iter().copied().collect();
        let only_validator: Vec<_> = validator.difference(&schema).collect();
        let only_schema: Vec<_> = schema.difference(&validator).collect();
        assert!(
            only_validator.is_empty() && only_schema.is_empty(),
            "{section}: keys the validator accepts but the schema lacks: {only_validator:?}; \
             keys the schema lists but the validator refuses: {only_schema:?}"
        );
    }

    /// The alternative of a `oneOf` that is a mapping (has `properties`).
    fn object_alternative<'v>(section: &str, one_of: &'v Value) -> &'v Value {
        one_of
            .as_array()
            .and_then(|alts| alts.iter().find(|a| a.get("properties").is_some()))
            .unwrap_or_else(|| panic!("{section}: no mapping among the schema's alternatives"))
    }

    /// Asserts that an `enum` holds exactly `words`.
    fn same_words(section: &str, words: &[&str], schema_enum: &Value) {
        let schema: BTreeSet<&str> = schema_enum
            .as_array()
            .unwrap_or_else(|| panic!("{section}: the schema has no enum"))
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let validator: BTreeSet<&str> = words.iter().copied().collect();
        assert_eq!(
            validator, schema,
            "{section}: validator words vs schema enum"
        );
    }

    fn words<'a, T>(choices: &[(&'a str, T)]) -> Vec<&'a str> {
        choices.iter().map(|c| c.0).collect()
    }

    #[test]
    fn schema_properties_are_the_keys_the_validator_accepts() {
        let s = scenario_schema();
        let top = &s["properties"];
        let top_keys: Vec<&str> = validate::TOP_KEYS
            .iter()
            .chain(crate::scenario::design::DESIGN_KEYS)
            .copied()
            .collect();
        same_keys("top level", &top_keys, &s);
        same_keys("calendar", calendar::CALENDAR_KEYS, &top["calendar"]);

        let pool = &top["pools"]["additionalProperties"];
        same_keys("pool", pools::POOL_KEYS, pool);

        let process = &top["processes"]["additionalProperties"];
        same_keys("process", processes::PROCESS_KEYS, process);
        same_keys(
            "time_limit",
            processes::TIME_LIMIT_KEYS,
            object_alternative("time_limit", &process["properties"]["time_limit"]["oneOf"]),
        );

        let arrival = &s["definitions"]["arrivals"]["items"];
        same_keys("arrival", arrivals::ARRIVAL_KEYS, arrival);
        same_keys(
            "appointments",
            arrivals::APPOINTMENT_KEYS,
            &arrival["properties"]["appointments"],
        );
        same_keys("target", targets::TARGET_KEYS, &top["targets"]["items"]);
        same_keys("costs", costs::COSTS_KEYS, &top["costs"]);
        same_keys(
            "costs.staff_per_hour",
            costs::STAFF_KEYS,
            object_alternative(
                "staff_per_hour",
                &top["costs"]["properties"]["staff_per_hour"]["oneOf"],
            ),
        );
    }

    #[test]
    fn schema_steps_are_the_step_kinds_with_their_keys() {
        let s = scenario_schema();
        let alternatives = s["definitions"]["step"]["oneOf"]
            .as_array()
            .expect("steps are a oneOf by kind");
        let kind_of = |alt: &Value| alt["required"][0].as_str().map(str::to_string);
        let schema_kinds: BTreeSet<String> = alternatives.iter().filter_map(kind_of).collect();
        let validator_kinds: BTreeSet<String> = STEP_KINDS.iter().map(|k| k.to_string()).collect();
        assert_eq!(
            validator_kinds, schema_kinds,
            "step kinds: validator vs schema"
        );
        for kind in Kind::ALL {
            let alt = alternatives
                .iter()
                .find(|a| kind_of(a).as_deref() == Some(kind.key()))
                .expect("each kind has its alternative");
            let mut keys = vec![kind.key()];
            keys.extend_from_slice(kind.keys());
            same_keys(&format!("`{}` step", kind.key()), &keys, alt);
        }
        let by_kind = |k: &str| {
            alternatives
                .iter()
                .find(|a| kind_of(a).as_deref() == Some(k))
                .map(|a| &a["properties"][k])
                .expect("the kind is in the schema")
        };
        same_keys("rework:", REWORK_KEYS, by_kind("rework"));
        let serve = alternatives
            .iter()
            .find(|a| kind_of(a).as_deref() == Some("serve"))
            .expect("serve is in the schema");
        let long_form = |key: &str| object_alternative(key, &serve["properties"][key]["oneOf"]);
        same_keys("patience:", steps::PATIENCE_KEYS, long_form("patience"));
        same_keys("balk_at:", steps::BALK_KEYS, long_form("balk_at"));
        same_keys("retry:", steps::RETRY_KEYS, &s["definitions"]["retry"]);
        same_keys(
            "choose branch",
            CHOOSE_BRANCH_KEYS,
            &by_kind("choose")["items"],
        );
    }

    #[test]
    fn schema_distributions_are_the_families_with_their_parameters() {
        let s = scenario_schema();
        let families = object_alternative("dist", &s["definitions"]["dist"]["oneOf"]);
        same_keys("distribution families", dist::FAMILIES, families);
        let with_params: BTreeSet<&str> = families["properties"]
            .as_object()
            .expect("families are properties")
            .iter()
            .filter(|(_, v)| v["type"] == "object")
            .map(|(k, _)| k.as_str())
            .collect();
        let validator: BTreeSet<&str> = dist::FAMILY_PARAMS.iter().map(|f| f.0).collect();
        assert_eq!(validator, with_params, "families with parameters");
        for (family, keys) in dist::FAMILY_PARAMS {
            same_keys(family, keys, &families["properties"][family]);
        }
    }

    #[test]
    fn schema_enums_are_the_validator_words() {
        let s = scenario_schema();
        let top = &s["properties"];
        let pool = &top["pools"]["additionalProperties"]["properties"];
        same_words(
            "discipline",
            &words(pools::DISCIPLINES),
            &pool["discipline"]["enum"],
        );
        same_words(
            "at_close",
            &words(pools::AT_CLOSE),
            &pool["at_close"]["enum"],
        );
        same_words(
            "channel",
            &words(arrivals::CHANNELS),
            &s["definitions"]["arrivals"]["items"]["properties"]["channel"]["enum"],
        );
        let mut weekdays = calendar::WEEKDAYS.to_vec();
        weekdays.extend(calendar::WEEKDAYS_FULL);
        same_words(
            "calendar.days",
            &weekdays,
            &top["calendar"]["properties"]["days"]["items"]["enum"],
        );
        let kinds: Vec<&str> = s["definitions"]["arrivals"]["items"]["oneOf"]
            .as_array()
            .expect("arrival kinds are a oneOf")
            .iter()
            .filter_map(|a| a["required"][0].as_str())
            .collect();
        assert_eq!(arrivals::ARRIVAL_KINDS, kinds.as_slice(), "arrival kinds");
    }
}
