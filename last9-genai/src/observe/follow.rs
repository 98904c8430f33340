//! Whether an observed function's return value is a stream its span can
//! follow, found from the value's type by autoref specialization, as
//! capture finds how to write a value.
//!
//! The macro asks `(&&&&&&&&Returned::of(&value)).l9_follow()`: the first of
//! the traits below that the type implements gives a tag, and the tag's
//! `follow` either wraps the stream in an [`ObservedStream`] (which ends
//! the span when the stream ends) or ends the span now with the value, as
//! for any other function. The levels, first to last:
//!
//! 1. [`FollowBoxed`]: a boxed stream of `Result` chunks, as async-openai's
//!    `ChatCompletionResponseStream`, or such a stream inside `Result`
//!    (from an `async fn`). Re-boxed, so the declared type is kept.
//! 2. [`FollowImplResult`] (only for a return type written with `impl`):
//!    `Result<S, X>` where `S` is a stream of `Result` chunks.
//! 3. [`FollowImpl`] (only with `impl`): a stream of `Result` chunks.
//! 4. [`FollowImplItems`] (only with `impl`): a stream of `Serialize`
//!    items, text pieces say.
//! 5. [`FollowImplIter`] and 6. [`FollowImplIterItems`] (only with
//!    `impl`): the same for iterators, for blocking clients.
//! 7. [`FollowNot`]: any other stream: its concrete type cannot be
//!    wrapped, so the span ends now, and a warning says once how to follow
//!    it.
//! 8. [`FollowNone`]: anything else.
//!
//! Level `k` is implemented for `Returned` behind `8 - k` references and
//! the macro calls it behind eight, so that method lookup meets the
//! levels in order.

use std::fmt::Display;
use std::marker::PhantomData;
use std::pin::Pin;

use futures_core::Stream;
use serde::Serialize;

use super::Observation;
use super::stream::{Chunks, Items, ObservedIter, ObservedStream};
use crate::warn::OncePerName;

/// The type of an observed function's return value.
#[derive(Debug)]
pub struct Returned<T: ?Sized>(PhantomData<T>);

impl<T> Returned<T> {
    /// The type of `value`.
    pub fn of(_: &T) -> Self {
        Self(PhantomData)
    }
}

/// Level 1: boxed streams of `Result` chunks, alone or in `Result`.
pub trait FollowBoxed {
    /// How the value is followed.
    type Tag;
    /// The tag.
    fn l9_follow(&self) -> Self::Tag;
}

/// Level 2: `Result` of a stream of `Result` chunks (`impl` return types).
pub trait FollowImplResult {
    /// The tag.
    fn l9_follow(&self) -> ImplResultTag;
}

/// Level 3: a stream of `Result` chunks (`impl` return types).
pub trait FollowImpl {
    /// The tag.
    fn l9_follow(&self) -> ImplTag<Chunks>;
}

/// Level 4: a stream of `Serialize` items (`impl` return types).
pub trait FollowImplItems {
    /// The tag.
    fn l9_follow(&self) -> ImplTag<Items>;
}

/// Level 5: an iterator of `Result` chunks (`impl` return types).
pub trait FollowImplIter {
    /// The tag.
    fn l9_follow(&self) -> IterTag<Chunks>;
}

/// Level 6: an iterator of `Serialize` items (`impl` return types).
pub trait FollowImplIterItems {
    /// The tag.
    fn l9_follow(&self) -> IterTag<Items>;
}

/// Level 7: a stream that cannot be followed.
pub trait FollowNot {
    /// The tag.
    fn l9_follow(&self) -> NotFollowed;
}

/// Level 8: no stream.
pub trait FollowNone {
    /// The tag.
    fn l9_follow(&self) -> Finish;
}

/// Follows a boxed stream, keeping its box type.
#[derive(Debug)]
pub struct BoxedTag<const SEND: bool>;

/// Follows a boxed stream inside `Result`.
#[derive(Debug)]
pub struct ResultBoxedTag<const SEND: bool>;

/// Follows a stream inside `Result`.
#[derive(Debug)]
pub struct ImplResultTag;

/// Follows a stream, read with `R`.
#[derive(Debug)]
pub struct ImplTag<R>(PhantomData<R>);

/// Follows an iterator, read with `R`.
#[derive(Debug)]
pub struct IterTag<R>(PhantomData<R>);

/// Ends the span now, and says once why the stream is not followed.
#[derive(Debug)]
pub struct NotFollowed;

/// Ends the span now.
#[derive(Debug)]
pub struct Finish;

type Boxed<'a, C, E> = Pin<Box<dyn Stream<Item = Result<C, E>> + Send + 'a>>;
type BoxedLocal<'a, C, E> = Pin<Box<dyn Stream<Item = Result<C, E>> + 'a>>;

impl<'a, C: Serialize + 'static, E: Display> FollowBoxed for &&&&&&&Returned<Boxed<'a, C, E>> {
    type Tag = BoxedTag<true>;
    fn l9_follow(&self) -> Self::Tag {
        BoxedTag
    }
}

impl<'a, C: Serialize + 'static, E: Display> FollowBoxed for &&&&&&&Returned<BoxedLocal<'a, C, E>> {
    type Tag = BoxedTag<false>;
    fn l9_follow(&self) -> Self::Tag {
        BoxedTag
    }
}

impl<'a, C: Serialize + 'static, E: Display, X> FollowBoxed
    for &&&&&&&Returned<Result<Boxed<'a, C, E>, X>>
{
    type Tag = ResultBoxedTag<true>;
    fn l9_follow(&self) -> Self::Tag {
        ResultBoxedTag
    }
}

impl<'a, C: Serialize + 'static, E: Display, X> FollowBoxed
    for &&&&&&&Returned<Result<BoxedLocal<'a, C, E>, X>>
{
    type Tag = ResultBoxedTag<false>;
    fn l9_follow(&self) -> Self::Tag {
        ResultBoxedTag
    }
}

impl<S, C, E, X> FollowImplResult for &&&&&&Returned<Result<S, X>>
where
    S: Stream<Item = Result<C, E>>,
    C: Serialize + 'static,
    E: Display,
{
    fn l9_follow(&self) -> ImplResultTag {
        ImplResultTag
    }
}

impl<S, C, E> FollowImpl for &&&&&Returned<S>
where
    S: Stream<Item = Result<C, E>>,
    C: Serialize + 'static,
    E: Display,
{
    fn l9_follow(&self) -> ImplTag<Chunks> {
        ImplTag(PhantomData)
    }
}

impl<S: Stream> FollowImplItems for &&&&Returned<S>
where
    S::Item: Serialize,
{
    fn l9_follow(&self) -> ImplTag<Items> {
        ImplTag(PhantomData)
    }
}

impl<I, C, E> FollowImplIter for &&&Returned<I>
where
    I: Iterator<Item = Result<C, E>>,
    C: Serialize + 'static,
    E: Display,
{
    fn l9_follow(&self) -> IterTag<Chunks> {
        IterTag(PhantomData)
    }
}

impl<I: Iterator> FollowImplIterItems for &&Returned<I>
where
    I::Item: Serialize,
{
    fn l9_follow(&self) -> IterTag<Items> {
        IterTag(PhantomData)
    }
}

impl<S: Stream> FollowNot for &Returned<S> {
    fn l9_follow(&self) -> NotFollowed {
        NotFollowed
    }
}

impl<T> FollowNone for Returned<T> {
    fn l9_follow(&self) -> Finish {
        Finish
    }
}

/// The `follow` of the tags of boxed streams, `Send` (`$send` is `true`)
/// or not: the stream re-boxed as it was declared, alone or in `Ok`.
macro_rules! follow_boxed {
    ($send:literal, $boxed:ident $(, $bound:ident)?) => {
        impl BoxedTag<$send> {
            /// Wraps the stream, boxed again as it was declared.
            pub fn follow<'a, C, E>(
                self,
                observation: Observation,
                value: $boxed<'a, C, E>,
                _: impl FnOnce(Observation, &$boxed<'a, C, E>),
            ) -> $boxed<'a, C, E>
            where
                C: Serialize + 'static $(+ $bound)?,
                E: Display $(+ $bound)? + 'a,
            {
                if !observation.is_recording() {
                    return value;
                }
                Box::pin(ObservedStream::new(observation, value, Chunks::default()))
            }
        }

        impl ResultBoxedTag<$send> {
            /// Wraps the stream of `Ok`; ends the span with `Err`.
            pub fn follow<'a, C, E, X>(
                self,
                observation: Observation,
                value: Result<$boxed<'a, C, E>, X>,
                finish: impl FnOnce(Observation, &Result<$boxed<'a, C, E>, X>),
            ) -> Result<$boxed<'a, C, E>, X>
            where
                C: Serialize + 'static $(+ $bound)?,
                E: Display $(+ $bound)? + 'a,
            {
                match value {
                    Ok(stream) => Ok(BoxedTag::<$send>.follow(observation, stream, |_, _| {})),
                    Err(_) => {
                        finish(observation, &value);
                        value
                    }
                }
            }
        }
    };
}

follow_boxed!(true, Boxed, Send);
follow_boxed!(false, BoxedLocal);

impl ImplResultTag {
    /// Wraps the stream of `Ok`; ends the span with `Err`.
    pub fn follow<S, X>(
        self,
        observation: Observation,
        value: Result<S, X>,
        finish: impl FnOnce(Observation, &Result<S, X>),
    ) -> Result<ObservedStream<S, Chunks>, X> {
        match value {
            Ok(stream) => Ok(ObservedStream::new(observation, stream, Chunks::default())),
            Err(error) => {
                let value: Result<S, X> = Err(error);
                finish(observation, &value);
                let Err(error) = value else {
                    unreachable!("made as Err")
                };
                Err(error)
            }
        }
    }
}

impl<R: Default> ImplTag<R> {
    /// Wraps the stream.
    pub fn follow<S>(
        self,
        observation: Observation,
        value: S,
        _: impl FnOnce(Observation, &S),
    ) -> ObservedStream<S, R> {
        ObservedStream::new(observation, value, R::default())
    }
}

impl<R: Default> IterTag<R> {
    /// Wraps the iterator.
    pub fn follow<I>(
        self,
        observation: Observation,
        value: I,
        _: impl FnOnce(Observation, &I),
    ) -> ObservedIter<I, R> {
        ObservedIter::new(observation, value, R::default())
    }
}

/// Functions already warned of, by name.
static NOT_FOLLOWED: OncePerName = OncePerName::new(1000);

impl NotFollowed {
    /// Ends the span with the value, and says once per function why the
    /// stream is not followed.
    pub fn follow<T>(
        self,
        observation: Observation,
        value: T,
        finish: impl FnOnce(Observation, &T),
    ) -> T {
        let name = observation.meta.name;
        NOT_FOLLOWED.warn(
            name,
            || {
                format!(
                    "#[observe] `{name}` returns a stream of type `{}`, which its span cannot \
                     follow: the span ends before the stream is read. Declare the return type \
                     as `impl Stream<Item = …>` or `Pin<Box<dyn Stream<Item = Result<…>> + Send>>`, \
                     or wrap the stream with `ObserveStream::observe_chunks`.",
                    std::any::type_name::<T>()
                )
            },
            "more functions return streams their spans cannot follow",
        );
        finish(observation, &value);
        value
    }
}

impl Finish {
    /// Ends the span with the value.
    pub fn follow<T>(
        self,
        observation: Observation,
        value: T,
        finish: impl FnOnce(Observation, &T),
    ) -> T {
        finish(observation, &value);
        value
    }
}
