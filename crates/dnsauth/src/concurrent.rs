//! Bounded concurrency for independent lookups inside one check, without spawning (the
//! futures borrow the resolver) and without extra dependencies. Results keep the input
//! order, so findings are deterministic whatever order the answers arrive in.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use tokio::sync::Semaphore;

/// How many lookups of one check run at the same time.
pub(crate) const MAX_CONCURRENT: usize = 8;

/// Runs `f` on every item with at most `limit` futures past their permit at a time, and
/// returns the outputs in input order.
pub(crate) async fn bounded_map<T, F, Fut>(items: Vec<T>, limit: usize, f: F) -> Vec<Fut::Output>
where
    F: Fn(T) -> Fut,
    Fut: Future,
{
    let sem = Semaphore::new(limit.max(1));
    let sem = &sem;
    let mut futs: Vec<Pin<Box<_>>> = items
        .into_iter()
        .map(|it| {
            let fut = f(it);
            Box::pin(async move {
                // The semaphore is never closed, so acquiring cannot fail; a failure
                // would only lift the bound.
                let _permit = sem.acquire().await.ok();
                fut.await
            })
        })
        .collect();
    let mut outs: Vec<Option<Fut::Output>> = futs.iter().map(|_| None).collect();
    let mut pending = futs.len();
    std::future::poll_fn(|cx| {
        for (fut, out) in futs.iter_mut().zip(outs.iter_mut()) {
            if out.is_none()
                && let Poll::Ready(v) = fut.as_mut().poll(cx)
            {
                *out = Some(v);
                pending -= 1;
            }
        }
        if pending == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    outs.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test(flavor = "current_thread")]
    async fn keeps_order_and_bound() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let items: Vec<u64> = (0..20).collect();
        let out = bounded_map(items, 3, |i| {
            let (running, peak) = (&running, &peak);
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                // Later items finish first.
                tokio::time::sleep(Duration::from_millis(20 - i)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                i * 10
            }
        })
        .await;
        assert_eq!(out, (0..20).map(|i| i * 10).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }
}
