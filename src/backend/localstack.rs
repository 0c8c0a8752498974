//! The LocalStack backend: LocalStack in a container started through testcontainers (its
//! LocalStack module). The image tag is pinned to the last release that runs without an
//! account ([`DEFAULT_TAG`]), overridable with `ORDERLAB_LOCALSTACK_TAG`;
//! `LOCALSTACK_AUTH_TOKEN` is passed through when set (newer tags need it). LocalStack runs
//! Lambdas in containers of its own, so the Docker socket is mounted into it. The container
//! is removed when the backend stops.

use std::time::Duration;

use anyhow::{Context as _, bail};
use testcontainers_modules::localstack::LocalStack;
use testcontainers_modules::testcontainers::core::Mount;
use testcontainers_modules::testcontainers::runners::AsyncRunner;
use testcontainers_modules::testcontainers::{ContainerAsync, ContainerRequest, ImageExt};

use super::{Running, StopFuture};

/// The last LocalStack release that starts without `LOCALSTACK_AUTH_TOKEN`.
pub const DEFAULT_TAG: &str = "4.14.0";

/// The image tag to run: `ORDERLAB_LOCALSTACK_TAG`, else [`DEFAULT_TAG`].
pub fn image_tag() -> String {
    std::env::var("ORDERLAB_LOCALSTACK_TAG")
        .ok()
        .filter(|tag| !tag.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_TAG.to_owned())
}

/// Fails with a clear message when no Docker engine can be reached: `DOCKER_HOST` names one,
/// or the default socket exists and answers.
pub fn check_docker() -> anyhow::Result<()> {
    if std::env::var_os("DOCKER_HOST").is_some() {
        return Ok(());
    }
    let socket = "/var/run/docker.sock";
    if std::os::unix::net::UnixStream::connect(socket).is_ok() {
        return Ok(());
    }
    bail!(
        "the localstack backend needs a Docker engine, and none is reachable (no DOCKER_HOST, \
         nothing listening on {socket}); start Docker, or use --backend embedded, or run \
         LocalStack by hand (localstack/README.md) and use --backend endpoint=http://127.0.0.1:4566"
    )
}

/// The container request: the pinned tag, the token when set, the Docker socket.
fn request() -> ContainerRequest<LocalStack> {
    let mut request = LocalStack::default()
        .with_tag(image_tag())
        .with_env_var(
            "SERVICES",
            "dynamodb,dynamodbstreams,lambda,stepfunctions,events,apigateway,ses,iam,sts,logs",
        )
        .with_env_var("LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT", "60")
        .with_mount(Mount::bind_mount(
            "/var/run/docker.sock",
            "/var/run/docker.sock",
        ))
        .with_startup_timeout(Duration::from_secs(180));
    if let Ok(token) = std::env::var("LOCALSTACK_AUTH_TOKEN") {
        request = request.with_env_var("LOCALSTACK_AUTH_TOKEN", token);
    }
    request
}

pub struct LocalStackBackend {
    container: ContainerAsync<LocalStack>,
    endpoint: String,
}

impl LocalStackBackend {
    pub async fn start() -> anyhow::Result<LocalStackBackend> {
        check_docker()?;
        let tag = image_tag();
        let container = request()
            .start()
            .await
            .with_context(|| format!("starting localstack/localstack:{tag} with testcontainers"))?;
        let host = container.get_host().await.context("the container's host")?;
        let port = container
            .get_host_port_ipv4(4566)
            .await
            .context("the host port of LocalStack's 4566")?;
        Ok(LocalStackBackend {
            container,
            endpoint: format!("http://{host}:{port}"),
        })
    }
}

impl Running for LocalStackBackend {
    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn stop(self: Box<Self>) -> StopFuture {
        Box::pin(async move {
            if let Err(err) = self.container.rm().await {
                tracing::warn!(%err, "could not remove the LocalStack container");
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_the_last_release_without_an_account() {
        assert_eq!(DEFAULT_TAG, "4.14.0");
    }
}
