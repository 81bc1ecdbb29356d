//! The ticket's life: a lazy first login, a transparent re-login when the emulator expires the
//! ticket mid-run (once for 100 concurrent callers, counted through the emulator's stats), and
//! the auth errors when no usable ticket can be had.

mod support;

use std::sync::Arc;
use std::time::Duration;

use cme_emulator::{Emulator, FaultSpec};
use cme_sdk::{AuthError, BoxError, Client, ErrorCode, ErrorKind, Signature, SignatureSource};
use futures_util::future::join_all;
use support::*;

const LIST: &str = "Material/ListMedia";

#[tokio::test]
async fn the_client_logs_in_lazily_and_again_when_the_ticket_expires_mid_run() {
    let env = Env::start().await;
    let m = env.material();
    assert!(
        env.client.current_ticket().is_none(),
        "no login before the first call"
    );
    assert_eq!((env.logins(), env.backend.signatures()), (0, 0));

    m.list_media(ALICE_ROOT, person(ALICE))
        .send()
        .await
        .expect("first call");
    let first = env.client.current_ticket().expect("a ticket");
    assert_eq!((env.logins(), env.backend.signatures()), (1, 1));

    env.emu.expire_tickets();
    let made = m
        .create_class(ALICE_ROOT, "过期之后", person(ALICE))
        .send()
        .await
        .expect("the call after expiry succeeds")
        .class_id;
    let second = env.client.current_ticket().expect("a ticket");
    assert_ne!(
        first.expose_secret(),
        second.expose_secret(),
        "a new ticket"
    );
    assert_eq!((env.logins(), env.backend.signatures()), (2, 2));
    let stats = env.emu.stats();
    assert_eq!(
        (
            stats.received("Material/CreateClass"),
            stats.executed("Material/CreateClass")
        ),
        (2, 1),
        "refused once for the ticket, then replayed and run once"
    );

    // and again, for a third kind of call
    env.emu.expire_tickets();
    m.delete_class(person(ALICE), made)
        .send()
        .await
        .expect("after a second expiry");
    assert_eq!(env.logins(), 3);
    // while the ticket is good, calls do not log in
    for _ in 0..3 {
        m.list_media(ALICE_ROOT, person(ALICE))
            .send()
            .await
            .expect("call");
    }
    assert_eq!(env.logins(), 3);
    assert_eq!(
        env.state()
            .classes
            .values()
            .filter(|c| c.name == "过期之后")
            .count(),
        0
    );
    env.stop().await;
}

/// Runs `n` ListMedia calls at once on clones of `client`, each on its own task.
async fn concurrent_calls(client: &Client, n: usize) {
    let calls = (0..n).map(|_| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .material()
                .list_media(ALICE_ROOT, person(ALICE))
                .send()
                .await
                .map(|data| data.class_info_set.len())
        })
    });
    for outcome in join_all(calls).await {
        let listed = outcome.expect("the task ran").expect("every call succeeds");
        assert_eq!(listed, 3, "/视频, /音频 and /图片");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_callers_log_in_once() {
    let env = Env::start().await;
    // the first login: 100 callers, no ticket yet
    concurrent_calls(&env.client, 100).await;
    assert_eq!(env.logins(), 1, "one login for 100 first callers");
    assert_eq!(env.backend.signatures(), 1);
    assert_eq!(env.executed(LIST), 100);

    // the ticket expires under them: 100 refusals, one re-login, 100 replays
    env.emu.expire_tickets();
    env.emu.reset_stats();
    concurrent_calls(&env.client, 100).await;
    let stats = env.emu.stats();
    assert_eq!(stats.executed("Login"), 1, "one re-login for 100 callers");
    assert_eq!(env.backend.signatures(), 2);
    assert_eq!(stats.executed(LIST), 100, "each call ran exactly once");
    let received = stats.received(LIST);
    assert!(
        (101..=200).contains(&received),
        "at least one refusal, at most one per caller: {received}"
    );
    env.stop().await;
}

#[tokio::test]
async fn an_explicit_login_checks_the_credentials_early() {
    let env = Env::start().await;
    let data = env.client.login().await.expect("login");
    assert!(data.authorization.starts_with("tf_"));
    assert_eq!(data.app_id, Some(1_200_000_001));
    assert_eq!(data.platform.as_deref(), Some(P));
    let ticket = env.client.current_ticket().expect("cached");
    assert_eq!(ticket.expose_secret(), data.authorization);
    env.client
        .team()
        .describe_join_teams()
        .send()
        .await
        .expect("a call with the cached ticket");
    assert_eq!(env.logins(), 1);

    // the ticket never shows in Debug output or errors
    let secret = ticket.expose_secret().to_owned();
    assert!(!format!("{:?}", env.client).contains(&secret));
    assert!(
        !format!("{data:?}").contains(&secret),
        "LoginData hides the ticket"
    );
    assert_eq!(format!("{ticket:?}"), "Ticket(<redacted>)");
    env.stop().await;
}

#[tokio::test]
async fn a_ticket_refused_right_after_a_fresh_login_is_an_auth_error() {
    // tickets that are dead on arrival
    let env = Env::with(Emulator::builder().ticket_lifetime(Duration::ZERO)).await;
    let err = env
        .material()
        .list_media(ALICE_ROOT, person(ALICE))
        .send()
        .await
        .expect_err("every ticket is expired");
    assert!(err.is_auth(), "{err:?}");
    let ErrorKind::Auth(AuthError::TicketRefused(api)) = err.kind() else {
        panic!("a refused ticket: {err:?}");
    };
    assert_eq!(api.code, ErrorCode::AuthFailureSessionInvalid);
    assert!(
        api.english_message
            .as_deref()
            .is_some_and(|m| m.contains("ticket expired")),
        "{api:?}"
    );
    assert_eq!(err.code(), Some(&ErrorCode::AuthFailureSessionInvalid));
    assert_eq!(err.action().map(|a| a.to_string()).as_deref(), Some(LIST));
    assert!(!err.is_retryable());
    let shown = err.to_string();
    assert!(
        shown.starts_with(
            "Material/ListMedia failed: authentication failed: ticket refused right after a fresh login: AuthFailure.SessionInvalid"
        ),
        "{shown}"
    );
    // logged in, refused, logged in again once, refused: then it gives up
    assert_eq!(env.logins(), 2);
    assert_eq!((env.received(LIST), env.executed(LIST)), (2, 0));
    let ticket = env.client.current_ticket().expect("a ticket");
    assert!(!shown.contains(ticket.expose_secret()));
    assert!(!format!("{err:?}").contains(ticket.expose_secret()));
    env.stop().await;
}

#[tokio::test]
async fn a_client_with_only_a_ticket_works_until_the_ticket_expires() {
    let emu = start().await;
    let ticket = emu.ticket_for(ALICE);
    // Without a signature source nor a login, the client cannot tell its platform.
    let unplaced = Client::builder()
        .endpoint(emu.base_url())
        .ticket(ticket.clone())
        .build()
        .expect("a client with a ticket from elsewhere");
    let err = unplaced
        .material()
        .list_media(ALICE_ROOT, person(ALICE))
        .send()
        .await
        .expect_err("no platform to send");
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest(_)),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("Material/ListMedia failed: invalid request: Platform: missing"),
        "{err}"
    );
    let err = unplaced.me().await.expect_err("no user to name");
    assert!(err.to_string().contains("does not know its user"), "{err}");
    let client = Client::builder()
        .endpoint(emu.base_url())
        .ticket(ticket)
        .platform(P)
        .build()
        .expect("a client with a ticket from elsewhere");
    client
        .material()
        .list_media(ALICE_ROOT, person(ALICE))
        .send()
        .await
        .expect("no login needed");
    assert_eq!(emu.stats().received("Login"), 0);
    emu.expire_tickets();
    let err = client
        .material()
        .list_media(ALICE_ROOT, person(ALICE))
        .send()
        .await
        .expect_err("the ticket expired and nothing can renew it");
    assert!(
        matches!(err.kind(), ErrorKind::Auth(AuthError::NoSignatureSource)),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Material/ListMedia failed: authentication failed: a login is needed but no signature source is configured"
    );
    assert_eq!(emu.stats().received("Login"), 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_failing_backend_fails_the_call_with_its_reason() {
    let emu = start().await;
    let asked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = asked.clone();
    let client = Client::builder()
        .endpoint(emu.base_url())
        .signature_source(SignatureSource::from_fn(move |_action| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Err::<Signature, BoxError>("backend unavailable: 502 from /cme/signature".into())
            }
        }))
        .retry(quick_retries())
        .build()
        .expect("client");
    let err = client
        .team()
        .describe_join_teams()
        .send()
        .await
        .expect_err("no signature");
    assert!(
        matches!(err.kind(), ErrorKind::Auth(AuthError::SignatureSource)),
        "{err:?}"
    );
    assert_eq!(err.code(), None);
    assert_eq!(
        err.to_string(),
        "Team/DescribeJoinTeams failed: authentication failed: the signature source failed: \
         backend unavailable: 502 from /cme/signature"
    );
    assert!(
        std::error::Error::source(&err).is_some(),
        "the cause is kept"
    );
    let stats = emu.stats();
    assert_eq!(
        (
            stats.received("Login"),
            stats.received("Team/DescribeJoinTeams")
        ),
        (0, 0)
    );
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 1);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_login_is_shared_by_the_callers_waiting_for_it() {
    let env = Env::start().await;
    let client = builder(&env.emu, &env.backend)
        .retry(cme_sdk::RetryPolicy::none())
        .build()
        .expect("client");
    env.emu.inject(FaultSpec::status(500).login().times(1));
    let calls = (0..100).map(|_| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .material()
                .list_media(ALICE_ROOT, person(ALICE))
                .send()
                .await
        })
    });
    let mut failed = 0;
    for outcome in join_all(calls).await {
        if let Err(err) = outcome.expect("the task ran") {
            failed += 1;
            assert!(
                matches!(err.kind(), ErrorKind::Http(http) if http.status == 500),
                "the login's failure: {err:?}"
            );
            assert!(
                err.to_string()
                    .starts_with("Material/ListMedia failed: login: HTTP 500"),
                "{err}"
            );
        }
    }
    assert_eq!(failed, 100, "every caller gets the failed login's error");
    let stats = env.emu.stats();
    assert_eq!(
        stats.received("Login"),
        1,
        "one failed login shared by the waiting callers: {stats:?}"
    );
    // the next call after the backoff (200 ms, the policy's base delay) logs in
    tokio::time::sleep(Duration::from_millis(250)).await;
    client
        .material()
        .list_media(ALICE_ROOT, person(ALICE))
        .send()
        .await
        .expect("a later call logs in");
    assert_eq!(env.emu.stats().executed("Login"), 1);
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_giving_up_during_the_login_does_not_stall_the_others() {
    let env = Env::start().await;
    env.emu.inject(
        FaultSpec::delay(Duration::from_millis(800))
            .login()
            .times(1),
    );
    let impatient = {
        let client = env.client.clone();
        tokio::spawn(async move {
            client
                .team()
                .describe_join_teams()
                .timeout(Duration::from_millis(200))
                .send()
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let patient = env
        .client
        .team()
        .describe_join_teams()
        .timeout(Duration::from_secs(10))
        .send()
        .await;
    let err = impatient
        .await
        .expect("the task ran")
        .expect_err("its budget ran out during the login");
    assert!(err.is_timeout(), "{err:?}");
    let joined = patient.expect("the patient caller logs in after all");
    assert_eq!(joined.total_count, Some(1));
    assert!(env.emu.stats().received("Login") <= 2);
    env.stop().await;
}
