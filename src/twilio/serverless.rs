//! Serverless v1 (`serverless.twilio.com`): the services, functions, builds, environments,
//! deployments and variables that call routing is made of, and function uploads on
//! `serverless-upload.twilio.com`.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::base::Domain;
use super::client::{Client, MultipartBody, Params};
use super::error::TwilioError;
use super::page::{ListStream, list};

/// A Serverless service: the container of functions and environments.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Service {
    /// `ZS…`
    pub sid: String,
    /// The unique name it is found by.
    pub unique_name: String,
    /// Its display name.
    #[serde(default)]
    pub friendly_name: Option<String>,
}

/// A function (its code lives in versions).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Function {
    /// `ZH…`
    pub sid: String,
    /// Its name.
    pub friendly_name: String,
}

/// An uploaded version of a function's code.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FunctionVersion {
    /// `ZN…`
    pub sid: String,
    /// The URL path it answers on.
    #[serde(default)]
    pub path: Option<String>,
    /// `public`, `protected` or `private`.
    #[serde(default)]
    pub visibility: Option<String>,
}

/// A build: function versions bundled for deployment.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Build {
    /// `ZB…`
    pub sid: String,
    /// `building`, `completed` or `failed`.
    pub status: String,
}

/// An environment: where a build is deployed, with its own domain and variables.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Environment {
    /// `ZE…`
    pub sid: String,
    /// The unique name it is found by.
    pub unique_name: String,
    /// The domain its functions answer on, such as `switchboard-routing-1234-prod.twil.io`.
    #[serde(default)]
    pub domain_name: Option<String>,
    /// The build deployed now, if any.
    #[serde(default)]
    pub build_sid: Option<String>,
}

/// A deployment of a build to an environment.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Deployment {
    /// `ZD…`
    pub sid: String,
    /// The build deployed.
    #[serde(default)]
    pub build_sid: Option<String>,
}

/// An environment variable.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Variable {
    /// `ZV…`
    pub sid: String,
    /// Its name.
    pub key: String,
    /// Its value.
    #[serde(default)]
    pub value: String,
}

/// Who may call a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Anyone.
    Public,
    /// Only Twilio, with a valid `X-Twilio-Signature`.
    Protected,
    /// Only other functions of the service.
    Private,
}

impl Visibility {
    fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Protected => "protected",
            Self::Private => "private",
        }
    }
}

/// Handler for Serverless v1.
#[derive(Debug)]
pub struct Serverless<'c> {
    client: &'c Client,
}

fn form(pairs: &[(&str, &str)]) -> Params {
    let mut params = Params::default();
    for (k, v) in pairs {
        params.push(k, v);
    }
    params
}

impl<'c> Serverless<'c> {
    pub(super) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        params: Params,
        what: &str,
    ) -> Result<T, TwilioError> {
        self.client
            .request(Method::POST, Domain::Serverless, path)
            .form(params)
            .json(what)
            .await
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<T, TwilioError> {
        self.client
            .request(Method::GET, Domain::Serverless, path)
            .json(what)
            .await
    }

    async fn delete(&self, path: &str) -> Result<(), TwilioError> {
        self.client
            .request(Method::DELETE, Domain::Serverless, path)
            .empty()
            .await
    }

    fn list<T: serde::de::DeserializeOwned + Send + 'c>(
        &self,
        path: String,
        key: &'static str,
        what: &'static str,
    ) -> ListStream<'c, T> {
        let mut query = Params::default();
        query.set("PageSize", 50);
        list(self.client, Domain::Serverless, path, query, key, what)
    }

    /// The account's services.
    pub fn services(&self) -> ListStream<'c, Service> {
        self.list("/v1/Services".into(), "services", "the service list")
    }

    /// Creates a service (not editable in the Console, so the app stays its only author).
    ///
    /// # Errors
    /// Twilio's errors (54301 when the unique name is taken).
    pub async fn create_service(
        &self,
        unique_name: &str,
        friendly_name: &str,
    ) -> Result<Service, TwilioError> {
        let params = form(&[
            ("UniqueName", unique_name),
            ("FriendlyName", friendly_name),
            ("IncludeCredentials", "false"),
            ("UiEditable", "false"),
        ]);
        self.post("/v1/Services", params, "the new service").await
    }

    /// Deletes a service with everything in it (functions, builds, environments, variables).
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn delete_service(&self, service: &str) -> Result<(), TwilioError> {
        self.delete(&format!("/v1/Services/{service}")).await
    }

    /// The service's functions.
    pub fn functions(&self, service: &str) -> ListStream<'c, Function> {
        self.list(
            format!("/v1/Services/{service}/Functions"),
            "functions",
            "the function list",
        )
    }

    /// Creates a function.
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn create_function(
        &self,
        service: &str,
        friendly_name: &str,
    ) -> Result<Function, TwilioError> {
        self.post(
            &format!("/v1/Services/{service}/Functions"),
            form(&[("FriendlyName", friendly_name)]),
            "the new function",
        )
        .await
    }

    /// Uploads a version of a function's code to the upload host.
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn upload_function_version(
        &self,
        service: &str,
        function: &str,
        path: &str,
        visibility: Visibility,
        file_name: &str,
        code: &str,
    ) -> Result<FunctionVersion, TwilioError> {
        let body = MultipartBody {
            fields: vec![
                ("Path".into(), path.into()),
                ("Visibility".into(), visibility.as_str().into()),
            ],
            file_field: "Content".into(),
            file_name: file_name.into(),
            content_type: "application/javascript".into(),
            content: code.as_bytes().to_vec(),
        };
        self.client
            .request(
                Method::POST,
                Domain::ServerlessUpload,
                &format!("/v1/Services/{service}/Functions/{function}/Versions"),
            )
            .multipart(body)
            .json("the uploaded function version")
            .await
    }

    /// Starts a build of these function versions with `dependencies` (a JSON object of npm
    /// package versions) on `runtime` (such as `node22`).
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn create_build(
        &self,
        service: &str,
        function_versions: &[String],
        dependencies: &str,
        runtime: &str,
    ) -> Result<Build, TwilioError> {
        let mut params = Params::default();
        for version in function_versions {
            params.push("FunctionVersions", version);
        }
        params.push("Dependencies", dependencies);
        params.push("Runtime", runtime);
        self.post(
            &format!("/v1/Services/{service}/Builds"),
            params,
            "the new build",
        )
        .await
    }

    /// A build's status: `building`, `completed` or `failed`.
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn build_status(&self, service: &str, build: &str) -> Result<String, TwilioError> {
        #[derive(Deserialize)]
        struct Status {
            status: String,
        }
        let status: Status = self
            .get(
                &format!("/v1/Services/{service}/Builds/{build}/Status"),
                "the build status",
            )
            .await?;
        Ok(status.status)
    }

    /// The service's environments.
    pub fn environments(&self, service: &str) -> ListStream<'c, Environment> {
        self.list(
            format!("/v1/Services/{service}/Environments"),
            "environments",
            "the environment list",
        )
    }

    /// Creates an environment.
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn create_environment(
        &self,
        service: &str,
        unique_name: &str,
        domain_suffix: &str,
    ) -> Result<Environment, TwilioError> {
        self.post(
            &format!("/v1/Services/{service}/Environments"),
            form(&[("UniqueName", unique_name), ("DomainSuffix", domain_suffix)]),
            "the new environment",
        )
        .await
    }

    /// Deploys a build to an environment; it serves from then on.
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn deploy(
        &self,
        service: &str,
        environment: &str,
        build: &str,
    ) -> Result<Deployment, TwilioError> {
        self.post(
            &format!("/v1/Services/{service}/Environments/{environment}/Deployments"),
            form(&[("BuildSid", build)]),
            "the new deployment",
        )
        .await
    }

    /// The environment's variables.
    pub fn variables(&self, service: &str, environment: &str) -> ListStream<'c, Variable> {
        self.list(
            format!("/v1/Services/{service}/Environments/{environment}/Variables"),
            "variables",
            "the variable list",
        )
    }

    /// Creates a variable.
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn create_variable(
        &self,
        service: &str,
        environment: &str,
        key: &str,
        value: &str,
    ) -> Result<Variable, TwilioError> {
        self.post(
            &format!("/v1/Services/{service}/Environments/{environment}/Variables"),
            form(&[("Key", key), ("Value", value)]),
            "the new variable",
        )
        .await
    }

    /// Changes a variable's value; functions see it on their next run.
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn update_variable(
        &self,
        service: &str,
        environment: &str,
        variable: &str,
        value: &str,
    ) -> Result<Variable, TwilioError> {
        self.post(
            &format!("/v1/Services/{service}/Environments/{environment}/Variables/{variable}"),
            form(&[("Value", value)]),
            "the updated variable",
        )
        .await
    }

    /// Deletes a variable.
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn delete_variable(
        &self,
        service: &str,
        environment: &str,
        variable: &str,
    ) -> Result<(), TwilioError> {
        self.delete(&format!(
            "/v1/Services/{service}/Environments/{environment}/Variables/{variable}"
        ))
        .await
    }
}

impl Client {
    /// Serverless v1: the services call routing is deployed as.
    pub fn serverless(&self) -> super::serverless::Serverless<'_> {
        super::serverless::Serverless::new(self)
    }
}
