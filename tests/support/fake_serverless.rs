//! A stateful stand-in for Twilio's Serverless API, its upload host, and the Applications and
//! IncomingPhoneNumbers resources, on one loopback port: enough to prove that deploying twice
//! makes one service, that removing leaves nothing, and that a failed build leaves the previous
//! deployment serving. (Prism, being stateless, checks the same requests against the spec.)

use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

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
    port: u16,
    pub world: Arc<Mutex<World>>,
}

fn form(body: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The parts of a multipart/form-data body: (name, content type, value).
fn multipart(head: &str, body: &str) -> Vec<(String, String, String)> {
    let boundary = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("content-type: multipart/form-data")
                .then(|| l.to_owned())
        })
        .and_then(|l| l.split("boundary=").nth(1).map(|b| b.trim().to_owned()))
        .expect("the upload is multipart/form-data");
    body.split(&format!("--{boundary}"))
        .filter_map(|part| {
            let (headers, value) = part.split_once("\r\n\r\n")?;
            let name = headers
                .split("name=\"")
                .nth(1)?
                .split('"')
                .next()?
                .to_owned();
            let kind = headers
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-type:")
                        .map(|v| v.trim().to_owned())
                })
                .unwrap_or_default();
            Some((name, kind, value.trim_end_matches("\r\n").to_owned()))
        })
        .collect()
}

impl FakeServerless {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let world = Arc::new(Mutex::new(World {
            build_outcome: "completed".into(),
            ..World::default()
        }));
        let shared = world.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { break };
                let shared = shared.clone();
                std::thread::spawn(move || {
                    let request = super::read_request(&mut stream);
                    let (status, body) = answer(&shared, &request);
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        Self { port, world }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Adds an owned number with this voice URL.
    pub fn add_number(&self, number: &str, voice_url: &str) -> String {
        let mut w = self.world.lock().unwrap();
        let sid = w.sid("PN");
        let row = json!({"sid": sid, "account_sid": super::ACCOUNT_SID, "phone_number": number, "voice_url": voice_url,
                         "capabilities": {"voice": true, "sms": true, "mms": false, "fax": false}});
        w.numbers.insert(sid.clone(), row);
        sid
    }
}

fn page(key: &str, rows: Vec<Value>) -> String {
    json!({key: rows, "meta": {"next_page_url": null, "key": key}, "next_page_uri": null})
        .to_string()
}

fn answer(world: &Arc<Mutex<World>>, request: &str) -> (u16, String) {
    let (head, body) = request.split_once("\r\n\r\n").unwrap_or((request, ""));
    let mut words = head.split_whitespace();
    let method = words.next().unwrap_or("GET").to_owned();
    let target = words.next().unwrap_or("/").to_owned();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut guard = world.lock().unwrap();
    let w = &mut *guard;
    let not_found = (
        404,
        json!({"code": 20404, "message": "not found", "status": 404}).to_string(),
    );
    let fields = form(body);
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["v1", "Services"]) => (
            200,
            page("services", w.services.values().cloned().collect()),
        ),
        ("POST", ["v1", "Services"]) => {
            let name = field(&fields, "UniqueName").unwrap_or_default().to_owned();
            if w.services
                .values()
                .any(|s| s["unique_name"] == name.as_str())
            {
                return (
                    409,
                    json!({"code": 54301, "message": "Unique name already in use", "status": 409})
                        .to_string(),
                );
            }
            let sid = w.sid("ZS");
            let row = json!({"sid": sid, "unique_name": name, "friendly_name": field(&fields, "FriendlyName")});
            w.services.insert(sid, row.clone());
            (201, row.to_string())
        }
        ("DELETE", ["v1", "Services", sid]) => {
            if w.services.remove(*sid).is_none() {
                return not_found;
            }
            // Twilio deletes everything in a service with it.
            let sid = sid.to_string();
            for map in [
                &mut w.functions,
                &mut w.versions,
                &mut w.builds,
                &mut w.environments,
                &mut w.variables,
            ] {
                map.retain(|_, v| v["service_sid"] != sid.as_str());
            }
            (204, String::new())
        }
        ("GET", ["v1", "Services", svc, "Functions"]) => {
            let rows = w
                .functions
                .values()
                .filter(|f| f["service_sid"] == *svc)
                .cloned()
                .collect();
            (200, page("functions", rows))
        }
        ("POST", ["v1", "Services", svc, "Functions"]) => {
            if !w.services.contains_key(*svc) {
                return not_found;
            }
            let sid = w.sid("ZH");
            let row = json!({"sid": sid, "service_sid": svc, "friendly_name": field(&fields, "FriendlyName")});
            w.functions.insert(sid, row.clone());
            (201, row.to_string())
        }
        ("POST", ["v1", "Services", svc, "Functions", function, "Versions"]) => {
            let parts = multipart(head, body);
            let get = |name: &str| {
                parts
                    .iter()
                    .find(|(n, _, _)| n == name)
                    .cloned()
                    .unwrap_or_default()
            };
            let (_, _, path) = get("Path");
            let (_, _, visibility) = get("Visibility");
            let (_, kind, content) = get("Content");
            w.uploads
                .push((path.clone(), visibility.clone(), kind, content));
            let sid = w.sid("ZN");
            let row = json!({"sid": sid, "service_sid": svc, "function_sid": function, "path": path, "visibility": visibility});
            w.versions.insert(sid, row.clone());
            (201, row.to_string())
        }
        ("POST", ["v1", "Services", svc, "Builds"]) => {
            let versions: Vec<&str> = fields
                .iter()
                .filter(|(k, _)| k == "FunctionVersions")
                .map(|(_, v)| v.as_str())
                .collect();
            if versions.iter().any(|v| !w.versions.contains_key(*v)) {
                return (
                    400,
                    json!({"code": 20001, "message": "unknown function version", "status": 400})
                        .to_string(),
                );
            }
            let sid = w.sid("ZB");
            let status = w.build_outcome.clone();
            let row = json!({"sid": sid, "service_sid": svc, "status": "building", "final": status, "function_versions": versions});
            w.builds.insert(sid, row.clone());
            (201, row.to_string())
        }
        ("GET", ["v1", "Services", _, "Builds", build, "Status"]) => match w.builds.get(*build) {
            Some(b) => (200, json!({"sid": build, "status": b["final"]}).to_string()),
            None => not_found,
        },
        ("GET", ["v1", "Services", svc, "Environments"]) => {
            let rows = w
                .environments
                .values()
                .filter(|e| e["service_sid"] == *svc)
                .cloned()
                .collect();
            (200, page("environments", rows))
        }
        ("POST", ["v1", "Services", svc, "Environments"]) => {
            let sid = w.sid("ZE");
            let domain = format!(
                "switchboard-routing-{}-{}.twil.io",
                &sid[30..],
                field(&fields, "DomainSuffix").unwrap_or("x")
            );
            let row = json!({"sid": sid, "service_sid": svc, "unique_name": field(&fields, "UniqueName"), "domain_name": domain, "build_sid": null});
            w.environments.insert(sid, row.clone());
            (201, row.to_string())
        }
        ("POST", ["v1", "Services", _, "Environments", env, "Deployments"]) => {
            let build = field(&fields, "BuildSid").unwrap_or_default().to_owned();
            if w.builds
                .get(&build)
                .is_none_or(|b| b["final"] != "completed")
            {
                return (
                    400,
                    json!({"code": 20001, "message": "build not completed", "status": 400})
                        .to_string(),
                );
            }
            let Some(e) = w.environments.get_mut(*env) else {
                return not_found;
            };
            e["build_sid"] = json!(build);
            let sid = w.sid("ZD");
            let row = json!({"sid": sid, "build_sid": build});
            w.deployments.push(row.clone());
            (201, row.to_string())
        }
        ("GET", ["v1", "Services", _, "Environments", env, "Variables"]) => {
            let rows = w
                .variables
                .values()
                .filter(|v| v["environment_sid"] == *env)
                .cloned()
                .collect();
            (200, page("variables", rows))
        }
        ("POST", ["v1", "Services", svc, "Environments", env, "Variables"]) => {
            let sid = w.sid("ZV");
            let row = json!({"sid": sid, "service_sid": svc, "environment_sid": env, "key": field(&fields, "Key"), "value": field(&fields, "Value")});
            w.variables.insert(sid, row.clone());
            (201, row.to_string())
        }
        ("POST", ["v1", "Services", _, "Environments", _, "Variables", var]) => {
            let value = field(&fields, "Value").map(str::to_owned);
            let Some(v) = w.variables.get_mut(*var) else {
                return not_found;
            };
            v["value"] = json!(value);
            (200, v.to_string())
        }
        ("DELETE", ["v1", "Services", _, "Environments", _, "Variables", var]) => {
            if w.variables.remove(*var).is_some() {
                (204, String::new())
            } else {
                not_found
            }
        }
        ("GET", ["2010-04-01", "Accounts", _, "Applications.json"]) => {
            let name = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("FriendlyName="))
                .map(|v| {
                    url::form_urlencoded::parse(format!("v={v}").as_bytes())
                        .next()
                        .unwrap()
                        .1
                        .into_owned()
                });
            let rows = w
                .applications
                .values()
                .filter(|a| name.as_deref().is_none_or(|n| a["friendly_name"] == n))
                .cloned()
                .collect();
            (200, page("applications", rows))
        }
        ("POST", ["2010-04-01", "Accounts", _, "Applications.json"]) => {
            let sid = w.sid("AP");
            let row = json!({"sid": sid, "friendly_name": field(&fields, "FriendlyName"), "voice_url": field(&fields, "VoiceUrl"), "voice_method": field(&fields, "VoiceMethod")});
            w.applications.insert(sid, row.clone());
            (201, row.to_string())
        }
        ("POST", ["2010-04-01", "Accounts", _, "Applications", app]) => {
            let sid = app.trim_end_matches(".json").to_owned();
            let url = field(&fields, "VoiceUrl").map(str::to_owned);
            let Some(a) = w.applications.get_mut(&sid) else {
                return not_found;
            };
            if let Some(url) = url {
                a["voice_url"] = json!(url);
            }
            (200, a.to_string())
        }
        ("DELETE", ["2010-04-01", "Accounts", _, "Applications", app]) => {
            if w.applications
                .remove(app.trim_end_matches(".json"))
                .is_some()
            {
                (204, String::new())
            } else {
                not_found
            }
        }
        ("POST", ["2010-04-01", "Accounts", _, "IncomingPhoneNumbers.json"]) => {
            let sid = w.sid("PN");
            let row = json!({"sid": sid, "account_sid": super::ACCOUNT_SID, "phone_number": field(&fields, "PhoneNumber"),
                             "voice_url": field(&fields, "VoiceUrl"), "voice_method": field(&fields, "VoiceMethod"),
                             "capabilities": {"voice": true, "sms": true, "mms": false, "fax": false}});
            w.numbers.insert(sid, row.clone());
            (201, row.to_string())
        }
        ("GET", ["2010-04-01", "Accounts", _, "IncomingPhoneNumbers.json"]) => (
            200,
            page(
                "incoming_phone_numbers",
                w.numbers.values().cloned().collect(),
            ),
        ),
        ("GET", ["2010-04-01", "Accounts", _, "IncomingPhoneNumbers", number]) => {
            match w.numbers.get(number.trim_end_matches(".json")) {
                Some(n) => (200, n.to_string()),
                None => not_found,
            }
        }
        ("POST", ["2010-04-01", "Accounts", _, "IncomingPhoneNumbers", number]) => {
            let sid = number.trim_end_matches(".json").to_owned();
            let updates = fields.clone();
            let Some(n) = w.numbers.get_mut(&sid) else {
                return not_found;
            };
            for (k, v) in updates {
                match k.as_str() {
                    "VoiceUrl" => n["voice_url"] = json!(v),
                    "VoiceApplicationSid" => n["voice_application_sid"] = json!(v),
                    _ => {}
                }
            }
            (200, n.to_string())
        }
        _ => not_found,
    }
}
