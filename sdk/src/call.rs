//! The fluent call builder that every generated client method returns.

use std::future::Future;
use std::time::Duration;

use futures_util::stream::{self, Stream, StreamExt, TryStreamExt};

use crate::action::{Action, Paginated};
use crate::client::Client;
use crate::error::{Error, PagingError};
use crate::options::{CallOptions, RetryPolicy};

/// The most pages a walk with [`Call::pages`] or [`Call::items`] asks for unless told otherwise
/// ([`Call::max_pages`]): 300,000 items at 30 a page.
pub const DEFAULT_MAX_PAGES: u32 = 10_000;

/// One call of an action, ready to [`send`](Call::send). Optional request fields are set with
/// the generated setters on this type; per-call options with [`timeout`](Call::timeout) and
/// [`retry`](Call::retry).
///
/// A call owns a handle to its client (a cheap clone), so it can be stored, sent later, or
/// spawned: `tokio::spawn(client.material().delete_material(id).send())`.
#[must_use = "a call does nothing until it is sent"]
#[derive(Debug, Clone)]
pub struct Call<A> {
    client: Client,
    request: A,
    options: CallOptions,
    max_pages: u32,
}

impl<A: Action> Call<A> {
    /// A call of `request` through `client`.
    pub fn new(client: &Client, request: A) -> Self {
        Self {
            client: client.clone(),
            request,
            options: CallOptions::default(),
            max_pages: DEFAULT_MAX_PAGES,
        }
    }

    /// Changes the request; the generated setters use this.
    #[doc(hidden)]
    pub fn map(mut self, f: impl FnOnce(A) -> A) -> Self {
        self.request = f(self.request);
        self
    }

    /// The request as it will be sent (before the client fills what the caller left unset,
    /// such as the platform).
    pub fn request(&self) -> &A {
        &self.request
    }

    /// The request, to keep or send later with [`Client::execute`].
    pub fn into_request(self) -> A {
        self.request
    }

    /// Bounds the whole call, retries included, for this call only.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Bounds each attempt, for this call only.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.options.attempt_timeout = Some(timeout);
        self
    }

    /// Replaces the client's retry policy for this call only.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.retry = Some(policy);
        self
    }

    /// Sends the request and decodes the reply's `Data`. The future borrows nothing, so it can
    /// be spawned.
    // Not an `async fn`: the bounds are spelled out, so that a change that loses them fails to
    // compile here rather than in a user's `tokio::spawn`.
    #[allow(clippy::manual_async_fn)]
    pub fn send(self) -> impl Future<Output = Result<A::Data, Error>> + Send + 'static {
        async move { self.client.execute_with(&self.request, &self.options).await }
    }
}

/// Where a walk over pages stands.
struct Walk<A: Paginated> {
    client: Client,
    options: CallOptions,
    /// The request of the next page; `None` once the walk is over.
    next: Option<A>,
    /// The items of the previous page, to notice a service that ignores the offset.
    previous: Option<Vec<A::Item>>,
    pages: u32,
    max_pages: u32,
}

impl<A: Paginated> Walk<A> {
    /// Fetches the next page, or `None` at the end.
    async fn step(mut self) -> Result<Option<(A::Data, Self)>, Error> {
        let Some(request) = self.next.take() else {
            return Ok(None);
        };
        let offset = request.offset();
        if self.pages == self.max_pages {
            let limit = PagingError::TooManyPages {
                max_pages: self.max_pages,
            };
            return Err(Error::paging(A::META, limit).at_page_offset(offset));
        }
        let data = self
            .client
            .execute_with(&request, &self.options)
            .await
            .map_err(|e| e.at_page_offset(offset))?;
        self.pages += 1;
        let items = A::items(&data);
        if !items.is_empty() && self.previous.as_deref() == Some(items) {
            let stalled = PagingError::Stalled { offset };
            return Err(Error::paging(A::META, stalled).at_page_offset(offset));
        }
        // The next offset; one that would overflow ends the walk: there is no page to ask for.
        let fetched = i64::try_from(items.len())
            .ok()
            .and_then(|count| offset.checked_add(count));
        let more = !items.is_empty()
            && fetched.is_some_and(|fetched| A::total(&data).is_none_or(|total| fetched < total));
        self.next = fetched.filter(|_| more).map(|fetched| {
            let mut next = request;
            next.set_offset(fetched);
            next
        });
        self.previous = more.then(|| items.to_vec());
        Ok(Some((data, self)))
    }
}

impl<A: Paginated> Call<A> {
    /// Bounds a walk with [`pages`](Self::pages) or [`items`](Self::items) to `max` pages
    /// (default [`DEFAULT_MAX_PAGES`]); asking for one more fails with
    /// [`ErrorKind::Paging`](crate::ErrorKind::Paging).
    pub fn max_pages(mut self, max: u32) -> Self {
        self.max_pages = max;
        self
    }

    /// Every page's `Data` from the request's offset on, one call per page, until the total
    /// count is reached or a page comes back empty. The whole `Data` of each page is kept (e.g.
    /// the sub-classes `ListMedia` returns beside its media).
    ///
    /// A failed page ends the stream with its error; [`Error::page_offset`] tells the offset
    /// of that page, so the walk can resume there. A service that answers the same page again
    /// (it ignores the offset) ends it with [`ErrorKind::Paging`](crate::ErrorKind::Paging)
    /// instead of looping.
    ///
    /// The stream is `Unpin` (`while let Some(page) = pages.try_next().await?` works as is).
    pub fn pages(self) -> impl Stream<Item = Result<A::Data, Error>> + Send + Unpin + 'static {
        let walk = Walk {
            client: self.client,
            options: self.options,
            next: Some(self.request),
            previous: None,
            pages: 0,
            max_pages: self.max_pages,
        };
        // Boxed once per walk, so that callers need not pin it.
        stream::try_unfold(walk, Walk::step).boxed()
    }

    /// Every item of every page, as one stream; see [`pages`](Self::pages).
    pub fn items(self) -> impl Stream<Item = Result<A::Item, Error>> + Send + Unpin + 'static {
        self.pages()
            .map_ok(|data| stream::iter(A::into_items(data).into_iter().map(Ok)))
            .try_flatten()
    }
}
