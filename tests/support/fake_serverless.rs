//! A stateful stand-in for Twilio's Serverless API, its upload host, and the Applications and
//! IncomingPhoneNumbers and SIP resources, on one loopback port: enough to prove that deploying twice
//! makes one service, that removing leaves nothing, and that a failed build leaves the previous
//! deployment serving. (Prism, being stateless, checks the same requests against the spec.)

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::http::{self, Request, Response, Server, not_found};

#[derive(Default)]
pub struct World {
    pub services: BTreeMap<String, Value>,
    pub functions: BTreeMap<String, Value>,
    pub versions: BTreeMap<String, Value>,
    pub builds: BTreeMap<String, Value>,
    pub environments: BTreeMap<String, Value>,
    pub variables: BTreeMap<String, Value>,
    pub deployments: Vec<Value>,
    pub applications: BTreeMap<String, Value>,
    pub numbers: BTreeMap<String, Value>,
    pub sip_domains: BTreeMap<String, Value>,
    pub credential_lists: BTreeMap<String, Value>,
    /// Credentials, each with its `credential_list_sid` (and the password it was given).
    pub credentials: BTreeMap<String, Value>,
    /// (domain, "Calls" or "Registrations", list) mappings.
    pub mappings: Vec<(String, String, String)>,
    /// Builds end in this status.
    pub build_outcome: String,
    /// Uploads seen: (path, visibility, content type, content).
    pub uploads: Vec<(String, String, String, String)>,
    counter: usize,
}

impl World {
    fn sid(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{:032x}", self.counter)
    }
}

pub struct FakeServerless {
    server: Server,
    pub world: Arc<Mutex<World>>,
}

impl FakeServerless {
    pub fn start() -> Self {
        let world = World {
            build_outcome: "completed".into(),
            ..World::default()
        };
        let (server, world) = Server::with_state(world, answer);
        Self { server, world }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Adds an owned number with this voice URL.
    pub fn add_number(&self, number: &str, voice_url: &str) -> String {
        let mut w = self.world.lock().unwrap();
        let sid = w.sid("PN");
        let row = number_json(&sid, Some(number), Some(voice_url), None);
        w.numbers.insert(sid.clone(), row);
        sid
    }
}

/// An owned number, as IncomingPhoneNumbers lists it.
fn number_json(sid: &str, number: Option<&str>, url: Option<&str>, method: Option<&str>) -> Value {
    json!({"sid": sid, "account_sid": super::ACCOUNT_SID, "phone_number": number, "voice_url": url, "voice_method": method,
           "capabilities": {"voice": true, "sms": true, "mms": false, "fax": false}})
}

/// The rows of `map` whose `field` is `value`, as a page under `key`.
fn page_of(key: &str, map: &BTreeMap<String, Value>, field: &str, value: &str) -> Response {
    let rows = map
        .values()
        .filter(|row| row[field] == value)
        .cloned()
        .collect();
    Response::json(200, http::page(key, rows))
}

/// A created row, answered 201.
fn created(map: &mut BTreeMap<String, Value>, sid: String, row: Value) -> Response {
    map.insert(sid, row.clone());
    Response::json(201, row)
}

/// Answers 204 if `removed`, 404 if there was nothing to remove.
fn deleted<T>(removed: Option<T>) -> Response {
    match removed {
        Some(_) => Response::no_content(),
        None => not_found(),
    }
}

/// SIP Domains, credential lists, their credentials and mappings.
fn answer_sip(w: &mut World, request: &Request) -> Option<Response> {
    let fields = request.form();
    let field = |name: &str| fields.get(name);
    let segments = request.segments();
    let ["2010-04-01", "Accounts", _, "SIP", rest @ ..] = segments.as_slice() else {
        return None;
    };
    let json_sid = |s: &str| s.trim_end_matches(".json").to_owned();
    Some(match (request.method.as_str(), rest) {
        ("GET", ["Domains.json"]) => Response::json(
            200,
            http::page("domains", w.sip_domains.values().cloned().collect()),
        ),
        ("POST", ["Domains.json"]) => {
            let name = field("DomainName").unwrap_or_default();
            if w.sip_domains.values().any(|d| d["domain_name"] == name) {
                return Some(http::error(400, 21232, "Domain name already exists"));
            }
            let sid = w.sid("SD");
            let row = json!({"sid": sid, "domain_name": name, "friendly_name": field("FriendlyName"), "voice_url": field("VoiceUrl"), "sip_registration": field("SipRegistration") == Some("true")});
            created(&mut w.sip_domains, sid, row)
        }
        ("POST", ["Domains", sid]) => {
            let Some(d) = w.sip_domains.get_mut(&json_sid(sid)) else {
                return Some(not_found());
            };
            if let Some(url) = field("VoiceUrl") {
                d["voice_url"] = json!(url);
            }
            if let Some(on) = field("SipRegistration") {
                d["sip_registration"] = json!(on == "true");
            }
            Response::json(200, d)
        }
        ("DELETE", ["Domains", sid]) => {
            let sid = json_sid(sid);
            w.mappings.retain(|(d, _, _)| *d != sid);
            deleted(w.sip_domains.remove(&sid))
        }
        (
            "GET",
            [
                "Domains",
                domain,
                "Auth",
                what,
                "CredentialListMappings.json",
            ],
        ) => {
            let rows = w
                .mappings
                .iter()
                .filter(|(d, k, _)| d == domain && k == what)
                .map(|(_, _, list)| json!({"sid": list, "friendly_name": "mapped"}))
                .collect();
            Response::json(200, http::page("contents", rows))
        }
        (
            "POST",
            [
                "Domains",
                domain,
                "Auth",
                what,
                "CredentialListMappings.json",
            ],
        ) => {
            let list = field("CredentialListSid").unwrap_or_default().to_owned();
            if !w.sip_domains.contains_key(*domain) || !w.credential_lists.contains_key(&list) {
                return Some(not_found());
            }
            if w.mappings
                .iter()
                .any(|(d, k, l)| d == domain && k == what && *l == list)
            {
                return Some(http::error(400, 21231, "Mapping already exists"));
            }
            w.mappings
                .push(((*domain).to_owned(), (*what).to_owned(), list.clone()));
            Response::json(201, json!({"sid": list}))
        }
        ("GET", ["CredentialLists.json"]) => Response::json(
            200,
            http::page(
                "credential_lists",
                w.credential_lists.values().cloned().collect(),
            ),
        ),
        ("POST", ["CredentialLists.json"]) => {
            let sid = w.sid("CL");
            let row = json!({"sid": sid, "friendly_name": field("FriendlyName")});
            created(&mut w.credential_lists, sid, row)
        }
        ("DELETE", ["CredentialLists", sid]) => {
            let sid = json_sid(sid);
            w.credentials
                .retain(|_, c| c["credential_list_sid"] != sid.as_str());
            w.mappings.retain(|(_, _, l)| *l != sid);
            deleted(w.credential_lists.remove(&sid))
        }
        ("GET", ["CredentialLists", list, "Credentials.json"]) => {
            page_of("credentials", &w.credentials, "credential_list_sid", list)
        }
        ("POST", ["CredentialLists", list, "Credentials.json"]) => {
            let username = field("Username").unwrap_or_default();
            if w.credentials
                .values()
                .any(|c| c["credential_list_sid"] == *list && c["username"] == username)
            {
                return Some(http::error(400, 21450, "Username already exists"));
            }
            let sid = w.sid("CR");
            let row = json!({"sid": sid, "credential_list_sid": list, "username": username, "password": field("Password")});
            created(&mut w.credentials, sid, row)
        }
        ("POST", ["CredentialLists", _, "Credentials", sid]) => {
            let Some(c) = w.credentials.get_mut(&json_sid(sid)) else {
                return Some(not_found());
            };
            c["password"] = json!(field("Password"));
            Response::json(200, c)
        }
        _ => not_found(),
    })
}

fn answer(w: &mut World, request: &Request) -> Response {
    if let Some(response) = answer_sip(w, request) {
        return response;
    }
    let fields = request.form();
    let field = |name: &str| fields.get(name);
    match (request.method.as_str(), request.segments().as_slice()) {
        ("GET", ["v1", "Services"]) => Response::json(
            200,
            http::page("services", w.services.values().cloned().collect()),
        ),
        ("POST", ["v1", "Services"]) => {
            let name = field("UniqueName").unwrap_or_default();
            if w.services.values().any(|s| s["unique_name"] == name) {
                return http::error(409, 54301, "Unique name already in use");
            }
            let sid = w.sid("ZS");
            let row =
                json!({"sid": sid, "unique_name": name, "friendly_name": field("FriendlyName")});
            created(&mut w.services, sid, row)
        }
        ("DELETE", ["v1", "Services", sid]) => {
            if w.services.remove(*sid).is_none() {
                return not_found();
            }
            // Twilio deletes everything in a service with it.
            for map in [
                &mut w.functions,
                &mut w.versions,
                &mut w.builds,
                &mut w.environments,
                &mut w.variables,
            ] {
                map.retain(|_, v| v["service_sid"] != *sid);
            }
            Response::no_content()
        }
        ("GET", ["v1", "Services", svc, "Functions"]) => {
            page_of("functions", &w.functions, "service_sid", svc)
        }
        ("POST", ["v1", "Services", svc, "Functions"]) => {
            if !w.services.contains_key(*svc) {
                return not_found();
            }
            let sid = w.sid("ZH");
            let row =
                json!({"sid": sid, "service_sid": svc, "friendly_name": field("FriendlyName")});
            created(&mut w.functions, sid, row)
        }
        ("POST", ["v1", "Services", svc, "Functions", function, "Versions"]) => {
            let parts = request.multipart();
            let part = |name: &str| {
                parts
                    .iter()
                    .find(|p| p.name == name)
                    .cloned()
                    .unwrap_or_default()
            };
            let (path, visibility, content) = (part("Path"), part("Visibility"), part("Content"));
            w.uploads.push((
                path.value.clone(),
                visibility.value.clone(),
                content.content_type,
                content.value,
            ));
            let sid = w.sid("ZN");
            let row = json!({"sid": sid, "service_sid": svc, "function_sid": function, "path": path.value, "visibility": visibility.value});
            created(&mut w.versions, sid, row)
        }
        ("POST", ["v1", "Services", svc, "Builds"]) => {
            let versions = fields.all("FunctionVersions");
            if versions.iter().any(|v| !w.versions.contains_key(*v)) {
                return http::error(400, 20001, "unknown function version");
            }
            let sid = w.sid("ZB");
            let row = json!({"sid": sid, "service_sid": svc, "status": "building", "final": w.build_outcome, "function_versions": versions});
            created(&mut w.builds, sid, row)
        }
        ("GET", ["v1", "Services", _, "Builds", build, "Status"]) => match w.builds.get(*build) {
            Some(b) => Response::json(200, json!({"sid": build, "status": b["final"]})),
            None => not_found(),
        },
        ("GET", ["v1", "Services", svc, "Environments"]) => {
            page_of("environments", &w.environments, "service_sid", svc)
        }
        ("POST", ["v1", "Services", svc, "Environments"]) => {
            let sid = w.sid("ZE");
            let domain = format!(
                "switchboard-routing-{}-{}.twil.io",
                &sid[30..],
                field("DomainSuffix").unwrap_or("x")
            );
            let row = json!({"sid": sid, "service_sid": svc, "unique_name": field("UniqueName"), "domain_name": domain, "build_sid": null});
            created(&mut w.environments, sid, row)
        }
        ("POST", ["v1", "Services", _, "Environments", env, "Deployments"]) => {
            let build = field("BuildSid").unwrap_or_default();
            if w.builds
                .get(build)
                .is_none_or(|b| b["final"] != "completed")
            {
                return http::error(400, 20001, "build not completed");
            }
            let Some(e) = w.environments.get_mut(*env) else {
                return not_found();
            };
            e["build_sid"] = json!(build);
            let row = json!({"sid": w.sid("ZD"), "build_sid": build});
            w.deployments.push(row.clone());
            Response::json(201, row)
        }
        ("GET", ["v1", "Services", _, "Environments", env, "Variables"]) => {
            page_of("variables", &w.variables, "environment_sid", env)
        }
        ("POST", ["v1", "Services", svc, "Environments", env, "Variables"]) => {
            let sid = w.sid("ZV");
            let row = json!({"sid": sid, "service_sid": svc, "environment_sid": env, "key": field("Key"), "value": field("Value")});
            created(&mut w.variables, sid, row)
        }
        ("POST", ["v1", "Services", _, "Environments", _, "Variables", var]) => {
            let Some(v) = w.variables.get_mut(*var) else {
                return not_found();
            };
            v["value"] = json!(field("Value"));
            Response::json(200, v)
        }
        ("DELETE", ["v1", "Services", _, "Environments", _, "Variables", var]) => {
            deleted(w.variables.remove(*var))
        }
        ("GET", ["2010-04-01", "Accounts", _, "Applications.json"]) => {
            let query = request.query_params();
            let name = query.get("FriendlyName");
            let rows = w
                .applications
                .values()
                .filter(|a| name.is_none_or(|n| a["friendly_name"] == n))
                .cloned()
                .collect();
            Response::json(200, http::page("applications", rows))
        }
        ("POST", ["2010-04-01", "Accounts", _, "Applications.json"]) => {
            let sid = w.sid("AP");
            let row = json!({"sid": sid, "friendly_name": field("FriendlyName"), "voice_url": field("VoiceUrl"), "voice_method": field("VoiceMethod")});
            created(&mut w.applications, sid, row)
        }
        ("POST", ["2010-04-01", "Accounts", _, "Applications", app]) => {
            let Some(a) = w.applications.get_mut(app.trim_end_matches(".json")) else {
                return not_found();
            };
            if let Some(url) = field("VoiceUrl") {
                a["voice_url"] = json!(url);
            }
            Response::json(200, a)
        }
        ("DELETE", ["2010-04-01", "Accounts", _, "Applications", app]) => {
            deleted(w.applications.remove(app.trim_end_matches(".json")))
        }
        ("POST", ["2010-04-01", "Accounts", _, "IncomingPhoneNumbers.json"]) => {
            let sid = w.sid("PN");
            let row = number_json(
                &sid,
                field("PhoneNumber"),
                field("VoiceUrl"),
                field("VoiceMethod"),
            );
            created(&mut w.numbers, sid, row)
        }
        ("GET", ["2010-04-01", "Accounts", _, "IncomingPhoneNumbers.json"]) => Response::json(
            200,
            http::page(
                "incoming_phone_numbers",
                w.numbers.values().cloned().collect(),
            ),
        ),
        ("GET", ["2010-04-01", "Accounts", _, "IncomingPhoneNumbers", number]) => {
            match w.numbers.get(number.trim_end_matches(".json")) {
                Some(n) => Response::json(200, n),
                None => not_found(),
            }
        }
        ("POST", ["2010-04-01", "Accounts", _, "IncomingPhoneNumbers", number]) => {
            let Some(n) = w.numbers.get_mut(number.trim_end_matches(".json")) else {
                return not_found();
            };
            for (k, v) in &fields.0 {
                match k.as_str() {
                    "VoiceUrl" => n["voice_url"] = json!(v),
                    "VoiceApplicationSid" => n["voice_application_sid"] = json!(v),
                    _ => {}
                }
            }
            Response::json(200, n)
        }
        _ => not_found(),
    }
}
