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

/// A human message for a value that does not match a pattern (read by the
/// YAML extension of VS Code, `patternErrorMessage`, instead of showing the
/// raw regular expression).
fn patterned(pattern: &str, description: &str, message: &str) -> Value {
    json!({
        "type": "string",
        "pattern": pattern,
        "description": description,
        "patternErrorMessage": message
    })
}

/// `schema` with a description (and a title, shown among an editor's
/// completions for the alternatives of a `oneOf`).
fn titled(title: &str, description: &str, mut schema: Value) -> Value {
    schema["title"] = json!(title);
    schema["description"] = json!(description);
    schema
}

/// `schema` with a description.
fn described(description: &str, mut schema: Value) -> Value {
    schema["description"] = json!(description);
    schema
}

/// A reference to a definition, with a description of this use of it.
fn reference(definition: &str, description: &str) -> Value {
    json!({"$ref": format!("#/definitions/{definition}"), "description": description})
}

/// The schema of a distribution whose durations are `unit` (a definition).
fn distribution(unit: &str) -> Value {
    let d = |what: &str| reference(unit, what);
    let family = |required: &[&str], properties: Value, what: &str| {
        json!({"type": "object", "additionalProperties": false, "required": required,
               "properties": properties, "description": what})
    };
    let mean_sd = |what: &str| {
        family(
            &["mean", "sd"],
            json!({"mean": d("the mean"), "sd": d("the standard deviation")}),
            what,
        )
    };
    titled(
        "duration or distribution",
        "A duration (always this long) or a one-key mapping naming a distribution family",
        json!({"oneOf": [
            titled("constant duration", "always this long", json!({"$ref": format!("#/definitions/{unit}")})),
            titled("distribution", "a one-key mapping: the family and its parameters", json!(
                {"type": "object", "additionalProperties": false, "minProperties": 1, "maxProperties": 1,
                 "properties": {
                    "exp": d("exponential with this mean"),
                    "lognormal": mean_sd("lognormal with this mean and standard deviation (of the duration, not of its logarithm)"),
                    "normal": mean_sd("normal with this mean and standard deviation, drawn again while negative"),
                    "gamma": mean_sd("gamma with this mean and standard deviation"),
                    "erlang": family(&["k", "mean"], json!({
                        "k": {"type": "integer", "minimum": 1, "description": "number of exponential phases, 1 or more"},
                        "mean": d("the mean of the whole (k phases)")}),
                        "Erlang: the sum of k exponential phases, with this mean"),
                    "triangular": family(&["min", "mode", "max"], json!({
                        "min": d("the smallest value"), "mode": d("the most likely value"), "max": d("the largest value")}),
                        "triangular between min and max, peaking at mode"),
                    "uniform": family(&["min", "max"], json!({
                        "min": d("the smallest value"), "max": d("the largest value")}),
                        "uniform between min and max"),
                    "weibull": family(&["shape", "scale"], json!({
                        "shape": {"type": "number", "exclusiveMinimum": 0, "description": "shape k, above 0 (1 is exponential)"},
                        "scale": d("scale λ")}),
                        "Weibull with this shape and scale"),
                    "empirical": {"type": "array", "minItems": 1, "items": {"$ref": format!("#/definitions/{unit}")},
                                  "description": "one of these durations, each equally likely (observed values, e.g.)"}
                 }}))
        ]}),
    )
}

/// The schema as the text `procsim schema` prints and
/// `docs/scenario.schema.json` holds.
pub fn scenario_schema_text() -> String {
    let text =
        serde_json::to_string_pretty(&scenario_schema()).expect("a JSON value always serializes");
    format!("{text}\n")
}

/// The schema as a JSON value.
pub fn scenario_schema() -> Value {
    const NUMBER: &str = "-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?";
    const TIME_OF_DAY: &str = "^[0-2]?[0-9]:[0-5][0-9]$";
    let duration = patterned(
        &format!("^{NUMBER}\\s*(s|min|h|d|wd)$"),
        "A number and a unit: s, min, h, d (calendar days) or wd (working days), e.g. 5min, 1.5h, 2wd",
        "a duration is a number and a unit: s, min, h, d or wd, e.g. 5min, 1.5h, 2wd",
    );
    // Where working days have no meaning (service, patience, arrival gaps,
    // slot spacing, travel), the validator refuses `wd`; so does the schema.
    let clock_duration = patterned(
        &format!("^{NUMBER}\\s*(s|min|h|d)$"),
        "A number and a clock unit: s, min, h or d (calendar days), e.g. 5min, 1.5h; working days (wd) have no meaning here",
        "a duration here is a number and a clock unit: s, min, h or d, e.g. 5min or 1.5h (not wd)",
    );
    let price = |what: &str| json!({"type": "number", "minimum": 0, "description": what});
    let costs = json!({
        "type": "object", "additionalProperties": false,
        "description": "prices of staff and citizens' time; without this section the cost KPIs are absent",
        "properties": {
            "currency": {"type": "string", "description": "label shown with amounts, e.g. CNY; no conversion"},
            "staff_per_hour": {"description": "staff cost per server-hour: one number for every pool, or a default and per-pool rates",
                "oneOf": [
                    titled("one rate", "the same rate for every pool", price("cost of one server for one hour")),
                    titled("rates by pool", "a default rate and rates of named pools", json!({"type": "object", "additionalProperties": false, "properties": {
                        "default": price("rate of the pools not listed under `pools`"),
                        "pools": {"type": "object", "additionalProperties": price("this pool's rate per server-hour"),
                                  "description": "pool name: rate per server-hour"}}}))]},
            "citizen_value_per_hour": price("what an hour of a citizen's time is worth"),
            "travel_time": reference("clock_duration", "per visit to the hall, there and back"),
            "travel_cost": price("cost of one visit's trip (fare, parking)")
        }
    });
    let period = patterned(
        "^[0-2]?[0-9]:[0-5][0-9]-[0-2]?[0-9]:[0-5][0-9]$",
        "an opening period HH:MM-HH:MM, e.g. 09:00-12:00",
        "a period is HH:MM-HH:MM, e.g. 09:00-12:00",
    );
    let hours = |what: &str| json!({"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/period"}, "description": what});
    // Short or full weekday names (the validator also ignores case).
    let weekdays: Vec<&str> = calendar::WEEKDAYS
        .iter()
        .chain(&calendar::WEEKDAYS_FULL)
        .copied()
        .collect();
    let arrival_kinds: Vec<Value> = arrivals::ARRIVAL_KINDS
        .iter()
        .map(|k| json!({"required": [k], "title": format!("{k} stream")}))
        .collect();
    let date = |what: &str| {
        described(
            what,
            patterned(
                "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                "",
                "a date is YYYY-MM-DD, e.g. 2019-10-01",
            ),
        )
    };
    let time_of_day =
        |what: &str| patterned(TIME_OF_DAY, what, "a time of day is HH:MM, e.g. 09:30");
    let id = json!({"type": "string", "description": "the step's label: target of rework.to and time_limit.from, names the step's random stream, labels it in events.csv"});
    let pool_name = |what: &str| json!({"type": "string", "description": what});
    let step = json!({
        "type": "object",
        "description": format!("exactly one of {}", steps::STEP_KINDS.join(", ")),
        "oneOf": [
            titled("serve step", "the citizen queues at a hall pool and is served", json!(
            {"required": ["serve"], "additionalProperties": false, "properties": {
                "id": id,
                "serve": {"description": "pool name, or a list: the one with fewest waiting per open server is joined",
                          "oneOf": [titled("one pool", "the pool's name", pool_name("the pool's name")),
                                    titled("several pools", "the citizen joins the one with fewest waiting per open server",
                                        json!({"type": "array", "minItems": 1, "items": pool_name("a pool's name")}))]},
                "time": reference("clock_dist", "service time at the window"),
                "patience": {"description": "how long a citizen waits before leaving: a distribution (gone for good), or {time, retry}",
                             "oneOf": [titled("patience", "how long a citizen waits before leaving for good", json!({"$ref": "#/definitions/clock_dist"})),
                                       titled("patience and retry", "how long a citizen waits, and whether one who left comes back",
                                           json!({"type": "object", "additionalProperties": false, "required": ["time"], "properties": {
                                           "time": reference("clock_dist", "how long a citizen waits before leaving"),
                                           "retry": reference("retry", "whether one who left comes back")}}))]},
                "balk_at": {"description": "an arriving citizen leaves if this many are waiting: a number (gone for good), or {queue, retry}",
                            "oneOf": [titled("queue length", "leave for good when this many are waiting", json!({"type": "integer", "minimum": 0})),
                                      titled("queue length and retry", "leave when this many are waiting, and maybe come back",
                                          json!({"type": "object", "additionalProperties": false, "required": ["queue"], "properties": {
                                          "queue": {"type": "integer", "minimum": 0, "description": "leave when this many are waiting"},
                                          "retry": reference("retry", "whether one who left comes back")}}))]}}})),
            titled("work step", "back-office effort on the case file, in a pool's open hours", json!(
            {"required": ["work"], "additionalProperties": false, "properties": {
                "id": id, "work": pool_name("the back-office pool that does the work"),
                "time": reference("dist", "effort in the pool's open hours; wd: working days of the pool's calendar")}})),
            titled("wait step", "a pure delay: no pool, no queue", json!(
            {"required": ["wait"], "additionalProperties": false, "properties": {
                "id": id, "wait": reference("dist", "how long; wd: working days of the calendar")}})),
            titled("rework step", "with probability p the citizen goes home and comes back to an earlier step", json!(
            {"required": ["rework"], "additionalProperties": false, "properties": {
                "id": id,
                "max_rework": {"type": "integer", "minimum": 0, "description": "at most this many reworks per case at this step (default 10); may also go inside `rework:`"},
                "rework": {"type": "object", "additionalProperties": false, "required": ["p", "after", "to"],
                    "description": "the chance of being sent back, the time until the citizen comes back, and the step to go back to",
                    "properties": {
                    "p": {"type": "number", "minimum": 0, "exclusiveMaximum": 1, "description": "probability of being sent back, at least 0 and below 1"},
                    "after": reference("dist", "time until the citizen comes back"),
                    "to": {"type": "string", "description": "id of an earlier step in the same step list"},
                    "max_rework": {"type": "integer", "minimum": 0, "description": "at most this many reworks per case at this step (default 10)"}}}}})),
            titled("parallel step", "branches at the same time; the case goes on when all have finished", json!(
            {"required": ["parallel"], "additionalProperties": false, "properties": {
                "id": id,
                "parallel": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/steps"},
                             "description": "branches, each a list of steps, run at the same time"}}})),
            titled("choose step", "one branch, drawn by its probability", json!(
            {"required": ["choose"], "additionalProperties": false, "properties": {
                "id": id,
                "choose": {"type": "array", "minItems": 1, "description": "branches with their probabilities (summing to 1)",
                    "items": {"type": "object", "additionalProperties": false,
                    "required": ["p", "steps"], "properties": {
                        "name": {"type": "string", "description": "a label, so that a patch can change this branch's share by name"},
                        "p": {"type": "number", "minimum": 0, "maximum": 1, "description": "probability of this branch"},
                        "steps": reference("steps", "the branch's steps")}}}}}))
        ]
    });
    // In a file that extends a base, a mapping patches the entries of a
    // list it names (`steps` by id, `arrivals` by name); a file that
    // extends nothing gives the lists (the `then` below).
    let by_name = |list: &str, what: &str, whole: &str| {
        json!({"description": format!("{whole}; in a file that extends a base, also a mapping of changes by name"),
               "oneOf": [
            titled("list", whole, json!({"$ref": format!("#/definitions/{list}")})),
            titled("changes by name", "only in a file that extends a base", json!(
             {"type": "object", "additionalProperties": {"type": ["object", "null"]},
             "description": format!("only in a file that extends a base: changes to the base's {what}: each value patches that entry (mappings merge, other values replace), null removes it; a list replaces the whole list")}))
        ]})
    };
    let arrival_patch = by_name(
        "arrivals",
        "arrival streams, by `name`",
        "the arrival streams",
    );
    let steps_patch = by_name(
        "steps",
        "steps, by `id` (also inside parallel and choose branches)",
        "the steps every case of this process goes through, in order",
    );
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://procsim.invalid/scenario-v1.schema.json",
        "title": "procsim scenario (format version 1)",
        "description": "A service process design: pools of servers, processes of steps, arrivals, and the KPI targets to check (docs/format.md)",
        "type": "object",
        "additionalProperties": false,
        // A file that extends a base gives only what differs.
        "if": {"not": {"required": ["extends"]}},
        "then": {
            "required": ["name", "horizon", "pools", "processes", "arrivals"],
            "properties": {
                "processes": {"additionalProperties": {"properties": {"steps": {"type": "array", "description": "the steps, in order"}}},
                              "description": "the processes"},
                "arrivals": {"type": "array", "description": "the arrival streams"}
            }
        },
        "definitions": {
            "duration": duration,
            "clock_duration": clock_duration,
            "dist": distribution("duration"),
            "clock_dist": distribution("clock_duration"),
            "period": period,
            "step": step,
            "retry": {"type": "object", "additionalProperties": false, "required": ["p", "after"],
                      "description": "a citizen who gave up comes back to the same step with probability p after `after`, at most `max` times (default 1)",
                      "properties": {
                          "p": {"type": "number", "minimum": 0, "maximum": 1, "description": "probability of coming back"},
                          "after": reference("dist", "time until the citizen comes back"),
                          "max": {"type": "integer", "minimum": 0, "maximum": 255, "default": 1, "description": "at most this many retries per case at this step"}}},
            "steps": {"type": "array", "items": {"$ref": "#/definitions/step"}, "description": "steps, run in order"},
            "arrivals": {"type": "array", "minItems": 1, "description": "independent arrival streams",
                "items": {
                "type": "object", "additionalProperties": false,
                "description": "one stream: exactly one pattern (rate, daily, interarrival or appointments) and one of process or mix",
                "oneOf": arrival_kinds,
                "properties": {
                    "name": {"type": "string", "description": "unique; names the stream's random numbers, so keep it equal across designs you compare"},
                    "rate": patterned("^[0-9.eE+-]+\\s*/\\s*(s|min|h|d)$",
                        "pattern: Poisson arrivals at this rate while the channel is open, e.g. 9/min",
                        "a rate is a number per unit, e.g. 9/min, 120/h, 1500/d"),
                    "daily": {"description": "pattern: Poisson, this many expected per open day, or per weekday",
                              "oneOf": [titled("every day", "this many expected per open day (per day online)", json!({"type": "number", "exclusiveMinimum": 0})),
                                        titled("by weekday", "this many expected on each weekday the stream arrives on (name every open weekday; all seven online); a make-up working day of an unnamed weekday gets the mean",
                                            json!({"type": "object", "minProperties": 1, "additionalProperties": false,
                                                   "properties": weekdays.iter().map(|w| (w.to_string(), json!({"type": "number", "minimum": 0, "description": "expected arrivals on this weekday"}))).collect::<serde_json::Map<String, Value>>()}))]},
                    "profile": {"type": "object", "patternProperties": {TIME_OF_DAY: {"type": "number", "minimum": 0, "description": "relative weight from this time until the next key"}}, "additionalProperties": false,
                                "description": "with daily: relative weights by time of day, \"HH:MM\": weight (only the ratios matter)"},
                    "interarrival": reference("clock_dist", "pattern: a renewal stream with these gaps (open time only, for the hall channel)"),
                    "appointments": {"type": "object", "additionalProperties": false, "required": ["every", "per_slot"],
                        "description": "pattern: booked slots from each opening, every `every`",
                        "properties": {
                        "every": reference("clock_duration", "spacing of the slots"),
                        "per_slot": {"type": "integer", "minimum": 1, "description": "citizens booked per slot"},
                        "no_show": {"type": "number", "minimum": 0, "maximum": 1, "description": "probability that a booked citizen does not come"},
                        "punctuality": reference("clock_dist", "arrival time minus slot time; negative is early")}},
                    "process": {"type": "string", "description": "every arrival starts this process"},
                    "mix": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1, "description": "this process's share"},
                            "description": "each arrival draws its process by these shares (summing to 1)"},
                    "channel": {"enum": words(arrivals::CHANNELS), "default": "hall",
                                "description": "hall: arrivals only while the hall is open; online: every day, around the clock"}
                }}}
        },
        "properties": {
            "extends": {"type": "string", "description": "a scenario file (relative to this one) this file gives the changes to: mappings merge key by key, a mapping on `steps` or `arrivals` patches the entries it names (steps by id, streams by name), other values (lists too) replace the base's, null removes a key or entry"},
            "levers": {"type": "object", "description": "named groups of changes, each merged onto the base like the file itself (steps patched by id, arrival streams by name); the design is the base with every lever applied (procsim explain weighs each)",
                       "additionalProperties": {"type": "object", "description": "one lever: changes merged onto the base"}},
            "name": {"type": "string", "description": "shown in tables, reports and file headers; check --baseline matches baselines by it"},
            "description": {"type": "string", "description": "free text; the HTML report shows it"},
            "seed": {"type": "integer", "minimum": 0, "default": 1, "description": "master seed of every random stream"},
            "replications": {"type": "integer", "minimum": 1, "default": 10, "description": "independent runs, 1 to 100,000"},
            "horizon": reference("duration", "arrivals stop at this time (wd: working days of the calendar from the start)"),
            "warmup": reference("duration", "cases arriving earlier are not counted (wd: on the calendar)"),
            "drain_limit": reference("duration", "the run stops here; default 10 x horizon (wd: on the calendar)"),
            "costs": costs,
            "returns": {"enum": words(crate::scenario::validate::RETURNS), "default": "profile",
                        "description": "when returning citizens walk in: at a time drawn from the arrival profile (profile), or when the delay ends / at the next opening (at_opening)"},
            "calendar": {"type": "object", "additionalProperties": false,
                "description": "when the hall is open; without it, every day around the clock",
                "properties": {
                "start": date("simulated time 0 is midnight at the start of this date (default 2019-01-07, a Monday)"),
                "hours": hours("the opening periods of every open day (default 00:00-24:00)"),
                "days": {"type": "array", "items": {"enum": weekdays}, "description": "open weekdays (default mon to fri)"},
                "holidays": {"type": "array", "items": date("a closed date"), "description": "closed dates"},
                "extra_workdays": {"type": "array", "items": date("an open date"), "description": "dates open even if their weekday is closed (make-up working days)"}
            }},
            "pools": {"type": "object", "minProperties": 1, "description": "pool name: a set of identical servers sharing one queue",
                "additionalProperties": {
                "type": "object", "additionalProperties": false, "required": ["servers"],
                "description": "a bank of hall windows, a back-office team, an outside bureau",
                "properties": {
                    "servers": {"description": "servers all day, or a schedule \"HH:MM\": count", "oneOf": [
                        titled("constant", "the same count all day", json!({"type": "integer", "minimum": 0})),
                        titled("schedule", "each count holds from its time until the next key", json!(
                            {"type": "object", "patternProperties": {TIME_OF_DAY: {"type": "integer", "minimum": 0, "description": "servers from this time"}}, "additionalProperties": false,
                             "propertyNames": time_of_day("a time of day, HH:MM")}))
                    ]},
                    "hours": hours("the pool's own opening periods (default: the calendar's)"),
                    "discipline": {"enum": words(pools::DISCIPLINES), "default": "fifo", "description": "fifo: first come, first served; priority: highest process priority first"},
                    "at_close": {"enum": words(pools::AT_CLOSE), "default": "finish", "description": "citizens queued at closing: served as overtime (finish) or sent home to come back (send_home)"}
                }}},
            "processes": {"type": "object", "minProperties": 1, "description": "process name: the steps every case of one service item goes through",
                "additionalProperties": {
                "type": "object", "additionalProperties": false, "required": ["steps"],
                "description": "one service item",
                "properties": {
                    "time_limit": {"description": "the promised lead time, from arrival or from a step", "oneOf": [
                        titled("limit", "counted from the case's arrival", json!({"$ref": "#/definitions/duration"})),
                        titled("limit from a step", "counted from the first moment the case reaches a step", json!(
                            {"type": "object", "additionalProperties": false, "required": ["limit"], "properties": {
                            "limit": reference("duration", "the promised lead time"),
                            "from": {"type": "string", "description": "id of the step the clock starts at"}}}))
                    ]},
                    "priority": {"type": "integer", "default": 0, "description": "higher goes first in priority pools"},
                    "steps": steps_patch
                }}},
            "arrivals": arrival_patch,
            "targets": {"type": ["array", "null"], "description": "bounds on KPI means, tested by procsim check",
                "items": {
                "type": "object", "additionalProperties": false, "required": ["kpi"],
                "description": "a KPI and its bounds (at least one of min and max)",
                "anyOf": [{"required": ["min"]}, {"required": ["max"]}],
                "properties": {
                    "kpi": {"type": "string", "description": "a KPI key: wait_min, pools.NAME.utilization, processes.NAME.lead_time_wd (docs/kpis.md)"},
                    "min": {"type": "number", "description": "lower bound on the KPI's mean"},
                    "max": {"type": "number", "description": "upper bound on the KPI's mean"}}}}
        }
    })
}

#[cfg(test)]
mod tests {
    //! The schema must not drift from the validator: for every object of the
    //! format, the schema's property names are exactly the keys the
    //! validator accepts there.

    use super::{scenario_schema, scenario_schema_text};
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
    fn the_schema_in_docs_is_the_schema() {
        let in_repository = include_str!("../docs/scenario.schema.json");
        assert!(
            in_repository == scenario_schema_text(),
            "docs/scenario.schema.json differs from src/schema.rs; regenerate it with `cargo run -- schema > docs/scenario.schema.json`"
        );
    }

    /// Every property of every object in `node` (at `path`), and every
    /// alternative of a `oneOf`: what lacks a description or a title.
    fn undescribed(node: &Value, path: &str, missing: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::Object(properties)) = map.get("properties") {
                    for (key, property) in properties {
                        if property.get("description").is_none() {
                            missing.push(format!("{path}.{key}: no description"));
                        }
                    }
                }
                if let Some(Value::Array(alternatives)) = map.get("oneOf") {
                    for (i, alternative) in alternatives.iter().enumerate() {
                        if alternative.get("title").is_none() {
                            missing.push(format!("{path}.oneOf[{i}]: no title"));
                        }
                    }
                }
                for (key, child) in map {
                    undescribed(child, &format!("{path}/{key}"), missing);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    undescribed(item, &format!("{path}[{i}]"), missing);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_property_is_described_and_every_alternative_titled() {
        let mut missing = Vec::new();
        undescribed(&scenario_schema(), "", &mut missing);
        assert!(missing.is_empty(), "{missing:#?}");
        // The check itself finds what is missing.
        let mut found = Vec::new();
        let bare = serde_json::json!({"properties": {"a": {"type": "string"}},
                                      "oneOf": [{"title": "t"}, {"type": "integer"}]});
        undescribed(&bare, "x", &mut found);
        assert_eq!(found, ["x.a: no description", "x.oneOf[1]: no title"]);
    }

    #[test]
    fn a_pattern_carries_a_human_message() {
        let text = scenario_schema_text();
        let patterns = text.matches("\"pattern\":").count();
        let messages = text.matches("\"patternErrorMessage\":").count();
        assert!(patterns > 0);
        assert_eq!(patterns, messages, "a pattern without patternErrorMessage");
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
