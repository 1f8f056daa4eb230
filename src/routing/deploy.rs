//! Deploying, updating and removing the routing in the user's Twilio account, idempotently:
//! the Serverless service with its functions and configuration, the outbound TwiML App, and
//! the numbers wired to it.

use super::*;

/// How long to wait for a build, and how often to ask.
#[derive(Debug, Clone, Copy)]
pub struct BuildWait {
    /// Give up after this long.
    pub timeout: std::time::Duration,
    /// Ask this often.
    pub poll: std::time::Duration,
}

impl Default for BuildWait {
    fn default() -> Self {
        Self {
            timeout: std::time::Duration::from_secs(300),
            poll: std::time::Duration::from_secs(2),
        }
    }
}

/// Deploys (or updates) the routing with `config`, and points the outgoing-call TwiML App at
/// it. A failed or timed-out build leaves a previous deployment serving, and a service this
/// call created is removed again, so the account is left as it was.
///
/// # Errors
/// Twilio's errors; [`Code::Twilio`] for a failed build, [`Code::Timeout`] for a build that
/// does not finish in `wait.timeout`.
pub async fn deploy(
    client: &Client,
    config: &RoutingConfig,
    wait: BuildWait,
) -> Result<RoutingStatus, Error> {
    let serverless = client.serverless();
    let (service, created) = match find_service(client).await? {
        Some(service) => (service, false),
        None => (
            serverless
                .create_service(SERVICE_NAME, "Switchboard call routing")
                .await?,
            true,
        ),
    };
    tracing::info!(service = %service.sid, created, "deploying routing");
    let result = deploy_into(client, &service.sid, config, wait).await;
    if result.is_err() && created {
        // Never leave a half-made service behind (Twilio allows 50 per account).
        if let Err(err) = serverless.delete_service(&service.sid).await {
            tracing::error!(error = %err, service = %service.sid, "could not remove the service of a failed deploy");
        }
    }
    result
}

pub(super) async fn deploy_into(
    client: &Client,
    service: &str,
    config: &RoutingConfig,
    wait: BuildWait,
) -> Result<RoutingStatus, Error> {
    let serverless = client.serverless();
    let existing: Vec<crate::twilio::Function> =
        serverless.functions(service).try_collect().await?;
    let mut versions = Vec::new();
    for source in &FUNCTIONS {
        let function = match existing.iter().find(|f| f.friendly_name == source.name) {
            Some(f) => f.clone(),
            None => serverless.create_function(service, source.name).await?,
        };
        let version = serverless
            .upload_function_version(
                service,
                &function.sid,
                &format!("/{}", source.name),
                source.visibility,
                &format!("{}.js", source.name),
                source.code,
            )
            .await?;
        versions.push(version.sid);
    }
    let build = serverless
        .create_build(service, &versions, DEPENDENCIES, RUNTIME)
        .await?;
    let started = std::time::Instant::now();
    loop {
        match serverless.build_status(service, &build.sid).await?.as_str() {
            "completed" => break,
            "failed" => {
                return Err(Error::new(
                    Code::Twilio,
                    format!(
                        "Twilio could not build the routing (build {}). Calls keep using the routing deployed before, if any; try again, and if it keeps failing the build's logs are in the Twilio Console under Functions.",
                        build.sid
                    ),
                ));
            }
            _ if started.elapsed() > wait.timeout => {
                return Err(Error::new(
                    Code::Timeout,
                    format!(
                        "Twilio's build of the routing did not finish within {} s. Calls keep using the routing deployed before, if any; try again later.",
                        wait.timeout.as_secs()
                    ),
                ));
            }
            _ => tokio::time::sleep(wait.poll).await,
        }
    }
    let env = match find_environment(client, service).await? {
        Some(env) => env,
        None => {
            serverless
                .create_environment(service, ENVIRONMENT, "prod")
                .await?
        }
    };
    write_config(client, service, &env.sid, config).await?;
    serverless.deploy(service, &env.sid, &build.sid).await?;
    let domain = env.domain_name.clone().ok_or_else(|| {
        Error::new(
            Code::Twilio,
            "Twilio did not say which domain the routing answers on.",
        )
    })?;
    let outbound = format!("https://{domain}/outbound");
    let application: ApplicationSid = match find_application(client).await? {
        Some(app) => {
            client
                .applications()
                .update(&app.sid)
                .voice_url(&outbound)
                .voice_method(WebhookMethod::Post)
                .send()
                .await?
                .sid
        }
        None => {
            client
                .applications()
                .create(APPLICATION_NAME)
                .voice_url(&outbound)
                .voice_method(WebhookMethod::Post)
                .send()
                .await?
                .sid
        }
    };
    tracing::info!(service, build = %build.sid, %domain, "routing deployed");
    Ok(RoutingStatus {
        service_sid: service.to_owned(),
        inbound_url: Some(inbound_url(&domain)),
        domain: Some(domain),
        application_sid: Some(application.to_string()),
        build_sid: Some(build.sid),
        code_current: true,
    })
}

/// Writes `config` into the environment's variables: the JSON in chunks, stale chunks of a
/// longer earlier config removed, and the code version. Functions see it on their next run.
///
/// # Errors
/// Twilio's errors.
pub async fn write_config(
    client: &Client,
    service: &str,
    environment: &str,
    config: &RoutingConfig,
) -> Result<(), Error> {
    let serverless = client.serverless();
    let json = serde_json::to_string(config).expect("the config serializes");
    let mut wanted: Vec<(String, String)> = chunk(&json, CHUNK_BYTES)
        .into_iter()
        .enumerate()
        .map(|(i, c)| (format!("{CONFIG_VAR}_{i}"), c))
        .collect();
    wanted.push((CODE_VERSION_VAR.to_owned(), code_version()));
    let existing: Vec<crate::twilio::Variable> = serverless
        .variables(service, environment)
        .try_collect()
        .await?;
    for (key, value) in &wanted {
        match existing.iter().find(|v| &v.key == key) {
            Some(v) if &v.value == value => {}
            Some(v) => {
                serverless
                    .update_variable(service, environment, &v.sid, value)
                    .await?;
            }
            None => {
                serverless
                    .create_variable(service, environment, key, value)
                    .await?;
            }
        }
    }
    for stale in existing.iter().filter(|v| {
        (v.key == CONFIG_VAR || v.key.starts_with(&format!("{CONFIG_VAR}_")))
            && !wanted.iter().any(|(k, _)| k == &v.key)
    }) {
        serverless
            .delete_variable(service, environment, &stale.sid)
            .await?;
    }
    Ok(())
}

/// Writes `config` into the deployed routing's variables without a new build: callers get it
/// on their next call. Returns false when routing is not deployed (nothing to update).
///
/// # Errors
/// Twilio's errors.
pub async fn update_config(client: &Client, config: &RoutingConfig) -> Result<bool, Error> {
    let Some(service) = find_service(client).await? else {
        return Ok(false);
    };
    let Some(env) = find_environment(client, &service.sid).await? else {
        return Ok(false);
    };
    write_config(client, &service.sid, &env.sid, config).await?;
    Ok(true)
}

/// Removes the routing, its SIP Domain and credential list, and the TwiML App, and points numbers that used the routing at nothing
/// (so Twilio answers them with its default message rather than a dead URL).
///
/// # Errors
/// Twilio's errors; what was removed before a failure stays removed, and removing again
/// finishes the job.
pub async fn remove(client: &Client) -> Result<bool, Error> {
    super::sip::remove(client).await?;
    let Some(service) = find_service(client).await? else {
        if let Some(app) = find_application(client).await? {
            client.applications().delete(&app.sid).await?;
        }
        return Ok(false);
    };
    if let Some(env) = find_environment(client, &service.sid).await?
        && let Some(domain) = env.domain_name
    {
        let prefix = format!("https://{domain}/");
        let numbers: Vec<crate::twilio::IncomingPhoneNumber> = client
            .incoming_numbers()
            .list()
            .stream()
            .try_collect()
            .await?;
        for number in numbers.iter().filter(|n| {
            n.voice_url
                .as_deref()
                .is_some_and(|u| u.starts_with(&prefix))
        }) {
            client
                .incoming_numbers()
                .update(&number.sid)
                .clear_voice_url()
                .send()
                .await?;
        }
    }
    if let Some(app) = find_application(client).await? {
        client.applications().delete(&app.sid).await?;
    }
    client.serverless().delete_service(&service.sid).await?;
    tracing::info!(service = %service.sid, "routing removed");
    Ok(true)
}

/// Points the number `sid` at the deployed routing.
///
/// # Errors
/// [`Code::NotConfigured`] when routing is not deployed; Twilio's errors.
pub async fn wire_number(client: &Client, sid: &crate::sid::PhoneNumberSid) -> Result<(), Error> {
    let url = domain(client)
        .await?
        .as_deref()
        .map(inbound_url)
        .ok_or_else(not_deployed)?;
    let mut update = client
        .incoming_numbers()
        .update(sid)
        .voice_url(&url)
        .voice_method(WebhookMethod::Post);
    if client
        .incoming_numbers()
        .get(sid)
        .await?
        .voice_application_sid
        .is_some()
    {
        update = update.clear_voice_application();
    }
    update.send().await?;
    Ok(())
}
