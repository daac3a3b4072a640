//! Two server binaries on one database, as a deployment runs them: each caches keys and leases
//! rate-limit tokens in its own memory, yet a tenant's limit holds across both within the
//! documented slack, and a key revoked or a tenant suspended through one process (or by the
//! operator, outside both) is refused by the other without waiting out any cache lifetime.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::{Role, TenantStatus};
use reqwest::{Client, StatusCode};
use service::rate_limit::leases::lease_size;
use sqlx::PgPool;

const PER_MINUTE: i32 = 3_000;
const PER_HOUR: i32 = 1_000_000;
/// Requests in flight at once, spread over both processes.
const CONCURRENCY: usize = 16;
/// How long an announcement may take to reach the other process before the test calls it lost.
/// No cache entry expires by itself, so only the announcement can end a stale entry.
const PROPAGATION_LIMIT: Duration = Duration::from_secs(2);

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn two_processes_share_one_limit_and_hear_of_revocations_at_once(pool: PgPool) {
    tokio::time::timeout(Duration::from_secs(120), run(pool))
        .await
        .expect("the two-process test took longer than 120 s");
}

struct Deployment {
    client: Client,
    bases: [String; 2],
    _servers: [support::Server; 2],
}

impl Deployment {
    async fn get(&self, process: usize, path: &str, key: &str) -> StatusCode {
        self.client
            .get(format!("{}{path}", self.bases[process]))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .status()
    }

    /// How long until `process` answers `want` to `key`, polled every 2 ms.
    async fn until(&self, process: usize, key: &str, want: StatusCode) -> Duration {
        let start = Instant::now();
        loop {
            if self.get(process, "/v1/whoami", key).await == want {
                return start.elapsed();
            }
            assert!(
                start.elapsed() < PROPAGATION_LIMIT,
                "process {process} still did not answer {want} after {PROPAGATION_LIMIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

async fn run(pool: PgPool) {
    let store = service::Store::new(pool.clone(), service::Clock::system());
    let tenant = service::fixtures::tenant(&store, "acme").await.unwrap();
    service::tenants::set_rate_limits(&store, tenant, PER_MINUTE, PER_HOUR)
        .await
        .unwrap();
    let (_, admin) = service::fixtures::api_key(&store, tenant, Role::Admin)
        .await
        .unwrap();
    let (victim_id, victim) = service::fixtures::api_key(&store, tenant, Role::Student)
        .await
        .unwrap();

    let database_url = support::database_url(&pool);
    let dir = std::env::temp_dir();
    let client = Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let addresses = [support::free_address(), support::free_address()];
    let mut servers = [0, 1].map(|i| {
        let log = dir.join(format!("lectern-processes-{}-{i}.log", std::process::id()));
        support::Server::start(&database_url, &addresses[i], &log)
    });
    let bases = addresses.clone().map(|a| format!("http://{a}"));
    for (server, base) in servers.iter_mut().zip(&bases) {
        server.wait_until_healthy(&client, base).await;
    }
    let deployment = Arc::new(Deployment {
        client,
        bases,
        _servers: servers,
    });

    shared_limit(&deployment, &admin).await;
    revocation(&deployment, &admin, &victim, victim_id).await;
    suspension(&deployment, &store, tenant, &admin).await;
}

/// Both processes draw on one count: never more than the limit and what refilled meanwhile, and
/// never fewer than that less the tokens the processes' leases may hold unspent.
async fn shared_limit(deployment: &Arc<Deployment>, key: &str) {
    let sent = Arc::new(AtomicUsize::new(0));
    let allowed = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|worker| {
            let (deployment, key) = (deployment.clone(), key.to_string());
            let (sent, allowed, refused) = (sent.clone(), allowed.clone(), refused.clone());
            tokio::spawn(async move {
                // Until the limit has been hit plenty, or for 20 s on a machine too slow to hit it.
                while refused.load(Ordering::Relaxed) < 300
                    && start.elapsed() < Duration::from_secs(20)
                {
                    let n = sent.fetch_add(1, Ordering::Relaxed);
                    let process = (n + worker) % 2;
                    match deployment.get(process, "/v1/whoami", &key).await {
                        StatusCode::OK => allowed.fetch_add(1, Ordering::Relaxed),
                        StatusCode::TOO_MANY_REQUESTS => refused.fetch_add(1, Ordering::Relaxed),
                        other => panic!("whoami answered {other}"),
                    };
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let allowed = allowed.load(Ordering::Relaxed) as f64;
    let refused = refused.load(Ordering::Relaxed);
    let refilled = elapsed * f64::from(PER_MINUTE) / 60.0;
    let ceiling = f64::from(PER_MINUTE) + refilled;
    let lease = f64::from(lease_size(PER_MINUTE, PER_HOUR));
    println!(
        "shared limit: {allowed} allowed, {refused} refused in {elapsed:.2} s; \
         at most {ceiling:.0} were due (limit {PER_MINUTE} + {refilled:.0} refilled); \
         lease {lease}, so the documented slack for 2 processes is {lease} early refusals"
    );
    assert!(
        refused >= 300,
        "the processes never ran out: is the limit applied at all?"
    );
    assert!(
        allowed <= ceiling.ceil(),
        "the tenant got {allowed}, more than the {ceiling:.0} its limit allows"
    );
    // Early refusals: the other process's unspent lease, and the refill of the last lease's
    // lifetime that nobody took yet.
    let floor = f64::from(PER_MINUTE) - 2.0 * lease;
    assert!(
        allowed >= floor,
        "the tenant got only {allowed} of its {PER_MINUTE}; the slack allows down to {floor}"
    );
}

/// A key revoked through process 0 is refused by process 1, which had it cached.
async fn revocation(
    deployment: &Deployment,
    admin: &str,
    victim: &str,
    victim_id: domain::ApiKeyId,
) {
    // Let the bucket refill a little: the whoami calls below must not be rate limited.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for process in [0, 1] {
        assert_eq!(
            deployment.get(process, "/v1/whoami", victim).await,
            StatusCode::OK
        );
    }
    let revoked = deployment
        .client
        .post(format!(
            "{}/v1/api-keys/{victim_id}/revoke",
            deployment.bases[0]
        ))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(
        deployment.get(0, "/v1/whoami", victim).await,
        StatusCode::UNAUTHORIZED,
        "the revoking process refuses the key at once"
    );
    let took = deployment.until(1, victim, StatusCode::UNAUTHORIZED).await;
    println!("revocation reached the other process in {took:?}");
}

/// A tenant suspended by the operator (neither process) is refused by both, then served again
/// once reactivated: refusals are not cached either.
async fn suspension(
    deployment: &Deployment,
    store: &service::Store,
    tenant: domain::TenantId,
    admin: &str,
) {
    for process in [0, 1] {
        assert_eq!(
            deployment.get(process, "/v1/whoami", admin).await,
            StatusCode::OK
        );
    }
    service::tenants::set_status(store, tenant, TenantStatus::Suspended)
        .await
        .unwrap();
    for process in [0, 1] {
        let took = deployment
            .until(process, admin, StatusCode::FORBIDDEN)
            .await;
        println!("suspension reached process {process} in {took:?}");
    }
    service::tenants::set_status(store, tenant, TenantStatus::Active)
        .await
        .unwrap();
    for process in [0, 1] {
        deployment.until(process, admin, StatusCode::OK).await;
    }
}
